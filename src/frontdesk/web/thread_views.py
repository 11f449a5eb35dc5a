"""What the conversation pane shows, built from rows: messages, attachments, the composer.

Plain data for the templates (`_thread.html`, `_message.html`, `_sidebar.html`,
`_composer.html`); the queries live in `thread_pane.py`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape
from starlette.requests import Request

from frontdesk.channels.capabilities import Capabilities

# Attachment kinds the pane renders differently; anything the browser can't play is a file.
_USAGE_KINDS = {
    "IMAGE": "image",
    "STICKER": "sticker",
    "AUDIO": "audio",
    "VOICE_RECORDING": "voice",
    "VIDEO": "video",
}
_MIME_FAMILY = {"image": "image", "sticker": "image", "audio": "audio", "voice": "audio"}
_EPOCH = date(1970, 1, 1)
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)

# The composer's formatting buttons: capability -> (command, label, allowed tags).
FORMAT_BUTTONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("BOLD", "bold", "Bold", ("b", "strong")),
    ("ITALIC", "italic", "Italic", ("i", "em")),
    ("UNDERLINE", "underline", "Underline", ("u",)),
    ("LISTS", "insertUnorderedList", "Bulleted list", ("ul", "li")),
    ("LISTS", "insertOrderedList", "Numbered list", ("ol", "li")),
    ("BLOCKQUOTE", "blockquote", "Quote", ("blockquote",)),
    ("HYPERLINK", "createLink", "Link", ("a",)),
)
_IDENTITY_LABELS = {
    "HS_EMAIL_ADDRESS": "E-mail",
    "HS_PHONE_NUMBER": "Phone",
    "CHANNEL_SPECIFIC_OPAQUE_ID": "Channel id",
    "HS_SHORT_CODE": "Short code",
}


@dataclass(frozen=True, slots=True)
class AttachmentView:
    kind: str  # image | sticker | audio | voice | video | file | location | other
    name: str = ""
    file_id: str | None = None
    size: int | None = None
    mime: str = ""
    summary: str = ""  # non-file attachments: what they say

    @property
    def url(self) -> str:
        return f"/files/v3/files/{self.file_id}/content"

    @property
    def extension(self) -> str:
        """What the file icon shows: its extension, short and upper case."""
        stem, dot, ext = self.name.rpartition(".")
        return ext[:4].upper() if dot and stem else "FILE"


@dataclass(frozen=True, slots=True)
class EmailCard:
    """An email reply in the thread (issue 7): its subject and address."""

    subject: str
    to: str


@dataclass(frozen=True, slots=True)
class CallCard:
    """A logged call (issue 7): outcome (key and label) and duration ("12:05", or "")."""

    outcome: str
    outcome_label: str
    duration: str


@dataclass(slots=True)
class MessageView:
    id: int
    type: str  # MESSAGE | COMMENT | ASSIGNMENT | THREAD_STATUS_CHANGE | ...
    kind: str  # incoming | outgoing | comment | system
    sender: str
    body: Markup  # sanitised rich text, or the text escaped and linkified
    status: str | None
    failure: str | None
    created_at: int
    iso: str  # the time as ISO 8601 (UTC), for <time datetime>
    hhmm: str  # the time of day shown before scripts format it in the viewer's zone
    day: str  # YYYY-MM-DD in the viewer's time zone
    attachments: tuple[AttachmentView, ...] = ()
    mine: bool = False
    card: EmailCard | CallCard | None = None

    @property
    def initials(self) -> str:
        parts = self.sender.replace("@", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def label(self) -> str:
        what = {"comment": "Internal note", "outgoing": "Reply", "call": "Call logged"}.get(
            self.kind, "Message"
        )
        if isinstance(self.card, EmailCard):
            what = "Email"
        return f"{what} from {self.sender}"

    @property
    def media_only(self) -> bool:
        """Only stickers or images and no text: shown without a bubble."""
        return (
            not self.body
            and bool(self.attachments)
            and all(a.kind in ("sticker", "image") for a in self.attachments)
        )


@dataclass(frozen=True, slots=True)
class DayGroup:
    day: str
    first_at: int
    messages: list[MessageView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FormatButton:
    command: str
    label: str
    capability: str


@dataclass(frozen=True, slots=True)
class ComposerView:
    """The composer's shape: what a reply may carry on this channel, and what a comment may."""

    channel_id: int
    account_id: int
    reply_allowed: bool
    reply_blocked: str | None
    closed_to_all: str | None  # the thread can take nothing (archived)
    rich: bool
    buttons: tuple[FormatButton, ...]
    reply_tags: tuple[str, ...]
    inline_images: bool
    files_allowed: bool
    max_files: int
    max_file_bytes: int
    max_total_bytes: int | None
    mime_types: tuple[str, ...] | None
    comment_max_files: int
    max_upload_bytes: int


@functools.lru_cache(maxsize=4096)
def _day_iso(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).isoformat()


def moment(ms: int, zone: tzinfo) -> tuple[str, str, str]:
    """(ISO 8601 in UTC, HH:MM and YYYY-MM-DD in `zone`) of epoch milliseconds. Integer
    arithmetic: the pane formats hundreds of these per render, and datetime's formatting
    cost more than all its queries together (measured)."""
    seconds = ms // 1000
    days, rest = divmod(seconds, 86_400)
    iso = f"{_day_iso(days)}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"
    if zone is not UTC:
        offset = datetime.fromtimestamp(seconds, zone).utcoffset()
        if offset:
            days, rest = divmod(seconds + int(offset.total_seconds()), 86_400)
    return iso, f"{rest // 3600:02d}:{rest // 60 % 60:02d}", _day_iso(days)


