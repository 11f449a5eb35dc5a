"""Agents reply and comment on a thread (reference 7.5 "Send", DESIGN 5).

A MESSAGE is checked against the channel's capabilities (what agents may send), then stored
PENDING with its delivery job in the same transaction; a COMMENT is an internal note and never
leaves Frontdesk. The checks live beside this module: request bodies in `send_schemas`,
recipients in `send_recipients`, files in `send_attachments`, rich text in `formatting`.
Choices where the reference is UNCONFIRMED (and those documented in those modules):

* Replying to a CLOSED thread leaves it CLOSED (the agent reopens it explicitly); an archived
  thread takes neither replies nor comments.
* A comment does not move the thread's latest-message timestamps (it is not a message in
  either direction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from frontdesk.accounts import service as account_service
from frontdesk.accounts.models import User
from frontdesk.apps.models import App
from frontdesk.channels import service as channel_service
from frontdesk.channels.capabilities import Capabilities, effective_capabilities
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.conversations import inbox_views
from frontdesk.conversations.access import get_visible_thread
from frontdesk.conversations.models import Thread
from frontdesk.conversations.previews import last_message_values, message_preview
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, ErrorDetail, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.jobs import enqueue
from frontdesk.core.models import now_ms
from frontdesk.helpdesk import service as helpdesk_service
from frontdesk.messages.events import MessageCreated
from frontdesk.messages.formatting import comment_rich_text, outgoing_rich_text
from frontdesk.messages.mentions import check_mentions
from frontdesk.messages.models import Message, MessageFile
from frontdesk.messages.send_attachments import build_attachments
from frontdesk.messages.send_recipients import resolve_recipients
from frontdesk.messages.send_schemas import Caller, CommentEgg, MessageEgg

OUTGOING_JOB_KIND = "channel.outgoing_message"
PREVIEW_CHARS = 200

_AGENT_ACTOR = re.compile(r"^A-([0-9]{1,18})$")


async def send_to_thread(
    uow: UnitOfWork,
    *,
    thread_id: int,
    egg: MessageEgg | CommentEgg,
    caller: Caller,
    max_attachments: int,
) -> Any:
    """Send a reply (stored PENDING with its delivery job) or add a comment; the new row."""
    thread = await get_visible_thread(
        uow, thread_id=thread_id, inbox_ids=caller.inbox_ids, archived=None
    )
    if thread.archived:
        raise validation_error(
            "This thread is archived: restore it before replying", field_name="threadId"
        )
    if isinstance(egg, CommentEgg):
        row = await _add_comment(
            uow, thread=thread, egg=egg, caller=caller, max_attachments=max_attachments
        )
    else:
        row = await _send_reply(
            uow, thread=thread, egg=egg, caller=caller, max_attachments=max_attachments
        )
    if caller.user_id is not None:
        # What you just wrote is read: your own reply must not mark the thread unread for you.
        await inbox_views.mark_read(
            uow, user_id=caller.user_id, thread_id=thread.id, message_id=row.id
        )
    return row


# --- replies ---------------------------------------------------------------------------------


async def _send_reply(
    uow: UnitOfWork, *, thread: Any, egg: MessageEgg, caller: Caller, max_attachments: int
) -> Any:
    sender = await check_sender(
        uow, sender_actor_id=egg.senderActorId, caller=caller, thread=thread
    )
    channel, account = await _check_channel(uow, egg=egg, thread=thread)
    caps = effective_capabilities(channel.capabilities)
    if not caps.allowOutgoingMessages:
        raise validation_error(
            f"Replies cannot be sent over {channel.name}: the channel only receives messages",
            field_name="channelId",
        )
    rich_text = outgoing_rich_text(egg.richText, caps)
    recipients = await resolve_recipients(uow, eggs=egg.recipients, thread=thread, caps=caps)
    content = await _content(
        uow, egg=egg, rich_text=rich_text, caller=caller, caps=caps, max_count=max_attachments
    )
    row = await _insert(
        uow,
        thread=thread,
        author={"actorId": egg.senderActorId, "name": sender.name},
        content=content,
        type="MESSAGE",
        direction="OUTGOING",
        status="PENDING",
        channel_id=channel.id,
        channel_account_id=account.id,
        recipients=recipients,
        subject=egg.subject,
    )
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(
            latest_message_at=row.created_at,
            latest_sent_at=row.created_at,
            **_last_message(row),
        )
    )
    # A help-desk ticket now waits on the contact; the first reply is its first response.
    await helpdesk_service.apply_ticket_rule(
        uow, thread_id=thread.id, happened="outgoing", at=row.created_at
    )
    await _enqueue_delivery(uow, row=row, thread=thread, channel_id=channel.id)
    emit_created(uow, row=row, thread=thread)
    return row


async def check_sender(
    uow: UnitOfWork, *, sender_actor_id: str, caller: Caller, thread: Any
) -> Any:
    """The user row of the agent the reply is sent as."""
    match = _AGENT_ACTOR.match(sender_actor_id)
    if match is None:
        raise validation_error(
            "senderActorId must be an agent's actor id (A-<userId>)", field_name="senderActorId"
        )
    if caller.user_id is not None and sender_actor_id != f"A-{caller.user_id}":
        message = f"A personal token sends only as its own user (A-{caller.user_id})"
        raise AppError(
            message,
            category="FORBIDDEN",
            status=403,
            errors=[ErrorDetail(message, in_="senderActorId")],
        )
    user_id = int(match.group(1))
    user = (
        await uow.execute(
            select(User.id, User.name, User.role, User.active).where(User.id == user_id)
        )
    ).first()
    if user is None or not user.active:
        raise validation_error(f"No active agent {sender_actor_id}", field_name="senderActorId")
    if user.role != "admin" and thread.inbox_id not in await account_service.visible_inbox_ids(
        uow, user_id=user_id
    ):
        raise validation_error(
            f"Agent {sender_actor_id} is not a member of this thread's inbox",
            field_name="senderActorId",
        )
    return user


def _account_problem(account: Any) -> str | None:
    if account.archived:
        return "archived"
    if not account.active:
        return "deactivated"
    if not account.authorized:
        return "not authorized (reconnect it)"
    return None


async def _check_channel(uow: UnitOfWork, *, egg: MessageEgg, thread: Any) -> tuple[Any, Any]:
    """The thread's channel and account, which must be the ones named and able to send."""
    if egg.channelId != str(thread.channel_id):
        raise validation_error(
            f"channelId must be this thread's channel ({thread.channel_id})", field_name="channelId"
        )
    if egg.channelAccountId != str(thread.channel_account_id):
        raise validation_error(
            f"channelAccountId must be this thread's channel account ({thread.channel_account_id})",
            field_name="channelAccountId",
        )
    channel = (await uow.execute(select(Channel).where(Channel.id == thread.channel_id))).one()
    account = (
        await uow.execute(
            select(ChannelAccount).where(ChannelAccount.id == thread.channel_account_id)
        )
    ).one()
    if channel.archived:
        raise validation_error("This channel has been archived", field_name="channelId")
    problem = _account_problem(account)
    if problem is not None:
        raise validation_error(
            f"The channel account {account.name!r} is {problem}: replies cannot be sent over it",
            field_name="channelAccountId",
        )
    return channel, account


