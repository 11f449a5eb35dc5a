"""/frontdesk/v1: the composer's insert menu for a thread, and snippets (issue 7).

The menu answers whoever may read the thread (a person: the insertion speaks for them); a
thread the caller cannot see, an unknown kind or item answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from frontdesk.api.deps import DbDep, Principal, ThreadId, UserDep
from frontdesk.api.responses import JsonResponse, created
from frontdesk.core.errors import MissingScopes
from frontdesk.core.models import INT64_MAX
from frontdesk.inserts import catalogue  # noqa: F401  (registers every source)
from frontdesk.inserts import service as insert_service
from frontdesk.inserts import snippets as snippet_service
from frontdesk.inserts.schemas import (
    InsertRender,
    SnippetCreate,
    SnippetUpdate,
    groups_json,
    insertion_json,
    snippet_json,
)

router = APIRouter(prefix="/frontdesk/v1")

SnippetId = Annotated[int, Path(alias="snippetId", ge=1, le=INT64_MAX)]


async def require_reader(principal: UserDep) -> Principal:
    """A person who may read threads (the insertion speaks for them: apps have no menu)."""
    if "conversations.read" not in principal.scopes:
        raise MissingScopes(("conversations.read",))
    return principal


Reader = Annotated[Principal, Depends(require_reader)]


def _person(principal: Principal) -> int:
    assert principal.user_id is not None
    return principal.user_id


def _editor(principal: Principal) -> snippet_service.Editor:
    assert principal.user_id is not None
    return snippet_service.Editor(user_id=principal.user_id, is_admin=principal.is_admin)


@router.get("/threads/{threadId}/inserts")
async def search_inserts(
    request: Request,
    thread_id: ThreadId,
    principal: Reader,
    db: DbDep,
    kind: Annotated[str | None, Query(max_length=50, description="One source only")] = None,
    q: Annotated[str, Query(max_length=200, description="Search as you type")] = "",
    mode: Annotated[str, Query(description="reply or comment")] = "reply",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JsonResponse:
    """What the insert menu offers for this thread, grouped by kind (one tab each)."""
    user_id = _person(principal)
    async with db.read() as uow:
        target = await insert_service.build_target(
            uow,
            thread_id=thread_id,
            user_id=user_id,
            inbox_ids=principal.inbox_ids,
            mode=mode,
            base_url=str(request.base_url),
        )
        groups = await insert_service.search(
            uow, target=target, kind=kind or None, query=q, limit=limit
        )
    return JsonResponse(groups_json(groups))


@router.post("/threads/{threadId}/inserts")
async def render_insert(
    request: Request, thread_id: ThreadId, body: InsertRender, principal: Reader, db: DbDep
) -> JsonResponse:
    """One item as this thread's channel takes it: `text`, `html` where formatting is
    allowed (else null), `fileIds` where files are."""
    user_id = _person(principal)
    # A transaction: a source may record the insertion (a tracked link).
    async with db.transaction() as uow:
        target = await insert_service.build_target(
            uow,
            thread_id=thread_id,
            user_id=user_id,
            inbox_ids=principal.inbox_ids,
            mode=body.mode,
            base_url=str(request.base_url),
        )
        insertion = await insert_service.render(uow, target=target, kind=body.kind, item_id=body.id)
    return JsonResponse(insertion_json(insertion))


@router.get("/snippets")
async def list_snippets(
    principal: UserDep,
    db: DbDep,
    q: Annotated[str, Query(max_length=200, description="Name, #shortcut or text")] = "",
) -> JsonResponse:
    """The shared snippets and your own."""
    assert principal.user_id is not None
    async with db.read() as uow:
        rows = await snippet_service.list_snippets(uow, user_id=principal.user_id, query=q)
    return JsonResponse({"results": [snippet_json(r) for r in rows]})


@router.post("/snippets", status_code=201)
async def create_snippet(body: SnippetCreate, principal: UserDep, db: DbDep) -> JsonResponse:
    """Create one of your snippets, or a shared one (`shared: true`, admins only)."""
    async with db.transaction() as uow:
        row = await snippet_service.create_snippet(
            uow,
            editor=_editor(principal),
            name=body.name,
            shortcut=body.shortcut,
            body=body.body,
            shared=body.shared,
        )
    return created(snippet_json(row), f"/frontdesk/v1/snippets/{row.id}")


@router.get("/snippets/{snippetId}")
async def get_snippet(snippet_id: SnippetId, principal: UserDep, db: DbDep) -> JsonResponse:
    """One shared snippet or one of yours."""
    assert principal.user_id is not None
    async with db.read() as uow:
        row = await snippet_service.get_snippet(
            uow, snippet_id=snippet_id, user_id=principal.user_id
        )
    return JsonResponse(snippet_json(row))


@router.patch("/snippets/{snippetId}")
async def update_snippet(
    snippet_id: SnippetId, body: SnippetUpdate, principal: UserDep, db: DbDep
) -> JsonResponse:
    """Change your snippet's (or, admins, a shared one's) name, shortcut or body."""
    async with db.transaction() as uow:
        row = await snippet_service.update_snippet(
            uow,
            editor=_editor(principal),
            snippet_id=snippet_id,
            changes=body.model_dump(exclude_unset=True),
        )
    return JsonResponse(snippet_json(row))


@router.delete("/snippets/{snippetId}")
async def delete_snippet(snippet_id: SnippetId, principal: UserDep, db: DbDep) -> Response:
    """Delete your snippet (or, admins, a shared one)."""
    async with db.transaction() as uow:
        await snippet_service.delete_snippet(uow, editor=_editor(principal), snippet_id=snippet_id)
    return Response(status_code=204)
