"""Agents reply and comment on a thread (reference 7.5 "Send", DESIGN 5).

A MESSAGE is checked against the channel's capabilities (what agents may send), then stored
PENDING with its delivery job in the same transaction; a COMMENT is an internal note and never
leaves Frontdesk. Choices where the reference is UNCONFIRMED:

* No `recipients` (or `[]`): the reply goes to the thread's contact, addressed as the latest
  incoming message on the thread named them (else by an identity of the contact usable on the
  channel).
* A channel whose `richText` capability is empty is plain text: `richText` is dropped and only
  `text` is sent. Otherwise the sanitised HTML must use only the formatting the channel lists.
* Attachment kinds other than FILE (quick replies, social media metadata) are not limited by
  the capabilities, which only describe files.
* Replying to a CLOSED thread leaves it CLOSED (the agent reopens it explicitly); an archived
  thread takes neither replies nor comments.
* A comment does not move the thread's latest-message timestamps (it is not a message in
  either direction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy import insert, or_, select, update

from frontdesk.accounts import service as account_service
from frontdesk.accounts.models import User
from frontdesk.apps.models import App
from frontdesk.channels import service as channel_service
from frontdesk.channels.capabilities import Capabilities, effective_capabilities
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.contacts.identifiers import normalise_identifier
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.contacts.schemas import PublicDeliveryIdentifier
from frontdesk.conversations.access import get_visible_thread
from frontdesk.conversations.models import Thread
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import AppError, ErrorDetail, validation_error
from frontdesk.core.events import Audience
from frontdesk.core.jobs import enqueue
from frontdesk.core.models import now_ms
from frontdesk.files.models import File
from frontdesk.messages.events import MessageCreated
from frontdesk.messages.models import Message, MessageFile
from frontdesk.messages.publish_schemas import (
    QuickRepliesAttachment,
    SocialMediaMetadataAttachment,
)
from frontdesk.messages.sanitize import sanitize_rich_text

OUTGOING_JOB_KIND = "channel.outgoing_message"
PREVIEW_CHARS = 200


def _id_as_string(value: Any) -> Any:
    # IDs are strings in HubSpot's JSON, but clients often send numbers: accept both.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


StrId = Annotated[str, BeforeValidator(_id_as_string)]


class RecipientEgg(BaseModel):
    """`PublicRecipientEgg`: the legacy plural `deliveryIdentifiers` stays required
    (reference 13.7); the singular, when given, wins."""

    deliveryIdentifiers: list[PublicDeliveryIdentifier]
    deliveryIdentifier: PublicDeliveryIdentifier | None = None
    actorId: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=300)
    recipientField: str | None = Field(default=None, max_length=32)


class FileAttachmentEgg(BaseModel):
    type: Literal["FILE"]
    fileId: StrId


AttachmentEgg = Annotated[
    FileAttachmentEgg | QuickRepliesAttachment | SocialMediaMetadataAttachment,
    Field(discriminator="type"),
]


class MessageEgg(BaseModel):
    """A reply delivered over the thread's channel (`PublicConversationsMessageEgg`)."""

    type: Literal["MESSAGE"]
    text: str
    richText: str | None = None
    subject: str | None = Field(default=None, max_length=1000)
    senderActorId: str = Field(max_length=64)
    channelId: StrId
    channelAccountId: StrId
    recipients: list[RecipientEgg] = Field(default_factory=list)
    attachments: list[AttachmentEgg]


class CommentEgg(BaseModel):
    """An internal note only agents see (`PublicCommentEgg`)."""

    type: Literal["COMMENT"]
    text: str
    richText: str | None = None
    attachments: list[AttachmentEgg]


SendEgg = Annotated[MessageEgg | CommentEgg, Field(discriminator="type")]


@dataclass(frozen=True)
class Caller:
    """Who sends: a user (personal token) or an app, and the inboxes it sees (None: all)."""

    inbox_ids: frozenset[int] | None
    user_id: int | None = None
    app_id: int | None = None


# --- rich text -------------------------------------------------------------------------------

