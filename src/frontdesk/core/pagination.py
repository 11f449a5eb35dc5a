"""HubSpot cursor paging: opaque `after` cursors, `{results, total?, paging.next}`."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

from frontdesk.core.errors import validation_error

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def encode_cursor(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(after: str | None) -> Any:
    """The value inside a cursor, or None; a cursor we did not issue is a 400."""
    if not after:
        return None
    try:
        padded = after + "=" * (-len(after) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise validation_error("Invalid paging cursor", field_name="after") from exc


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}", field_name="limit")
    return limit


def page_body(
    results: list[Any],
    *,
    next_cursor: Any = None,
    total: int | None = None,
    base_url: str | None = None,
    query: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The collection body; `paging` only when there is a next page, as HubSpot does."""
    body: dict[str, Any] = {}
    if total is not None:
        body["total"] = total
    body["results"] = results
    if next_cursor is not None:
        after = encode_cursor(next_cursor)
        nxt: dict[str, str] = {"after": after}
        if base_url is not None:
            params = {k: v for k, v in (query or {}).items() if k != "after"}
            params["after"] = after
            nxt["link"] = f"{base_url}?{urlencode(params, doseq=True)}"
        body["paging"] = {"next": nxt}
    return body
