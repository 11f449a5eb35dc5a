"""Signed download URLs: HMAC-SHA256 of the file id and an expiry, keyed by the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from frontdesk.config import Settings
from frontdesk.core.models import now_ms

URL_TTL_S = 3600
# Expiries are rounded up to this step so a page re-rendered within it repeats the same URLs
# and the browser's cache keeps working; a URL is valid for URL_TTL_S plus at most one step.
_ROUND_MS = 5 * 60 * 1000


def _file_key(secret_key: str) -> bytes:
    # A key of its own for file URLs: a signature made here can never pass as a session or
    # another signed value made with the same secret.
    return hmac.new(secret_key.encode(), b"frontdesk.files.download", hashlib.sha256).digest()


def sign(secret_key: str, file_id: str | int, expires_ms: int) -> str:
    """The URL-safe signature of (file id, expiry)."""
    message = f"{file_id}:{expires_ms}".encode()
    digest = hmac.new(_file_key(secret_key), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_url_path(secret_key: str, file_id: str | int, expires_ms: int) -> str:
    """The download path of a file with its signature, valid until `expires_ms`."""
    signature = sign(secret_key, file_id, expires_ms)
    return f"/files/v3/files/{file_id}/content?expires={expires_ms}&signature={signature}"


def verify_signature(
    secret_key: str, file_id: str | int, expires_ms: int, signature: str, *, now: int | None = None
) -> bool:
    """True when `signature` is ours for this file and expiry, and the expiry is still ahead."""
    if expires_ms <= (now_ms() if now is None else now):
        return False
    return hmac.compare_digest(sign(secret_key, file_id, expires_ms), signature)


def expiry_ms(ttl_s: int = URL_TTL_S, *, now: int | None = None) -> int:
    """When a URL made now for `ttl_s` seconds expires (rounded up, see _ROUND_MS)."""
    at_least = (now_ms() if now is None else now) + ttl_s * 1000
    return -(-at_least // _ROUND_MS) * _ROUND_MS


def require_secret_key(settings: Settings) -> str:
    """The secret key; signing with an empty key would let anyone forge URLs, so fail."""
    if not settings.secret_key:
        raise RuntimeError("FRONTDESK_SECRET_KEY is empty: file URLs cannot be signed")
    return settings.secret_key


def file_url_factory(settings: Settings, base_url: str | Callable[[], str]) -> Callable[[str], str]:
    """A function making absolute signed download URLs (valid about an hour) by file id.
    `base_url` may be a function, called at the first URL: a request's base URL costs ~3% of
    a publish to build, and most messages carry no file."""
    secret_key = require_secret_key(settings)
    bases: list[str] = []

    def file_url(file_id: str) -> str:
        if not bases:
            bases.append((base_url if isinstance(base_url, str) else base_url()).rstrip("/"))
        return bases[0] + signed_url_path(secret_key, file_id, expiry_ms())

    return file_url