INLINE_IMAGES = "INLINE_IMAGES"  # governed by allowInlineImages, not by the richText list
_TAG_FORMATS = {
    tag: option
    for option, tags in {
        "HYPERLINK": ("a",),
        "BOLD": ("b", "strong"),
        "ITALIC": ("i", "em"),
        "UNDERLINE": ("u", "ins"),
        "BLOCKQUOTE": ("blockquote",),
        "LISTS": ("ul", "ol", "li", "dl"),
        "TEXT_ALIGNMENT": ("center",),
        "TEXT_HIGHLIGHT_COLOR": ("mark",),
        "FONT_SIZE": ("h1", "h2", "h3", "h4", "h5", "h6", "big", "small"),
        "FONT_STYLE": ("font", "code", "pre", "tt", "s", "strike", "del", "sub", "sup"),
        INLINE_IMAGES: ("img",),
    }.items()
    for tag in tags
}
_STYLE_FORMATS = {
    "text-align": "TEXT_ALIGNMENT",
    "color": "TEXT_COLOR",
    "background-color": "TEXT_HIGHLIGHT_COLOR",
    "background": "TEXT_HIGHLIGHT_COLOR",
    "font-size": "FONT_SIZE",
    "font-family": "FONT_STYLE",
    "font-weight": "BOLD",
    "font-style": "ITALIC",
    "text-decoration": "UNDERLINE",
}
_FORMAT_NAMES = {
    "BLOCKQUOTE": "quotes",
    "BOLD": "bold text",
    "FONT_SIZE": "font sizes or headings",
    "FONT_STYLE": "font styles",
    "HYPERLINK": "links",
    "ITALIC": "italic text",
    "LISTS": "lists",
    "TEXT_ALIGNMENT": "text alignment",
    "TEXT_HIGHLIGHT_COLOR": "highlighted text",
    "TEXT_COLOR": "coloured text",
    "UNDERLINE": "underlined text",
    INLINE_IMAGES: "inline images",
}


