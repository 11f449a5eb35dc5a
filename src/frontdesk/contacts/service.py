"""Contacts found or created from the delivery identifiers of message participants.

Identities follow DESIGN 3: email and phone identities are global (`channel_scope` 0), a
CHANNEL_SPECIFIC_OPAQUE_ID belongs to its channel (`channel_scope` = the channel id), so two
channels' opaque ids never meet. The unique (type, value, channel_scope) key makes creation
race-safe: concurrent first messages of one sender end with one contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from frontdesk.accounts import service as account_service
from frontdesk.contacts.events import ContactUpdated
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.contacts.schemas import MAX_NAME_CHARS as MAX_NAME_CHARS  # re-exported
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork, insert_or_ignore
from frontdesk.core.errors import NotFound, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.models import INT64_MAX, now_ms

GLOBAL_SCOPE = 0
OPAQUE_ID = "CHANNEL_SPECIFIC_OPAQUE_ID"
MAX_EMAIL_CHARS = 320  # the width of contacts.email

_IDENTITY_KEY = ("type", "value", "channel_scope")
_FIND_BY_IDENTITY = (
    select(ContactIdentity.contact_id.label("id"), Contact.name)
    .join(Contact, Contact.id == ContactIdentity.contact_id)
    .where(
        ContactIdentity.type == bindparam("type"),
        ContactIdentity.value == bindparam("value"),
        ContactIdentity.channel_scope == bindparam("scope"),
    )
)
_INSERT_CONTACT = insert(Contact).returning(Contact.id)
_INSERT_IDENTITY = {
    dialect: insert_or_ignore(dialect, ContactIdentity, conflict=_IDENTITY_KEY).returning(
        ContactIdentity.id
    )
    for dialect in ("sqlite", "postgresql")
}


@dataclass(frozen=True)
class ContactRef:
    """What the publish path needs of a contact."""

    id: int
    name: str
    created: bool = False


def identity_scope(type_: str, *, channel_id: int) -> int:
    """The `channel_scope` of an identity: its channel for opaque ids, else global."""
    return channel_id if type_ == OPAQUE_ID else GLOBAL_SCOPE


async def find_contact(uow: UnitOfWork, *, type_: str, value: str, scope: int) -> ContactRef | None:
    """The contact owning a (normalised) identity, if any."""
    params = {"type": type_, "value": value, "scope": scope}
    row = (await uow.execute(_FIND_BY_IDENTITY, params)).first()
    return None if row is None else ContactRef(row.id, row.name)


async def get_contact(uow: UnitOfWork, *, contact_id: int, field_name: str) -> ContactRef:
    """An existing contact; 404 naming `field_name` when unknown."""
    row = (
        await uow.execute(select(Contact.id, Contact.name).where(Contact.id == contact_id))
    ).first()
    if row is None:
        raise NotFound("Contact", contact_id, field_name=field_name)
    return ContactRef(row.id, row.name)


async def find_or_create_contact(
    uow: UnitOfWork, *, type_: str, value: str, channel_id: int, name: str | None
) -> ContactRef:
    """The contact of an identity, created with that identity (and `name`) when new."""
    scope = identity_scope(type_, channel_id=channel_id)
    found = await find_contact(uow, type_=type_, value=value, scope=scope)
    if found is not None:
        return found
    return await create_contact(uow, type_=type_, value=value, scope=scope, name=name)


async def create_contact(
    uow: UnitOfWork, *, type_: str, value: str, scope: int, name: str | None
) -> ContactRef:
    """Create a contact owning the identity; if a concurrent transaction created the identity
    first, drop ours and return the winner's contact."""
    now = now_ms()
    display_name = (name or "").strip()[:MAX_NAME_CHARS]
    values: dict[str, Any] = {
        "name": display_name,
        "email": value if type_ == "HS_EMAIL_ADDRESS" and len(value) <= MAX_EMAIL_CHARS else None,
        "phone": value if type_ == "HS_PHONE_NUMBER" else None,
        "properties": {},
        "created_at": now,
        "updated_at": now,
    }
    contact_id: int = await uow.scalar(_INSERT_CONTACT, values)
    if await attach_identity(uow, contact_id=contact_id, type_=type_, value=value, scope=scope):
        return ContactRef(contact_id, display_name, created=True)
    # Lost the race: the identity's insert waited for the winner's commit, so it is visible.
    await uow.execute(delete(Contact).where(Contact.id == contact_id))
    winner = await find_contact(uow, type_=type_, value=value, scope=scope)
    assert winner is not None, "a conflicting identity must be visible once committed"
    return winner


