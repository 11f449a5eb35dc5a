"""HubSpot's CRM contacts API, the minimal part bridges use to pre-create contacts before they
publish with `associateWithContactId` (DESIGN 8: app or personal token with
`crm.objects.contacts.read` / `.write`; every contact is visible)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from frontdesk.api.deps import DbDep, Principal, require_scopes
from frontdesk.api.responses import JsonResponse, created
from frontdesk.contacts import crm_service
from frontdesk.contacts.crm_schemas import (
    ContactInput,
    SearchRequest,
    object_json,
    requested_properties,
)
from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import decode_cursor, page_body

router = APIRouter(prefix="/crm/v3/objects/contacts")

READ_SCOPE, WRITE_SCOPE = "crm.objects.contacts.read", "crm.objects.contacts.write"
Reader = Annotated[Principal, Depends(require_scopes(READ_SCOPE, WRITE_SCOPE))]
Writer = Annotated[Principal, Depends(require_scopes(WRITE_SCOPE))]
ContactKey = Annotated[
    str,
    Path(
        alias="contactId",
        min_length=1,
        max_length=320,
        description="The contact's id, or its email with `idProperty=email`",
    ),
]
IdProperty = Annotated[
    str | None,
    Query(
        alias="idProperty",
        max_length=40,
        description="`email` when `contactId` is an email address",
    ),
]
Properties = Annotated[
    list[str] | None,
    Query(max_length=100, description="Properties to return (repeated or comma-separated)"),
]


@router.post("", status_code=201)
async def create_contact(
    request: Request, body: ContactInput, db: DbDep, principal: Writer
) -> JsonResponse:
    """Create a contact from `email`, `firstname`, `lastname`, `phone`, `hubspot_owner_id`;
    409 (CONFLICT, naming the existing id) when a contact has that email already."""
    async with db.transaction() as uow:
        row = await crm_service.create_contact(uow, properties=body.properties)
    body_json = object_json(row, properties=tuple(body.properties))
    return created(body_json, f"{request.url.replace(query='')}/{row.id}")


@router.get("")
async def list_contacts(
    request: Request,
    db: DbDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=crm_service.MAX_LIST_LIMIT)] = 10,
    after: Annotated[str | None, Query(max_length=200)] = None,
    properties: Properties = None,
    archived: bool = False,
) -> JsonResponse:
    """A page of contacts in id order; `paging.next.after` continues it."""
    after_id = _after_id(after)
    rows: list[object] = []
    next_id = None
    if not archived:  # Frontdesk never archives contacts
        async with db.read() as uow:
            rows, next_id = await crm_service.list_contacts(uow, limit=limit, after=after_id)
    wanted = requested_properties(properties)
    return JsonResponse(
        page_body(
            [object_json(row, properties=wanted) for row in rows],
            next_cursor=next_id,
            base_url=str(request.url.replace(query="")),
            query=dict(request.query_params),
        )
    )


@router.post("/search")
async def search_contacts(body: SearchRequest, db: DbDep, principal: Reader) -> JsonResponse:
    """Contacts matching `filterGroups` (ORed groups of ANDed filters on `email`, `phone`,
    `hubspot_owner_id`, `hs_object_id`) and `query` (name, email or phone); offset paging."""
    async with db.read() as uow:
        total, rows, after = await crm_service.search_contacts(uow, request=body)
    wanted = requested_properties(body.properties)
    result: dict[str, object] = {
        "total": total,
        "results": [object_json(row, properties=wanted) for row in rows],
    }
    if after is not None:
        result["paging"] = {"next": {"after": str(after)}}
    return JsonResponse(result)


@router.get("/{contactId}")
async def get_contact(
    contact_id: ContactKey,
    db: DbDep,
    principal: Reader,
    properties: Properties = None,
    id_property: IdProperty = None,
) -> JsonResponse:
    """One contact by id (or by email with `idProperty=email`)."""
    async with db.read() as uow:
        row = await crm_service.get_contact(uow, contact_id=contact_id, id_property=id_property)
    return JsonResponse(object_json(row, properties=requested_properties(properties)))


@router.patch("/{contactId}")
async def update_contact(
    contact_id: ContactKey,
    body: ContactInput,
    db: DbDep,
    principal: Writer,
    id_property: IdProperty = None,
) -> JsonResponse:
    """Change the properties sent ("" clears one); 409 when the new email is another
    contact's."""
    async with db.transaction() as uow:
        row = await crm_service.update_contact(
            uow, contact_id=contact_id, id_property=id_property, properties=body.properties
        )
    return JsonResponse(object_json(row, properties=tuple(body.properties)))


def _after_id(after: str | None) -> int | None:
    value = decode_cursor(after)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= INT64_MAX:
        raise validation_error("Invalid paging cursor", field_name="after")
    return value