def group_by_day(messages: list[MessageView]) -> list[DayGroup]:
    groups: list[DayGroup] = []
    for message in messages:
        if not groups or groups[-1].day != message.day:
            groups.append(DayGroup(message.day, message.created_at))
        groups[-1].messages.append(message)
    return groups


def plain_text_html(text: str) -> Markup:
    """Text escaped, links made clickable; line breaks are kept by CSS (pre-wrap)."""
    if "://" not in text:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def attachment_view(raw: dict[str, Any], files: dict[int, Any]) -> AttachmentView:
    """One stored attachment as the pane shows it (file metadata from `files`)."""
    if raw.get("type") != "FILE":
        return _other_attachment(raw)
    file_id = str(raw.get("fileId", ""))
    row = files.get(int(file_id)) if file_id.isdigit() and len(file_id) <= 18 else None
    mime = row.mime_type if row is not None else ""
    kind = _USAGE_KINDS.get(str(raw.get("fileUsageType")), "file")
    family = _MIME_FAMILY.get(kind, kind)
    if not mime.startswith(family + "/") or mime == "image/svg+xml":
        kind = "file"  # what the browser cannot show in place is offered as a download
    return AttachmentView(
        kind=kind,
        name=str(raw.get("name") or "file"),
        file_id=file_id,
        size=row.size if row is not None else None,
        mime=mime,
    )


def _other_attachment(raw: dict[str, Any]) -> AttachmentView:
    kind = str(raw.get("type", "")).lower()
    if kind == "location":
        parts = [raw.get("name"), raw.get("address")]
        coords = f"{raw.get('latitude')}, {raw.get('longitude')}"
        summary = " · ".join(str(p) for p in parts if p) or coords
        return AttachmentView(kind="location", summary=summary)
    if kind == "contact":
        name = raw.get("name") or {}
        full = " ".join(str(v) for v in (name.values() if isinstance(name, dict) else [name]) if v)
        return AttachmentView(kind="other", summary=f"Contact card: {full or 'unnamed'}")
    if kind == "quick_replies":
        options = raw.get("quickReplies") or []
        labels = [
            str(o.get("label") or o.get("value") or "") for o in options if isinstance(o, dict)
        ]
        return AttachmentView(kind="other", summary="Quick replies: " + ", ".join(labels))
    return AttachmentView(kind="other", summary=kind.replace("_", " ").capitalize())


def identity_label(type_: str) -> str:
    return _IDENTITY_LABELS.get(type_, type_)


def build_composer(
    *,
    caps: Capabilities,
    channel_id: int,
    account_id: int,
    reply_blocked: str | None,
    closed_to_all: str | None,
    max_attachments: int,
    max_upload_bytes: int,
) -> ComposerView:
    """The composer for a channel's capabilities; replies blocked for the reason given."""
    allowed = set(caps.richText)
    buttons = tuple(
        FormatButton(command, label, capability)
        for capability, command, label, _tags in FORMAT_BUTTONS
        if capability in allowed
    )
    tags = {"p", "br", "div"}
    for capability, _command, _label, button_tags in FORMAT_BUTTONS:
        if capability in allowed:
            tags.update(button_tags)
    files_allowed = "FILE" in caps.outgoingAttachmentTypes and caps.maxFileAttachmentCount > 0
    inline = bool(allowed) and caps.allowInlineImages
    if inline:
        tags.add("img")
    return ComposerView(
        channel_id=channel_id,
        account_id=account_id,
        reply_allowed=reply_blocked is None and closed_to_all is None,
        reply_blocked=closed_to_all or reply_blocked,
        closed_to_all=closed_to_all,
        rich=bool(allowed),
        buttons=buttons,
        reply_tags=tuple(sorted(tags)),
        inline_images=inline,
        files_allowed=files_allowed,
        max_files=min(caps.maxFileAttachmentCount, max_attachments) if files_allowed else 0,
        max_file_bytes=min(caps.maxFileAttachmentSizeBytes, max_upload_bytes),
        max_total_bytes=caps.maxTotalFileAttachmentSizeBytes,
        mime_types=(
            tuple(caps.allowedFileAttachmentMimeTypes)
            if caps.allowedFileAttachmentMimeTypes is not None
            else None
        ),
        comment_max_files=max_attachments,
        max_upload_bytes=max_upload_bytes,
    )


def reply_blocked_reason(*, caps: Capabilities, channel: Any, account: Any) -> str | None:
    """Why replies cannot go out over this thread's channel account, or None."""
    if channel.archived:
        return f"{channel.name} has been archived: replies cannot be sent."
    if not caps.allowOutgoingMessages:
        return f"{channel.name} only receives messages: replies cannot be sent over it."
    if account.archived:
        return f"The account {account.name} is archived: replies cannot be sent over it."
    if not account.active:
        return f"The account {account.name} is deactivated: replies cannot be sent over it."
    if not account.authorized:
        return f"The account {account.name} is not authorized: an admin must reconnect it."
    return None


UTC_ZONE: tzinfo = UTC
TZ_COOKIE = "frontdesk_tz"  # the browser's IANA time zone, set by thread.js: days group by it


def viewer_zone(request: Request) -> tzinfo:
    """The viewer's time zone (the cookie thread.js sets); UTC when absent or unknown."""
    return zone_from_cookie(request.cookies.get(TZ_COOKIE))


def zone_from_cookie(value: str | None) -> tzinfo:
    """The time zone named by the cookie; UTC when absent or unknown."""
    name = unquote(value or "")
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE
