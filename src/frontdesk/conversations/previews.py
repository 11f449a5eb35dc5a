"""The denormalised last message of a thread: its id and the preview the inbox list shows.

Every path that adds a MESSAGE or COMMENT to a thread sets both columns in the UPDATE it
already runs on the thread (publish is the hot path); system entries leave them alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case

from frontdesk.conversations.models import Thread

PREVIEW_CHARS = 140
ELLIPSIS = "…"
# Enough raw text to fill a preview even after collapsing a run of whitespace.
_SCAN_CHARS = 2000

_USAGE_LABELS = {
    "VOICE_RECORDING": "Voice message",
    "STICKER": "Sticker",
    "IMAGE": "Image",
    "VIDEO": "Video",
    "AUDIO": "Audio",
}
# Attachments that carry content of their own (the others describe the message).
_KIND_LABELS = {"LOCATION": "Location", "CONTACT": "Contact", "UNSUPPORTED_CONTENT": "Attachment"}


def message_preview(*, text: str | None, attachments: Sequence[Any] = ()) -> str | None:
    """One line for the inbox list: the text with whitespace collapsed, cut with an ellipsis;
    for a message with only attachments a label ("📎 photo.jpg", "Voice message", ...)."""
    line = " ".join((text or "")[:_SCAN_CHARS].split())
    if line:
        return _cut(line)
    labels = [label for a in attachments if (label := attachment_label(a)) is not None]
    if not labels:
        return None
    more = f" +{len(labels) - 1}" if len(labels) > 1 else ""
    return _cut(labels[0]) + more


def _cut(line: str) -> str:
    if len(line) <= PREVIEW_CHARS:
        return line
    return line[:PREVIEW_CHARS].rstrip() + ELLIPSIS


def attachment_label(attachment: Any) -> str | None:
    """A short label for one stored attachment; None for descriptive ones (quick replies,
    headers, social metadata)."""
    if not isinstance(attachment, dict):
        return None
    kind = attachment.get("type")
    if kind != "FILE":
        return _KIND_LABELS.get(str(kind))
    usage = str(attachment.get("fileUsageType") or "OTHER")
    name = attachment.get("name")
    if usage in ("VOICE_RECORDING", "STICKER") or not name:
        return _USAGE_LABELS.get(usage, "File")
    return f"📎 {name}"


def last_message_values(message_id: Any, preview: Any) -> dict[str, Any]:
    """SET clauses recording a message as its thread's last one, unless a newer message is
    recorded already: ids grow, but on PostgreSQL an older insert may commit after a newer."""
    newer_recorded = Thread.last_message_id > message_id
    return {
        "last_message_id": case((newer_recorded, Thread.last_message_id), else_=message_id),
        "last_message_preview": case((newer_recorded, Thread.last_message_preview), else_=preview),
    }
