"""/frontdesk/v1/contacts: read a contact and set its owner (the conversation sidebar's
dropdown uses the same endpoint). Issue 6 brings the full contact record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from frontdesk.api.deps import DbDep, Principal, require_scopes
from frontdesk.api.responses import JsonResponse
from frontdesk.contacts import service as contact_service
from frontdesk.contacts.schemas import ContactUpdate, contact_json
from frontdesk.core.models import INT64_MAX

router = APIRouter(prefix="/frontdesk/v1")

Reader = Annotated[Principal, Depends(require_scopes("conversations.read"))]
Writer = Annotated[Principal, Depends(require_scopes("conversations.write"))]
ContactId = Annotated[
    int, Path(alias="contactId", ge=1, le=INT64_MAX, description="The contact's id")
]


@router.get("/contacts/{contactId}")
async def get_contact(contact_id: ContactId, db: DbDep, principal: Reader) -> JsonResponse:
    """One contact, if the caller sees an inbox holding one of its conversations."""
    async with db.read() as uow:
        row = await contact_service.get_visible_contact(
            uow, contact_id=contact_id, inbox_ids=principal.inbox_ids
        )
    return JsonResponse(contact_json(row))


@router.patch("/contacts/{contactId}")
async def update_contact(
    contact_id: ContactId, body: ContactUpdate, db: DbDep, principal: Writer
) -> JsonResponse:
    """Set a contact's owner (`{"ownerId": "12"}`, or null for none), name, email or phone;
    emits `contact.updated` to the inboxes of its conversations. 409 when another contact
    has that email."""
    async with db.transaction() as uow:
        row = await contact_service.update_contact(
            uow,
            contact_id=contact_id,
            changes=body.model_dump(exclude_unset=True),
            inbox_ids=principal.inbox_ids,
        )
    return JsonResponse(contact_json(row))
