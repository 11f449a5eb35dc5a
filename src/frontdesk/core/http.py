"""Outbound HTTP for webhooks: one aiohttp session, no redirects, bounded reads, and a guard
that refuses private-network targets (SSRF) at registration and again at connect time.

The connect-time check runs inside the resolver, on the addresses the connection will use, so
a hostname that resolved to a public address at registration and to 127.0.0.1 later (DNS
rebinding) is refused too. `allow_private` (FRONTDESK_WEBHOOK_ALLOW_PRIVATE) lifts the guard
for tests and the demo.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

MAX_RESPONSE_BYTES = 64 * 1024
# Cloud metadata services answer on these even where link-local is otherwise routed.
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


class BlockedAddress(Exception):
    """A webhook target on a loopback, private, link-local or otherwise internal address."""


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


def check_url_shape(url: str) -> str | None:
    """Why `url` is not an acceptable webhook URL (None when it is): absolute http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http:// or https:// URL"
    if parts.username or parts.password:
        return "must not carry credentials"
    if len(url) > 2048:
        return "must be at most 2048 characters"
    return None


async def check_target(url: str, *, allow_private: bool) -> str | None:
    """Why `url` may not be called (None when it may): its shape, then every address its host
    resolves to. Used at registration; the resolver repeats the check at connect time."""
    problem = check_url_shape(url)
    if problem or allow_private:
        return problem
    host = urlsplit(url).hostname or ""
    if host.lower() in _METADATA_HOSTS:
        return "points to a metadata service"
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return f"host {host} cannot be resolved"
    if not infos or not all(address_is_public(str(info[4][0])) for info in infos):
        return f"host {host} resolves to a private or internal address"
    return None


class GuardedResolver(AbstractResolver):
    """Resolves like the default resolver, then refuses any internal address."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host.lower() in _METADATA_HOSTS:
            raise BlockedAddress(f"{host} is a metadata service")
        results = await self._inner.resolve(host, port, family)
        blocked = [r["host"] for r in results if not address_is_public(r["host"])]
        if blocked:
            raise BlockedAddress(f"{host} resolves to internal address {blocked[0]}")
        return results

    async def close(self) -> None:
        await self._inner.close()


def make_session(*, allow_private: bool, limit: int = 256) -> aiohttp.ClientSession:
    """The session deliveries use. Literal IP hosts skip resolvers, so they are checked by
    `check_literal_ip` before each request."""
    connector = aiohttp.TCPConnector(
        limit=limit,
        resolver=None if allow_private else GuardedResolver(),
    )
    return aiohttp.ClientSession(connector=connector, auto_decompress=True)


def check_literal_ip(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is an internal IP literal (resolvers never see those)."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_is_public(host):
        raise BlockedAddress(f"{host} is an internal address")


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str
    headers: dict[str, str]


async def post(
    session: aiohttp.ClientSession,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    allow_private: bool,
) -> HttpResult:
    """POST without following redirects, reading at most 64 KiB of the answer."""
    check_literal_ip(url, allow_private=allow_private)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with session.post(
        url, data=body, headers=headers, timeout=timeout, allow_redirects=False
    ) as response:
        raw = await response.content.read(MAX_RESPONSE_BYTES)
        return HttpResult(
            response.status,
            raw.decode("utf-8", errors="replace"),
            {k.lower(): v for k, v in response.headers.items()},
        )


def retry_after_s(headers: dict[str, Any]) -> float | None:
    """Seconds from a Retry-After header in its delta form (the date form is rare for 429)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
