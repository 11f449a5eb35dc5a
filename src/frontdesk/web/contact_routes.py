"""The contacts list and the contact record (issue 6): properties editable by agents, and the
activity timeline with its type and channel filters. Edits go through the contact service
(the same path as PATCH /frontdesk/v1/contacts/{contactId}, with its events)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontdesk.accounts import service as account_service
from frontdesk.api.deps import DbDep, Principal
from frontdesk.contacts import service as contact_service
from frontdesk.contacts import timeline
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError, validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import decode_cursor, encode_cursor
from frontdesk.web.auth import WebUserDep
from frontdesk.web.forms import NO_ERRORS, FormErrors, field, form_errors, frame, posted_form
from frontdesk.web.templating import render

router = APIRouter(include_in_schema=False)

LIST_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 50
ContactId = Annotated[int, Path(alias="contactId", ge=1, le=INT64_MAX)]
Cursor = Annotated[str | None, Query(max_length=200)]
IDENTIFIER_LABELS = {
    "HS_EMAIL_ADDRESS": "Email",
    "HS_PHONE_NUMBER": "Phone",
    "CHANNEL_SPECIFIC_OPAQUE_ID": "Channel id",
    "HS_SHORT_CODE": "Short code",
}


@router.get("/contacts")
async def contacts_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    q: Annotated[str, Query(max_length=200)] = "",
    before: Annotated[int | None, Query(ge=1, le=INT64_MAX)] = None,
) -> Response:
    """The contacts the user sees (a conversation in one of their inboxes), searchable."""
    started = time.perf_counter()
    context = await frame(db, principal)
    async with db.read() as uow:
        rows, next_before = await contact_service.list_visible_contacts(
            uow, inbox_ids=principal.inbox_ids, query=q, limit=LIST_PAGE_SIZE, before=before
        )
    return render(
        request,
        "contacts.html",
        {**context, "contacts": rows, "q": q, "next_before": next_before},
        started=started,
    )


@router.get("/contacts/{contactId}")
async def contact_page(
    request: Request,
    principal: WebUserDep,
    db: DbDep,
    contact_id: ContactId,
    type: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=20)] = "",
    before: Cursor = None,
) -> Response:
    """One contact: properties (editable) and the activity timeline."""
    started = time.perf_counter()
    filters = _filters(type, channel, before)
    context = await _record(db, principal, contact_id=contact_id, filters=filters)
    return render(request, "contact.html", context, started=started)


@router.post("/contacts/{contactId}")
async def save_contact(
    request: Request, principal: WebUserDep, db: DbDep, contact_id: ContactId
) -> Response:
    """Save the properties form: name, email, phone and owner."""
    form = await posted_form(request, principal)
    changes: dict[str, Any] = {
        "email": field(form, "email") or None,
        "phone": field(form, "phone") or None,
        "ownerId": field(form, "owner_id") or None,
    }
    if field(form, "name"):  # a contact may have no name yet; an empty field keeps it so
        changes["name"] = field(form, "name")
    try:
        async with db.transaction() as uow:
            await contact_service.update_contact(
                uow, contact_id=contact_id, changes=changes, inbox_ids=principal.inbox_ids
            )
    except AppError as exc:
        if exc.status == 404:
            raise
        errors = form_errors(exc, aliases={"ownerId": "owner_id"})
        filters = _filters("", "", None)
        context = await _record(
            db, principal, contact_id=contact_id, filters=filters, errors=errors, posted=changes
        )
        return render(request, "contact.html", context, status_code=exc.status)
    return RedirectResponse(f"/contacts/{contact_id}?saved=1", status_code=303)


def _filters(type_: str, channel: str, before: str | None) -> dict[str, Any]:
    """The timeline's filters from the query: 400 for an unknown type, a bad channel id or a
    cursor this page did not issue."""
    channel_id = None
    if channel:
        if not channel.isdigit() or not 0 < int(channel) <= INT64_MAX:
            raise validation_error("channel must be a channel id", field_name="channel")
        channel_id = int(channel)
    cursor = decode_cursor(before)
    if cursor is not None and not _is_cursor(cursor):
        raise validation_error("Invalid paging cursor", field_name="before")
    return {
        "type": type_,
        "channel": channel_id,
        "before": tuple(cursor) if cursor is not None else None,
    }


def _is_cursor(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], int)
        and isinstance(value[1], str)
        and isinstance(value[2], int)
    )


async def _record(
    db: Database,
    principal: Principal,
    *,
    contact_id: int,
    filters: dict[str, Any],
    errors: FormErrors = NO_ERRORS,
    posted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything contact.html shows; 404 when the user sees no conversation of the contact."""
    context = await frame(db, principal)
    async with db.read() as uow:
        page = await timeline.contact_timeline(
            uow,
            contact_id=contact_id,
            inbox_ids=principal.inbox_ids,
            types=[filters["type"]] if filters["type"] else [],
            channel_ids=[filters["channel"]] if filters["channel"] else [],
            before=filters["before"],
            limit=TIMELINE_PAGE_SIZE,
        )
        contact = await contact_service.get_visible_contact(
            uow, contact_id=contact_id, inbox_ids=principal.inbox_ids
        )
        identities = await contact_service.contact_identities(uow, contact_id=contact_id)
        channels = await timeline.contact_channels(
            uow, contact_id=contact_id, inbox_ids=principal.inbox_ids
        )
        users = await account_service.list_users(uow)
    return {
        **context,
        "contact": contact,
        "identifiers": [(IDENTIFIER_LABELS.get(t, t), v) for t, v in identities],
        "owner_choices": [u for u in users if u.active or u.id == contact.owner_id],
        "items": page.items,
        "next_cursor": encode_cursor(list(page.next_before)) if page.next_before else None,
        "activity_types": timeline.activity_types(),
        "channels": channels,
        "filters": filters,
        "errors": errors,
        "posted": posted,
    }
