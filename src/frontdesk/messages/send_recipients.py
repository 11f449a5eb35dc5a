"""Who a reply is addressed to: the recipients the agent names, else the thread's contact.

With no `recipients` (or `[]`) the reply goes to the thread's contact, addressed as the latest
incoming message on the thread named them, else by an identity of the contact usable on the
channel (UNCONFIRMED in the reference).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_, select

from frontdesk.channels.capabilities import Capabilities
from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.messages.models import Message
from frontdesk.messages.send_schemas import RecipientEgg

_ANY_ACTOR = re.compile(r"^[A-Z]-\S{1,60}$")


async def resolve_recipients(
    uow: UnitOfWork, *, eggs: list[RecipientEgg], thread: Any, caps: Capabilities
) -> list[dict[str, Any]]:
    """The stored recipients of a reply on `thread`, checked against the channel's
    capabilities."""
    if not eggs:
        return [await _default_recipient(uow, thread=thread, caps=caps)]
    if len(eggs) > 1 and not caps.allowMultipleRecipients:
        raise validation_error(
            "This channel delivers a message to one recipient only", field_name="recipients"
        )
    return [_recipient(egg, i, caps) for i, egg in enumerate(eggs)]


def _recipient(egg: RecipientEgg, index: int, caps: Capabilities) -> dict[str, Any]:
    where = f"recipients[{index}]"
    if egg.deliveryIdentifier is not None:
        ident, field = egg.deliveryIdentifier, f"{where}.deliveryIdentifier"
    elif egg.deliveryIdentifiers:
        ident, field = egg.deliveryIdentifiers[0], f"{where}.deliveryIdentifiers[0]"
    else:
        raise validation_error(
            "A recipient needs a delivery identifier", field_name=f"{where}.deliveryIdentifiers"
        )
    value = normalise_identifier(ident.type, ident.value, field_prefix=field)
    if caps.deliveryIdentifierTypes and ident.type not in caps.deliveryIdentifierTypes:
        raise validation_error(
            f"This channel does not deliver to {ident.type} identifiers",
            field_name=f"{field}.type",
        )
    if egg.actorId is not None and not _ANY_ACTOR.match(egg.actorId):
        raise validation_error("Not an actor id", field_name=f"{where}.actorId")
    recipient = {
        "actorId": egg.actorId,
        "name": egg.name,
        "deliveryIdentifier": {"type": ident.type, "value": value},
        "recipientField": egg.recipientField,
    }
    return {k: v for k, v in recipient.items() if v is not None}


async def _default_recipient(uow: UnitOfWork, *, thread: Any, caps: Capabilities) -> dict[str, Any]:
    """The thread's contact, as the channel last named them."""
    latest = (
        await uow.execute(
            select(Message.senders)
            .where(
                Message.thread_id == thread.id,
                Message.type == "MESSAGE",
                Message.direction == "INCOMING",
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
    ).first()
    contact_actor = f"V-{thread.contact_id}"
    for sender in latest.senders if latest is not None else []:
        if isinstance(sender, dict) and sender.get("deliveryIdentifier"):
            found = {
                "actorId": sender.get("actorId") or contact_actor,
                "name": sender.get("name"),
                "deliveryIdentifier": sender["deliveryIdentifier"],
            }
            return {k: v for k, v in found.items() if v}
    return await _recipient_from_identity(uow, thread=thread, caps=caps)


async def _recipient_from_identity(
    uow: UnitOfWork, *, thread: Any, caps: Capabilities
) -> dict[str, Any]:
    rows = (
        await uow.execute(
            select(
                ContactIdentity.type,
                ContactIdentity.value,
                ContactIdentity.channel_scope,
                Contact.name,
            )
            .join(Contact, Contact.id == ContactIdentity.contact_id)
            .where(
                ContactIdentity.contact_id == thread.contact_id,
                or_(
                    ContactIdentity.channel_scope == thread.channel_id,
                    ContactIdentity.channel_scope == 0,
                ),
            )
            .order_by(ContactIdentity.channel_scope.desc(), ContactIdentity.id)
        )
    ).all()
    usable = [
        r
        for r in rows
        if not caps.deliveryIdentifierTypes or r.type in caps.deliveryIdentifierTypes
    ]
    if not usable:
        raise validation_error(
            "The thread's contact has no address on this channel: name a recipient",
            field_name="recipients",
        )
    first = usable[0]
    recipient = {
        "actorId": f"V-{thread.contact_id}",
        "name": first.name,
        "deliveryIdentifier": {"type": first.type, "value": first.value},
    }
    return {k: v for k, v in recipient.items() if v}
