"""Reply by email and log a call in a thread (issue 7): both stored as the thread's messages
in one transaction with what must happen next (the email's job; the `message.created` event).

Choices (the reference says nothing of either):

* The email goes to one of the contact's addresses (their email property or an
  `HS_EMAIL_ADDRESS` identity); anything else is a 400, so an agent cannot mail a stranger
  from a conversation. Without a configured SMTP server it is a 409: nothing is stored.
* The email's status follows its `email.send` job (`email/tasks.py`): SENT when the server
  accepted it, FAILED with the reason when the job dies. It never reaches the channel's bridge.
* A call moves none of the thread's latest-message timestamps (it is neither incoming nor a
  reply) but is the thread's last message for the inbox list, as a comment is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations import inbox_views
from frontdesk.conversations.access import get_visible_thread
from frontdesk.conversations.models import Thread
from frontdesk.conversations.previews import last_message_values, message_preview
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import Conflict, validation_error
from frontdesk.core.humanize import clock_duration
from frontdesk.core.models import now_ms
from frontdesk.email import service as email_service
from frontdesk.email.smtp import NOT_CONFIGURED
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.messages import sending
from frontdesk.messages.models import EMAIL_CHANNEL_ID, Message
from frontdesk.messages.sanitize import sanitize_rich_text
from frontdesk.messages.send_schemas import Caller
from frontdesk.outreach.plain_text import html_to_text
from frontdesk.outreach.schemas import CALL_OUTCOMES, CallEgg, EmailEgg

EMAIL_IDENTITY = "HS_EMAIL_ADDRESS"


async def send_email(
    uow: UnitOfWork, *, thread_id: int, egg: EmailEgg, caller: Caller, smtp_configured: bool
) -> Any:
    """Store an email reply (PENDING) in the thread and queue it for the SMTP server."""
    thread = await _open_thread(uow, thread_id=thread_id, caller=caller)
    author = await _author(uow, egg.senderActorId, caller=caller, thread=thread)
    if not smtp_configured:
        raise Conflict(f"Email is not configured: {NOT_CONFIGURED}", field_name="to")
    to = await _recipient_address(uow, contact_id=thread.contact_id, wanted=egg.to)
    subject = " ".join(egg.subject.split())
    if not subject:
        raise validation_error("subject must not be empty", field_name="subject")
    rich_text = sanitize_rich_text(egg.richText) if egg.richText and egg.richText.strip() else None
    text = egg.text if egg.text and egg.text.strip() else html_to_text(rich_text or "")
    if not text.strip():
        raise validation_error("text must not be empty", field_name="text")
    recipient = {
        "actorId": f"V-{thread.contact_id}",
        "deliveryIdentifier": {"type": EMAIL_IDENTITY, "value": to},
        "recipientField": "TO",
    }
    row = await _insert(
        uow,
        thread=thread,
        author=author,
        type="MESSAGE",
        direction="OUTGOING",
        status="PENDING",
        channel_id=EMAIL_CHANNEL_ID,
        recipients=[recipient],
        subject=subject,
        text=text,
        rich_text=rich_text,
        extra={},
    )
    await _record_last(uow, row=row, thread=thread, preview=text, sent=True)
    # An email is an answer to a help-desk ticket like any reply (first response included).
    await helpdesk_service.apply_ticket_rule(
        uow, thread_id=thread.id, happened="outgoing", at=row.created_at
    )
    await email_service.enqueue_email(
        uow, to=to, subject=subject, text=text, html=rich_text, message_id=row.id
    )
    await _finish(uow, row=row, thread=thread, caller=caller)
    return row


async def log_call(uow: UnitOfWork, *, thread_id: int, egg: CallEgg, caller: Caller) -> Any:
    """Store a call with the contact (outcome, duration, notes) as a CALL message."""
    thread = await _open_thread(uow, thread_id=thread_id, caller=caller)
    author = await _author(uow, egg.senderActorId, caller=caller, thread=thread)
    row = await _insert(
        uow,
        thread=thread,
        author=author,
        type="CALL",
        direction=None,
        status=None,
        channel_id=None,
        recipients=[],
        subject=None,
        text=egg.notes.strip(),
        rich_text=None,
        extra={"outcome": egg.outcome, "durationSeconds": egg.durationSeconds},
    )
    await _record_last(uow, row=row, thread=thread, preview=call_summary(row.extra), sent=False)
    await _finish(uow, row=row, thread=thread, caller=caller)
    return row


def call_summary(extra: dict[str, Any]) -> str:
    """ "Call: No answer" or "Call: Connected, 12:05"."""
    outcome = CALL_OUTCOMES.get(str(extra.get("outcome")), "Logged")
    seconds = int(extra.get("durationSeconds") or 0)
    return f"Call: {outcome}" + (f", {clock_duration(seconds)}" if seconds else "")


async def email_addresses(uow: UnitOfWork, *, contact_id: int) -> list[str]:
    """The contact's email addresses: the email property first, then their email identities."""
    email = await uow.scalar(select(Contact.email).where(Contact.id == contact_id))
    identities = (
        await uow.execute(
            select(ContactIdentity.value)
            .where(ContactIdentity.contact_id == contact_id, ContactIdentity.type == EMAIL_IDENTITY)
            .order_by(ContactIdentity.id)
        )
    ).scalars()
    return unique_addresses([email, *identities])


