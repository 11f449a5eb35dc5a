from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from frontdesk.accounts.models import Inbox
from frontdesk.core.db import Database
from tests.conversations.factories import create_setup
from tests.factories import bearer, create_inbox, create_personal_token, create_user

BASE = "/conversations/v3/conversations/inboxes"


async def _archive_inbox(db: Database, inbox_id: int) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(Inbox).where(Inbox.id == inbox_id).values(archived=True, archived_at=1000)
        )


@pytest.mark.asyncio
async def test_list_inboxes_with_app_token_shows_every_inbox(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    other = await create_inbox(db, name="zeta")
    response = await client.get(BASE, headers=bearer(setup.app_token))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert "paging" not in body
    assert [r["id"] for r in body["results"]] == [str(setup.inbox_id), str(other)]
    first = body["results"][0]
    assert set(first) == {"id", "name", "type", "createdAt", "updatedAt", "archived"}
    assert first["type"] == "INBOX"
    assert first["archived"] is False
    assert first["createdAt"].endswith("Z")


@pytest.mark.asyncio
async def test_user_sees_only_inboxes_of_their_teams(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    hidden = await create_inbox(db)
    user_id = await create_user(db, teams=[setup.team])
    token = await create_personal_token(db, user_id=user_id)
    body = (await client.get(BASE, headers=bearer(token))).json()
    assert body["total"] == 1
    assert [r["id"] for r in body["results"]] == [str(setup.inbox_id)]
    response = await client.get(f"{BASE}/{hidden}", headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"
    ok = await client.get(f"{BASE}/{setup.inbox_id}", headers=bearer(token))
    assert ok.status_code == 200
    assert ok.json()["id"] == str(setup.inbox_id)


@pytest.mark.asyncio
async def test_admin_sees_every_inbox(client: httpx.AsyncClient, db: Database) -> None:
    await create_setup(db)
    await create_inbox(db)
    admin = await create_user(db, role="admin")
    token = await create_personal_token(db, user_id=admin)
    assert (await client.get(BASE, headers=bearer(token))).json()["total"] == 2


@pytest.mark.asyncio
async def test_user_without_teams_sees_no_inbox(client: httpx.AsyncClient, db: Database) -> None:
    await create_setup(db)
    user_id = await create_user(db)
    token = await create_personal_token(db, user_id=user_id)
    body = (await client.get(BASE, headers=bearer(token))).json()
    assert body == {"total": 0, "results": []}


@pytest.mark.asyncio
async def test_archived_inboxes_only_with_archived_true(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    gone = await create_inbox(db)
    await _archive_inbox(db, gone)
    headers = bearer(setup.app_token)
    live = (await client.get(BASE, headers=headers)).json()
    assert [r["id"] for r in live["results"]] == [str(setup.inbox_id)]
    archived = (await client.get(BASE, params={"archived": "true"}, headers=headers)).json()
    assert archived["total"] == 1
    assert archived["results"][0]["id"] == str(gone)
    assert archived["results"][0]["archived"] is True
    assert archived["results"][0]["archivedAt"] == "1970-01-01T00:00:01.000Z"
    assert (await client.get(f"{BASE}/{gone}", headers=headers)).status_code == 404
    found = await client.get(f"{BASE}/{gone}", params={"archived": "true"}, headers=headers)
    assert found.status_code == 200
    assert found.json()["archived"] is True


@pytest.mark.asyncio
async def test_help_desk_inbox_has_its_type(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    async with db.transaction() as uow:
        await uow.execute(update(Inbox).where(Inbox.id == setup.inbox_id).values(kind="HELP_DESK"))
    body = (await client.get(f"{BASE}/{setup.inbox_id}", headers=bearer(setup.app_token))).json()
    assert body["type"] == "HELP_DESK"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sort", "names"),
    [
        (None, ["b", "c", "a"]),
        ("id", ["b", "c", "a"]),
        ("-id", ["a", "c", "b"]),
        ("name", ["a", "b", "c"]),
        ("-name", ["c", "b", "a"]),
    ],
)
async def test_inbox_paging_in_every_sort(
    client: httpx.AsyncClient, db: Database, sort: str | None, names: list[str]
) -> None:
    created = await create_setup(db)
    async with db.transaction() as uow:
        await uow.execute(update(Inbox).where(Inbox.id == created.inbox_id).values(name="b"))
    await create_inbox(db, name="c")
    await create_inbox(db, name="a")
    headers = bearer(created.app_token)
    params: dict[str, str] = {"limit": "2"}
    if sort:
        params["sort"] = sort
    seen: list[str] = []
    pages = 0
    while True:
        body = (await client.get(BASE, params=params, headers=headers)).json()
        assert body["total"] == 3
        pages += 1
        seen += [r["name"] for r in body["results"]]
        if "paging" not in body:
            break
        nxt = body["paging"]["next"]
        assert nxt["link"].startswith("http://testserver" + BASE + "?")
        assert f"after={nxt['after']}" in nxt["link"]
        params["after"] = nxt["after"]
    assert seen == names
    assert pages == 2


@pytest.mark.asyncio
async def test_default_page_length_sets_page_size_without_limit(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    await create_inbox(db)
    headers = bearer(setup.app_token)
    body = (await client.get(BASE, params={"defaultPageLength": 1}, headers=headers)).json()
    assert len(body["results"]) == 1
    assert "paging" in body
    both = {"defaultPageLength": 1, "limit": 5}
    assert len((await client.get(BASE, params=both, headers=headers)).json()["results"]) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "createdAt"}, "sort"),
        ({"sort": ["id", "name"]}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"defaultPageLength": 0}, "defaultPageLength"),
        ({"after": "%%%"}, "after"),
        ({"archived": "maybe"}, "archived"),
    ],
)
async def test_inbox_list_rejects_bad_parameters(
    client: httpx.AsyncClient, db: Database, params: dict[str, object], field: str
) -> None:
    setup = await create_setup(db)
    response = await client.get(BASE, params=params, headers=bearer(setup.app_token))  # type: ignore[arg-type]
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in body["errors"]] == [field]


@pytest.mark.asyncio
async def test_cursor_of_another_sort_is_rejected(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    await create_inbox(db)
    headers = bearer(setup.app_token)
    first = (await client.get(BASE, params={"limit": 1}, headers=headers)).json()
    after = first["paging"]["next"]["after"]
    response = await client.get(
        BASE, params={"limit": 1, "sort": "name", "after": after}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "after"


@pytest.mark.asyncio
async def test_unknown_inbox_is_404(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    response = await client.get(f"{BASE}/999999", headers=bearer(setup.app_token))
    assert response.status_code == 404


@pytest.mark.asyncio
async def test_openapi_documents_the_conversations_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert set(paths["/conversations/v3/conversations/threads/{threadId}"]) == {
        "get",
        "patch",
        "delete",
    }
    assert set(paths["/conversations/v3/conversations/threads/{threadId}/assignee"]) == {
        "put",
        "delete",
    }
    assert "/conversations/v3/conversations/inboxes/{inboxId}" in paths
    listing = paths["/conversations/v3/conversations/threads"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {
        "inboxId",
        "associatedContactId",
        "threadStatus",
        "latestMessageTimestampAfter",
    } <= names