class _FormattingScanner(HTMLParser):
    """Collects the formatting options an HTML fragment uses (tags and inline styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.used: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _TAG_FORMATS:
            self.used.add(_TAG_FORMATS[tag])
        for name, value in attrs:
            if name == "align":
                self.used.add("TEXT_ALIGNMENT")
            elif name == "style" and value:
                for declaration in value.split(";"):
                    prop = declaration.partition(":")[0].strip().lower()
                    if prop in _STYLE_FORMATS:
                        self.used.add(_STYLE_FORMATS[prop])


def formatting_used(html: str) -> set[str]:
    """The capability names (`richText` values, or INLINE_IMAGES) an HTML fragment needs."""
    scanner = _FormattingScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.used


def outgoing_rich_text(raw: str | None, caps: Capabilities) -> str | None:
    """The sanitised HTML to send, None for a plain-text channel; 400 on formatting the
    channel cannot deliver (agents then remove it and send again)."""
    if raw is None or not caps.richText:
        return None
    clean = sanitize_rich_text(raw) or ""
    if not clean.strip():
        return None
    allowed = set(caps.richText) | ({INLINE_IMAGES} if caps.allowInlineImages else set())
    refused = sorted(formatting_used(clean) - allowed)
    if refused:
        names = ", ".join(f"{_FORMAT_NAMES[f]} ({f})" for f in refused)
        raise validation_error(
            f"This channel cannot send {names}. Remove that formatting and send again.",
            field_name="richText",
        )
    return clean


def comment_rich_text(raw: str | None) -> str | None:
    """A comment never leaves Frontdesk: any formatting the sanitiser keeps is fine."""
    clean = sanitize_rich_text(raw)
    return clean if clean and clean.strip() else None


# --- sender, channel, recipients ------------------------------------------------------------

_AGENT_ACTOR = re.compile(r"^A-([0-9]{1,18})$")
_ANY_ACTOR = re.compile(r"^[A-Z]-\S{1,60}$")


async def _check_sender(
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


async def _recipients(
    uow: UnitOfWork, *, eggs: list[RecipientEgg], thread: Any, caps: Capabilities
) -> list[dict[str, Any]]:
    if not eggs:
        return [await _default_recipient(uow, thread=thread, caps=caps)]
    if len(eggs) > 1 and not caps.allowMultipleRecipients:
        raise validation_error(
            "This channel delivers a message to one recipient only", field_name="recipients"
        )
    return [_recipient(egg, i, caps) for i, egg in enumerate(eggs)]


# --- attachments -----------------------------------------------------------------------------


def _usage_type(mime_type: str) -> str:
    for prefix, usage in (("image/", "IMAGE"), ("audio/", "AUDIO"), ("video/", "VIDEO")):
        if mime_type.startswith(prefix):
            return usage
    return "OTHER"


async def _usable_file(uow: UnitOfWork, *, file_id: str, caller: Caller, where: str) -> Any:
    """A file the caller uploaded, or one attached to a message on a thread it can see."""
    not_found = validation_error(f"File {file_id} not found", field_name=where)
    if not file_id.isdigit() or len(file_id) > 18:
        raise not_found
    row = (await uow.execute(select(File).where(File.id == int(file_id)))).first()
    if row is None:
        raise not_found
    if (caller.app_id is not None and row.uploaded_by_app_id == caller.app_id) or (
        caller.user_id is not None and row.uploaded_by_user_id == caller.user_id
    ):
        return row
    seen = (
        select(MessageFile.file_id)
        .join(Message, Message.id == MessageFile.message_id)
        .join(Thread, Thread.id == Message.thread_id)
        .where(MessageFile.file_id == row.id)
    )
    if caller.inbox_ids is not None:
        seen = seen.where(Thread.inbox_id.in_(caller.inbox_ids))
    if (await uow.execute(seen.limit(1))).first() is None:
        raise not_found
    return row


def _check_file_caps(caps: Capabilities, *, file: Any, count: int, total: int, index: int) -> None:
    where = f"attachments[{index}]"
    if "FILE" not in caps.outgoingAttachmentTypes:
        raise validation_error("This channel cannot send files", field_name=where)
    if count > caps.maxFileAttachmentCount:
        raise validation_error(
            f"This channel sends at most {caps.maxFileAttachmentCount} file(s) per message",
            field_name=where,
        )
    if file.size > caps.maxFileAttachmentSizeBytes:
        raise validation_error(
            f"{file.name} is {file.size} bytes; this channel sends files up to "
            f"{caps.maxFileAttachmentSizeBytes} bytes",
            field_name=f"{where}.fileId",
        )
    cap_total = caps.maxTotalFileAttachmentSizeBytes
    if cap_total is not None and total > cap_total:
        raise validation_error(
            f"The files add up to {total} bytes; this channel sends up to {cap_total} bytes "
            "per message",
            field_name=f"{where}.fileId",
        )
    if not caps.allows_mime(file.mime_type):
        raise validation_error(
            f"This channel cannot send {file.mime_type} files", field_name=f"{where}.fileId"
        )


async def _attachments(
    uow: UnitOfWork,
    *,
    eggs: list[FileAttachmentEgg | QuickRepliesAttachment | SocialMediaMetadataAttachment],
    caller: Caller,
    caps: Capabilities | None,
    max_count: int,
) -> tuple[list[dict[str, Any]], list[int]]:
    """The stored attachments and the ids of the files among them; `caps` None: a comment."""
    if len(eggs) > max_count:
        raise validation_error(
            f"A message carries at most {max_count} attachments", field_name="attachments"
        )
    stored: list[dict[str, Any]] = []
    file_ids: list[int] = []
    total = 0
    for index, egg in enumerate(eggs):
        if not isinstance(egg, FileAttachmentEgg):
            stored.append(egg.model_dump(exclude_none=True))
            continue
        file = await _usable_file(
            uow, file_id=egg.fileId, caller=caller, where=f"attachments[{index}].fileId"
        )
        total += file.size
        if caps is not None:
            _check_file_caps(caps, file=file, count=len(file_ids) + 1, total=total, index=index)
        file_ids.append(file.id)
        stored.append(
            {
                "type": "FILE",
                "fileId": str(file.id),
                "fileUsageType": _usage_type(file.mime_type),
                "name": file.name,
            }
        )
    return stored, file_ids


# --- writing ---------------------------------------------------------------------------------


async def _insert(uow: UnitOfWork, values: dict[str, Any], file_ids: list[int]) -> Any:
    now = now_ms()
    row = (
        await uow.execute(
            insert(Message)
            .values(
                **values,
                has_attachments=bool(values["attachments"]),
                client_type="HUBSPOT",
                extra={},
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(*Message.__table__.columns)
        )
    ).one()
    for file_id in dict.fromkeys(file_ids):
        await uow.execute(insert(MessageFile).values(message_id=row.id, file_id=file_id))
    return row


def _emit_created(uow: UnitOfWork, *, row: Any, thread: Any) -> None:
    uow.emit(
        MessageCreated(
            thread_id=thread.id,
            message_id=row.id,
            inbox_id=thread.inbox_id,
            type=row.type,
            direction=row.direction,
            preview=row.text[:PREVIEW_CHARS],
            audience=Audience(inbox_id=thread.inbox_id),
        )
    )


def _check_not_empty(text: str, attachments: list[dict[str, Any]]) -> None:
    if not text.strip() and not attachments:
        raise validation_error("text must not be empty", field_name="text")


async def _send_reply(
    uow: UnitOfWork, *, thread: Any, egg: MessageEgg, caller: Caller, max_attachments: int
) -> Any:
    sender = await _check_sender(
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
    recipients = await _recipients(uow, eggs=egg.recipients, thread=thread, caps=caps)
    attachments, file_ids = await _attachments(
        uow, eggs=egg.attachments, caller=caller, caps=caps, max_count=max_attachments
    )
    _check_not_empty(egg.text, attachments)
    row = await _insert(
        uow,
        {
            "thread_id": thread.id,
            "type": "MESSAGE",
            "direction": "OUTGOING",
            "status": "PENDING",
            "channel_id": channel.id,
            "channel_account_id": account.id,
            "senders": [{"actorId": egg.senderActorId, "name": sender.name}],
            "recipients": recipients,
            "text": egg.text,
            "rich_text": rich_text,
            "subject": egg.subject,
            "attachments": attachments,
            "created_by": egg.senderActorId,
        },
        file_ids,
    )
    await uow.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(latest_message_at=row.created_at, latest_sent_at=row.created_at)
    )
    await enqueue(
        uow,
        kind=OUTGOING_JOB_KIND,
        payload={
            "messageId": str(row.id),
            "threadId": str(thread.id),
            "channelId": str(channel.id),
        },
        ordering_key=f"thread:{thread.id}",
        target=channel_service.webhook_target(channel.id),
        message_id=row.id,
        channel_id=channel.id,
    )
    _emit_created(uow, row=row, thread=thread)
    return row


async def _comment_author(uow: UnitOfWork, caller: Caller) -> dict[str, Any]:
    if caller.user_id is not None:
        name = await uow.scalar(select(User.name).where(User.id == caller.user_id))
        return {"actorId": f"A-{caller.user_id}", "name": name}
    name = await uow.scalar(select(App.name).where(App.id == caller.app_id))
    return {"actorId": f"I-{caller.app_id}", "name": name}


async def _add_comment(
    uow: UnitOfWork, *, thread: Any, egg: CommentEgg, caller: Caller, max_attachments: int
) -> Any:
    author = await _comment_author(uow, caller)
    rich_text = comment_rich_text(egg.richText)
    attachments, file_ids = await _attachments(
        uow, eggs=egg.attachments, caller=caller, caps=None, max_count=max_attachments
    )
    _check_not_empty(egg.text, attachments)
    row = await _insert(
        uow,
        {
            "thread_id": thread.id,
            "type": "COMMENT",
            "senders": [author],
            "recipients": [],
            "text": egg.text,
            "rich_text": rich_text,
            "attachments": attachments,
            "created_by": author["actorId"],
        },
        file_ids,
    )
    _emit_created(uow, row=row, thread=thread)
    return row


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
        return await _add_comment(
            uow, thread=thread, egg=egg, caller=caller, max_attachments=max_attachments
        )
    return await _send_reply(
        uow, thread=thread, egg=egg, caller=caller, max_attachments=max_attachments
    )