def unique_addresses(candidates: list[str | None]) -> list[str]:
    """Addresses in order, each once (compared without case), blanks dropped."""
    seen: dict[str, str] = {}
    for address in candidates:
        if address and address.strip() and address.strip().lower() not in seen:
            seen[address.strip().lower()] = address.strip()
    return list(seen.values())


# --- steps -----------------------------------------------------------------------------------


async def _open_thread(uow: UnitOfWork, *, thread_id: int, caller: Caller) -> Any:
    thread = await get_visible_thread(
        uow, thread_id=thread_id, inbox_ids=caller.inbox_ids, archived=None
    )
    if thread.archived:
        raise validation_error(
            "This thread is archived: restore it before replying", field_name="threadId"
        )
    return thread


async def _author(
    uow: UnitOfWork, sender_actor_id: str | None, *, caller: Caller, thread: Any
) -> dict[str, Any]:
    """The agent who writes: the caller's user, or the agent an app names."""
    actor = sender_actor_id or (f"A-{caller.user_id}" if caller.user_id is not None else None)
    if actor is None:
        raise validation_error(
            "senderActorId (A-<userId>) is required with an app's token",
            field_name="senderActorId",
        )
    user = await sending.check_sender(uow, sender_actor_id=actor, caller=caller, thread=thread)
    return {"actorId": actor, "name": user.name}


async def _recipient_address(uow: UnitOfWork, *, contact_id: int, wanted: str) -> str:
    addresses = await email_addresses(uow, contact_id=contact_id)
    if not addresses:
        raise validation_error("This contact has no email address", field_name="to")
    for address in addresses:
        if address.lower() == wanted.strip().lower():
            return address
    raise validation_error(
        f"{wanted!r} is not an email address of this contact: use one of " + ", ".join(addresses),
        field_name="to",
    )


async def _insert(uow: UnitOfWork, *, thread: Any, author: dict[str, Any], **columns: Any) -> Any:
    now = now_ms()
    return (
        await uow.execute(
            insert(Message)
            .values(
                **columns,
                thread_id=thread.id,
                channel_account_id=None,
                senders=[author],
                created_by=author["actorId"],
                attachments=[],
                has_attachments=False,
                client_type="HUBSPOT",
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(*Message.__table__.columns)
        )
    ).one()


async def _record_last(uow: UnitOfWork, *, row: Any, thread: Any, preview: str, sent: bool) -> None:
    values = last_message_values(row.id, message_preview(text=preview))
    if sent:
        values.update(latest_message_at=row.created_at, latest_sent_at=row.created_at)
    await uow.execute(update(Thread).where(Thread.id == thread.id).values(**values))


async def _finish(uow: UnitOfWork, *, row: Any, thread: Any, caller: Caller) -> None:
    sending.emit_created(uow, row=row, thread=thread)
    if caller.user_id is not None:
        # What you just wrote is read: it must not mark the thread unread for you.
        await inbox_views.mark_read(
            uow, user_id=caller.user_id, thread_id=thread.id, message_id=row.id
        )


# --- the composer's channel picker ---------------------------------------------------------


@dataclass(frozen=True)
class SwitchOption:
    """One entry of the composer's channel picker."""

    key: str  # thread | email | call
    label: str
    disabled_reason: str | None = None


@dataclass(frozen=True)
class ChannelSwitch:
    """What the picker above the composer offers for one thread."""

    options: tuple[SwitchOption, ...]
    addresses: tuple[str, ...]
    default_subject: str
    outcomes: tuple[tuple[str, str], ...] = tuple(CALL_OUTCOMES.items())


async def channel_switch(
    uow: UnitOfWork,
    *,
    thread_id: int,
    contact_id: int,
    channel_name: str,
    workspace_name: str,
    smtp_configured: bool,
) -> ChannelSwitch:
    """The channels that can reach the thread's contact: the thread's own, email when the
    contact has an address (disabled, with the reason, while SMTP is not configured), and a
    call log."""
    addresses = await email_addresses(uow, contact_id=contact_id)
    options = [SwitchOption("thread", channel_name)]
    if addresses:
        reason = None if smtp_configured else "Email is not configured"
        options.append(SwitchOption("email", "Email", reason))
    options.append(SwitchOption("call", "Log a call"))
    subject = await uow.scalar(
        select(Message.subject)
        .where(Message.thread_id == thread_id, Message.subject.is_not(None), Message.subject != "")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return ChannelSwitch(tuple(options), tuple(addresses), default_subject(subject, workspace_name))


def default_subject(thread_subject: str | None, workspace_name: str) -> str:
    """ "Re: <the thread's subject>", else "Your conversation with <workspace>"."""
    if thread_subject:
        return (
            thread_subject if thread_subject.lower().startswith("re:") else f"Re: {thread_subject}"
        )
    return f"Your conversation with {workspace_name}"