async def attach_identity(
    uow: UnitOfWork, *, contact_id: int, type_: str, value: str, scope: int
) -> bool:
    """Give a contact an identity; False (nothing written) when another contact owns it."""
    params = {"contact_id": contact_id, "type": type_, "value": value, "channel_scope": scope}
    inserted = (await uow.execute(_INSERT_IDENTITY[uow.dialect], params)).first()
    return inserted is not None


async def fill_contact_name(uow: UnitOfWork, *, contact: ContactRef, name: str | None) -> None:
    """Name a contact that has no name yet (a later message may carry the sender's name)."""
    display_name = (name or "").strip()[:MAX_NAME_CHARS]
    if contact.name or not display_name:
        return
    await uow.execute(
        update(Contact)
        .where(Contact.id == contact.id, Contact.name == "")
        .values(name=display_name, updated_at=now_ms())
    )


# --- the contact record: who may see it, and changing its owner or name ------------------------


async def contact_inbox_ids(uow: UnitOfWork, *, contact_id: int) -> list[int]:
    """The inboxes of the contact's threads (archived ones too: they stay readable)."""
    rows = await uow.execute(
        select(Thread.inbox_id).where(Thread.contact_id == contact_id).distinct()
    )
    return sorted(rows.scalars())


async def get_visible_contact(
    uow: UnitOfWork, *, contact_id: int, inbox_ids: frozenset[int] | None
) -> Any:
    """The contact row; 404 unless the caller sees an inbox holding one of its threads
    (`inbox_ids` None: sees every inbox)."""
    row = (await uow.execute(select(Contact).where(Contact.id == contact_id))).first()
    if row is not None and inbox_ids is not None:
        seen = set(await contact_inbox_ids(uow, contact_id=contact_id)) & inbox_ids
        row = row if seen else None
    if row is None:
        raise NotFound("Contact", contact_id)
    return row


async def update_contact(
    uow: UnitOfWork,
    *,
    contact_id: int,
    changes: dict[str, Any],
    inbox_ids: frozenset[int] | None,
) -> Any:
    """Change a contact's `ownerId` (an active user's id, or None) and/or `name`; emits
    `contact.updated` when something changed. Returns the contact row."""
    row = await get_visible_contact(uow, contact_id=contact_id, inbox_ids=inbox_ids)
    values = await _contact_values(uow, changes)
    changed = {key: value for key, value in values.items() if getattr(row, key) != value}
    if not changed:
        return row
    await uow.execute(
        update(Contact).where(Contact.id == contact_id).values(**changed, updated_at=now_ms())
    )
    await _emit_contact_updated(uow, contact_id=contact_id, changed=changed)
    return (await uow.execute(select(Contact).where(Contact.id == contact_id))).one()


async def _contact_values(uow: UnitOfWork, changes: dict[str, Any]) -> dict[str, Any]:
    """Column values of a change; 400 for an unknown or inactive owner or an empty name."""
    if not changes:
        raise validation_error("Send ownerId and/or name")
    values: dict[str, Any] = {}
    if "ownerId" in changes:
        values["owner_id"] = await _owner_id(uow, changes["ownerId"])
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise validation_error("name cannot be empty", field_name="name")
        values["name"] = name
    return values


async def _owner_id(uow: UnitOfWork, value: str | None) -> int | None:
    if value is None:
        return None
    message = f"ownerId {value!r} is not an active user"
    if not value.isascii() or not value.isdigit() or int(value) > INT64_MAX:
        raise validation_error(message, field_name="ownerId")
    try:
        user = await account_service.get_user(uow, user_id=int(value))
    except NotFound:
        raise validation_error(message, field_name="ownerId") from None
    if not user.active:
        raise validation_error(message, field_name="ownerId")
    return int(user.id)


async def _emit_contact_updated(
    uow: UnitOfWork, *, contact_id: int, changed: dict[str, Any]
) -> None:
    """One event per inbox holding a thread of the contact (an Audience names one inbox);
    admins alone hear of a contact without threads."""
    payload = {
        "ownerId" if key == "owner_id" else key: None if value is None else str(value)
        for key, value in changed.items()
    }
    inboxes = await contact_inbox_ids(uow, contact_id=contact_id)
    audiences = [Audience(inbox_id=i) for i in inboxes] or [Audience(admins=True)]
    for audience in audiences:
        uow.emit(ContactUpdated(contact_id=contact_id, changes=payload, audience=audience))
