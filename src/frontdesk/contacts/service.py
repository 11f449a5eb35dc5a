"""Contacts found or created from the delivery identifiers of message participants.

Identities follow DESIGN 3: email and phone identities are global (`channel_scope` 0), a
CHANNEL_SPECIFIC_OPAQUE_ID belongs to its channel (`channel_scope` = the channel id), so two
channels' opaque ids never meet. The unique (type, value, channel_scope) key makes creation
race-safe: concurrent first messages of one sender end with one contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from frontdesk.accounts import service as account_service
from frontdesk.contacts.events import ContactUpdated
from frontdesk.contacts.identifiers import normalise_email, normalise_phone
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.contacts.schemas import MAX_NAME_CHARS as MAX_NAME_CHARS  # re-exported
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork, insert_or_ignore
from frontdesk.core.errors import Conflict, NotFound, validation_error
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


async def contact_identities(uow: UnitOfWork, *, contact_id: int) -> list[tuple[str, str]]:
    """(type, value) of the identities that find the contact, oldest first."""
    rows = await uow.execute(
        select(ContactIdentity.type, ContactIdentity.value)
        .where(ContactIdentity.contact_id == contact_id)
        .order_by(ContactIdentity.id)
    )
    return [(row.type, row.value) for row in rows]


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
    """Change a contact's `ownerId` (an active user's id, or None), `name`, `email` or `phone`
    (null clears them); emits `contact.updated` when something changed. Returns the row."""
    row = await get_visible_contact(uow, contact_id=contact_id, inbox_ids=inbox_ids)
    values = await _contact_values(uow, changes)
    return await apply_contact_values(uow, row=row, values=values)


async def apply_contact_values(uow: UnitOfWork, *, row: Any, values: dict[str, Any]) -> Any:
    """Write the column `values` that differ from `row` (a new email or phone also becomes an
    identity of the contact: 409 when another contact answers to that email) and emit
    `contact.updated`. Returns the fresh row."""
    changed = {key: value for key, value in values.items() if getattr(row, key) != value}
    if not changed:
        return row
    await claim_identities(
        uow, contact_id=row.id, email=changed.get("email"), phone=changed.get("phone")
    )
    await uow.execute(
        update(Contact).where(Contact.id == row.id).values(**changed, updated_at=now_ms())
    )
    await _emit_contact_updated(uow, contact_id=row.id, changed=changed)
    return (await uow.execute(select(Contact).where(Contact.id == row.id))).one()


async def claim_identities(
    uow: UnitOfWork, *, contact_id: int, email: str | None, phone: str | None
) -> None:
    """Make a (normalised) email and phone global identities of the contact, so messages from
    them find it. An email owned by another contact is a 409 naming it (HubSpot keeps emails
    unique); a phone owned by another contact stays theirs (phones need not be unique)."""
    if email:
        owner = await find_contact(uow, type_="HS_EMAIL_ADDRESS", value=email, scope=GLOBAL_SCOPE)
        if owner is not None and owner.id != contact_id:
            raise email_conflict(owner.id)
        if owner is None and not await attach_identity(
            uow, contact_id=contact_id, type_="HS_EMAIL_ADDRESS", value=email, scope=GLOBAL_SCOPE
        ):
            winner = await find_contact(
                uow, type_="HS_EMAIL_ADDRESS", value=email, scope=GLOBAL_SCOPE
            )
            raise email_conflict(winner.id if winner else 0)
    if phone:
        await attach_identity(
            uow, contact_id=contact_id, type_="HS_PHONE_NUMBER", value=phone, scope=GLOBAL_SCOPE
        )


def email_conflict(existing_id: int) -> Conflict:
    """HubSpot's answer to a second contact with one email, naming the first."""
    return Conflict(f"Contact already exists. Existing ID: {existing_id}", field_name="email")


