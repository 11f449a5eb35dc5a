"""Secrets: random tokens stored as SHA-256 digests, constant-time checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_token(prefix: str = "") -> str:
    """A random 256-bit secret, URL-safe, with an optional readable prefix."""
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store for a token: its SHA-256 (a token has 256 bits; no slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_standard_webhooks_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