async def _enqueue_delivery(uow: UnitOfWork, *, row: Any, thread: Any, channel_id: int) -> None:
    await enqueue(
        uow,
        kind=OUTGOING_JOB_KIND,
        payload={
            "messageId": str(row.id),
            "threadId": str(thread.id),
            "channelId": str(channel_id),
        },
        ordering_key=f"thread:{thread.id}",
        target=channel_service.webhook_target(channel_id),
        message_id=row.id,
        channel_id=channel_id,
    )


# --- comments --------------------------------------------------------------------------------


async def _add_comment(
    uow: UnitOfWork, *, thread: Any, egg: CommentEgg, caller: Caller, max_attachments: int
) -> Any:
    author = await _comment_author(uow, caller)
    content = await _content(
        uow,
        egg=egg,
        rich_text=comment_rich_text(egg.richText),
        caller=caller,
        caps=None,
        max_count=max_attachments,
    )
    mentions = await check_mentions(uow, user_ids=egg.mentions, inbox_id=thread.inbox_id)
    row = await _insert(
        uow,
        thread=thread,
        author=author,
        content=content,
        type="COMMENT",
        recipients=[],
        extra={"mentions": mentions} if mentions else {},
    )
    # A comment is the thread's last message for the inbox list (preview, unread), though it
    # moves none of the latest-message timestamps.
    await uow.execute(update(Thread).where(Thread.id == thread.id).values(**_last_message(row)))
    emit_created(uow, row=row, thread=thread)
    return row


async def _comment_author(uow: UnitOfWork, caller: Caller) -> dict[str, Any]:
    if caller.user_id is not None:
        name = await uow.scalar(select(User.name).where(User.id == caller.user_id))
        return {"actorId": f"A-{caller.user_id}", "name": name}
    name = await uow.scalar(select(App.name).where(App.id == caller.app_id))
    return {"actorId": f"I-{caller.app_id}", "name": name}


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Content:
    """What a reply or comment says: text, sanitised HTML, attachments and their files."""

    text: str
    rich_text: str | None
    attachments: list[dict[str, Any]]
    file_ids: list[int]


async def _content(
    uow: UnitOfWork,
    *,
    egg: MessageEgg | CommentEgg,
    rich_text: str | None,
    caller: Caller,
    caps: Capabilities | None,
    max_count: int,
) -> _Content:
    attachments, file_ids = await build_attachments(
        uow, eggs=egg.attachments, caller=caller, caps=caps, max_count=max_count
    )
    if not egg.text.strip() and not attachments:
        raise validation_error("text must not be empty", field_name="text")
    return _Content(egg.text, rich_text, attachments, file_ids)


async def _insert(
    uow: UnitOfWork, *, thread: Any, author: dict[str, Any], content: _Content, **columns: Any
) -> Any:
    """Store the message with its file links; `columns` are its type's own."""
    now = now_ms()
    columns.setdefault("extra", {})
    row = (
        await uow.execute(
            insert(Message)
            .values(
                **columns,
                thread_id=thread.id,
                senders=[author],
                created_by=author["actorId"],
                text=content.text,
                rich_text=content.rich_text,
                attachments=content.attachments,
                has_attachments=bool(content.attachments),
                client_type="HUBSPOT",
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(*Message.__table__.columns)
        )
    ).one()
    for file_id in dict.fromkeys(content.file_ids):
        await uow.execute(insert(MessageFile).values(message_id=row.id, file_id=file_id))
    return row


def _last_message(row: Any) -> dict[str, Any]:
    preview = message_preview(text=row.text, attachments=row.attachments)
    return last_message_values(row.id, preview)


def emit_created(uow: UnitOfWork, *, row: Any, thread: Any) -> None:
    uow.emit(
        MessageCreated(
            thread_id=thread.id,
            message_id=row.id,
            inbox_id=thread.inbox_id,
            type=row.type,
            direction=row.direction,
            preview=row.text[:PREVIEW_CHARS],
            assignee_id=thread.assignee_id,
            audience=Audience(inbox_id=thread.inbox_id),
        )
    )