async def _contact_values(uow: UnitOfWork, changes: dict[str, Any]) -> dict[str, Any]:
    """Column values of a change; 400 for an unknown or inactive owner, an empty name, or an
    email or phone that is not one."""
    if not changes:
        raise validation_error("Send ownerId, name, email and/or phone")
    values: dict[str, Any] = {}
    if "ownerId" in changes:
        values["owner_id"] = await owner_id_of(uow, changes["ownerId"])
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise validation_error("name cannot be empty", field_name="name")
        values["name"] = name
    if "email" in changes:
        values["email"] = contact_email(changes["email"], field_name="email")
    if "phone" in changes:
        values["phone"] = contact_phone(changes["phone"], field_name="phone")
    return values


def contact_email(value: str | None, *, field_name: str) -> str | None:
    """The stored form of an email property (None clears it); 400 when it is not one."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_EMAIL_CHARS:
        raise validation_error(
            f"email must be at most {MAX_EMAIL_CHARS} characters", field_name=field_name
        )
    return normalise_email(value, field_name=field_name)


def contact_phone(value: str | None, *, field_name: str) -> str | None:
    """A phone property in E.164 (None clears it); 400 when it is not a phone number."""
    if value is None or not value.strip():
        return None
    return normalise_phone(value, field_name=field_name)


async def owner_id_of(
    uow: UnitOfWork, value: str | None, *, field_name: str = "ownerId"
) -> int | None:
    """The user id of an owner given as a string; 400 unless it names an active user."""
    if value is None:
        return None
    message = f"{field_name} {value!r} is not an active user"
    if not value.isascii() or not value.isdigit() or int(value) > INT64_MAX:
        raise validation_error(message, field_name=field_name)
    try:
        user = await account_service.get_user(uow, user_id=int(value))
    except NotFound:
        raise validation_error(message, field_name=field_name) from None
    if not user.active:
        raise validation_error(message, field_name=field_name)
    return int(user.id)


async def _emit_contact_updated(
    uow: UnitOfWork, *, contact_id: int, changed: dict[str, Any]
) -> None:
    """One event per inbox holding a thread of the contact (an Audience names one inbox);
    admins alone hear of a contact without threads."""
    payload = {
        "ownerId" if key == "owner_id" else key: None if value is None else str(value)
        for key, value in changed.items()
        if key != "properties"  # the name parts: `name` says what readers need
    }
    inboxes = await contact_inbox_ids(uow, contact_id=contact_id)
    audiences = [Audience(inbox_id=i) for i in inboxes] or [Audience(admins=True)]
    for audience in audiences:
        uow.emit(ContactUpdated(contact_id=contact_id, changes=payload, audience=audience))


# --- the contacts list -------------------------------------------------------------------------


def text_match(query: str) -> ColumnElement[bool]:
    """Contacts whose name, email or phone contains `query` (any case; `%` and `_` are
    literal). A phone is also matched by its digits, so "555 123" finds +1555123...."""
    needle = query.strip().lower()
    conditions = [
        func.lower(Contact.name).contains(needle, autoescape=True),
        Contact.email.contains(needle, autoescape=True),
    ]
    digits = "".join(ch for ch in needle if ch.isdigit())
    if digits:
        conditions.append(Contact.phone.contains(digits, autoescape=True))
    return or_(*conditions)


def visible_to(inbox_ids: frozenset[int] | None) -> ColumnElement[bool]:
    """Contacts with a thread in one of `inbox_ids` (None: every contact)."""
    if inbox_ids is None:
        return true()
    return exists().where(Thread.contact_id == Contact.id, Thread.inbox_id.in_(inbox_ids))


async def list_visible_contacts(
    uow: UnitOfWork,
    *,
    inbox_ids: frozenset[int] | None,
    query: str | None,
    limit: int,
    before: int | None = None,
) -> tuple[list[Any], int | None]:
    """The contacts the caller sees, newest first, optionally matching `query`; and the id to
    continue before (None: the last page)."""
    statement = select(Contact).where(visible_to(inbox_ids)).order_by(Contact.id.desc())
    if query and query.strip():
        statement = statement.where(text_match(query))
    if before is not None:
        statement = statement.where(Contact.id < before)
    rows = list((await uow.execute(statement.limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
