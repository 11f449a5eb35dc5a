"""Routing to the contact's owner (DESIGN 7): assign the new conversation to the owner, and
when the owner is offline or away, assign it anyway and email them the message with a link.

Without an owner, or with one who may not take it (deactivated, or not seeing the inbox), the
conversation stays unassigned and its reason says why: it does not wait in the queue, since
nothing but an edit of the contact would change that.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from frontdesk.accounts.models import User
from frontdesk.channels.models import Channel
from frontdesk.contacts.models import Contact
from frontdesk.conversations import queries as conversation_queries
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.email import service as email_service
from frontdesk.messages.models import Message
from frontdesk.routing.candidates import AVAILABLE
from frontdesk.routing.engine import ROUTING, RoutingConfig

NO_OWNER = "Not assigned: the contact has no owner"
OWNER_CANNOT_TAKE = "Not assigned: the contact's owner is deactivated or does not see this inbox"
OWNER = "Contact owner"
NO_TEXT = "(no text: open the conversation to see its attachments)"


async def _details(uow: UnitOfWork, thread_id: int) -> Any:
    return (
        await uow.execute(
            select(
                Thread.id,
                Thread.inbox_id,
                Thread.assignee_id,
                Contact.owner_id,
                Contact.name.label("contact_name"),
                Contact.email.label("contact_email"),
                Contact.phone.label("contact_phone"),
                Channel.name.label("channel_name"),
            )
            .join(Contact, Contact.id == Thread.contact_id)
            .join(Channel, Channel.id == Thread.channel_id)
            .where(Thread.id == thread_id)
        )
    ).first()


async def route_to_owner(uow: UnitOfWork, config: RoutingConfig, *, thread_id: int) -> None:
    """Assign a new conversation to its contact's owner (emailing them if not present)."""
    thread = await _details(uow, thread_id)
    if thread is None or thread.assignee_id is not None:
        return
    if thread.owner_id is None:
        await _note(uow, thread_id, NO_OWNER)
        return
    if (
        await conversation_queries.get_assignable_user(
            uow, user_id=thread.owner_id, inbox_id=thread.inbox_id
        )
        is None
    ):
        await _note(uow, thread_id, OWNER_CANNOT_TAKE)
        return
    owner = (
        await uow.execute(
            select(User.email, User.availability, User.last_seen_at).where(
                User.id == thread.owner_id
            )
        )
    ).one()
    absent = _absence(owner, online_since=config.online_since())
    reason = f"{OWNER} ({absent}, notified by email)" if absent else OWNER
    await conversation_service.set_assignee(
        uow, thread=thread, user_id=thread.owner_id, by=ROUTING, reason=reason
    )
    if absent:
        await _email_owner(uow, config, thread=thread, to=owner.email)


def _absence(owner: Any, *, online_since: int) -> str:
    """Why the owner will not see it in the app ("away", "offline"), or "" if they will."""
    if owner.availability != AVAILABLE:
        return "away"
    if owner.last_seen_at is None or owner.last_seen_at < online_since:
        return "offline"
    return ""


async def _note(uow: UnitOfWork, thread_id: int, reason: str) -> None:
    await uow.execute(update(Thread).where(Thread.id == thread_id).values(assignment_reason=reason))


async def _email_owner(uow: UnitOfWork, config: RoutingConfig, *, thread: Any, to: str) -> None:
    """The first message's text and a link to the conversation."""
    first = await uow.scalar(
        select(Message.text)
        .where(Message.thread_id == thread.id, Message.type == "MESSAGE")
        .order_by(Message.id)
        .limit(1)
    )
    contact = thread.contact_name or thread.contact_email or thread.contact_phone or "A contact"
    link = f"{config.public_url}/inbox/threads/{thread.id}"
    text = (
        f"{contact} wrote on {thread.channel_name}. The conversation is assigned to you as "
        f"the contact's owner.\n\n{first or NO_TEXT}\n\nOpen it: {link}\n"
    )
    await email_service.enqueue_email(
        uow, to=to, subject=f"New conversation from {contact} ({thread.channel_name})", text=text
    )
