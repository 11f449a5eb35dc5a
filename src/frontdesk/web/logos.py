"""Which app logos a page may show."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request


def shown_logo(url: str | None, request: Request) -> str | None:
    """A logo URL the page may show under its CSP (`img-src 'self' data:`): same-origin paths
    and data: images only. Other origins are not shown and not proxied: fetching arbitrary URLs
    from the server would be an SSRF path, and loading them in the page would tell third parties
    who uses the admin pages."""
    if not url:
        return None
    if url.startswith("data:image/"):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return url
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc == request.url.netloc:
        return url
    return None
