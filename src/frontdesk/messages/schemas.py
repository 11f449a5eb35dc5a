"""Message bodies on the HubSpot surface (reference 5.3, 7.5).

Stored form: `senders`/`recipients` hold the response objects (`actorId`, `name`,
`deliveryIdentifier`, `senderField`/`recipientField`); `attachments` hold the response objects
(a FILE's `url` is added at render time, as download URLs are signed and expire).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdesk.core.models import ms_to_iso

FileUrl = Callable[[str], str]


def _attachment_json(attachment: dict[str, Any], file_url: FileUrl | None) -> dict[str, Any]:
    if attachment.get("type") == "FILE" and file_url is not None:
        return {**attachment, "url": file_url(str(attachment["fileId"]))}
    return attachment


def truncate(text: str | None, limit: int) -> tuple[str | None, bool]:
    if text is None or len(text) <= limit:
        return text, False
    return text[:limit], True


def message_json(
    row: Any, *, file_url: FileUrl | None = None, truncate_at: int = 65536
) -> dict[str, Any]:
    """One message as HubSpot returns it; the type decides the fields (reference 7.5)."""
    body: dict[str, Any] = {
        "id": str(row.id),
        "type": row.type,
        "conversationsThreadId": str(row.thread_id),
        "createdAt": ms_to_iso(row.created_at),
        "updatedAt": ms_to_iso(row.updated_at),
        "createdBy": row.created_by,
        "client": _client_json(row),
        "senders": row.senders,
        "recipients": row.recipients,
        "archived": row.archived,
    }
    if row.type == "CALL":
        body["text"] = row.text  # the call's notes; outcome and duration come from `extra`
    if row.type in ("MESSAGE", "COMMENT", "WELCOME_MESSAGE"):
        text, text_cut = truncate(row.text, truncate_at)
        rich, rich_cut = truncate(row.rich_text, truncate_at)
        body["text"] = text
        if rich is not None:
            body["richText"] = rich
        elif row.type == "COMMENT":
            body["richText"] = text
        body["attachments"] = [_attachment_json(a, file_url) for a in row.attachments]
        if row.type == "MESSAGE":
            body["truncationStatus"] = "TRUNCATED" if text_cut or rich_cut else "NOT_TRUNCATED"
    if row.type in ("MESSAGE", "WELCOME_MESSAGE"):
        body["channelId"] = str(row.channel_id) if row.channel_id is not None else None
        body["channelAccountId"] = (
            str(row.channel_account_id) if row.channel_account_id is not None else None
        )
    if row.type == "MESSAGE":
        body["direction"] = row.direction
        if row.subject:
            body["subject"] = row.subject
        if row.in_reply_to_id:
            body["inReplyToId"] = row.in_reply_to_id
        status = status_json(row.status, row.failure_message)
        if status is not None:
            body["status"] = status
    body.update(row.extra or {})
    return body


def status_json(status: str | None, failure_message: str | None) -> dict[str, Any] | None:
    """HubSpot's `status` object; PENDING has none on the HubSpot surface (DESIGN 3)."""
    if status is None or status == "PENDING":
        return None
    out: dict[str, Any] = {"statusType": status}
    if status == "FAILED":
        out["failureDetails"] = {
            "errorMessage": failure_message or "",
            "errorMessageTokens": {},
        }
    return out


def _client_json(row: Any) -> dict[str, Any]:
    client: dict[str, Any] = {"clientType": row.client_type}
    if row.integration_app_id is not None:
        client["integrationAppId"] = row.integration_app_id
    return client
