"""A real webhook receiver on 127.0.0.1 for delivery tests.

It checks every request's signatures with code written here from the reference (6.4) and the
Standard Webhooks spec, independent of Frontdesk's signer, and answers from a script of
behaviours (status codes, delays, Retry-After), then 200.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from aiohttp import web

# The twelve sequences HubSpot decodes in the URI before signing (reference 6.4, step 2).
DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def expected_v3(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    for enc, dec in DECODED.items():
        url = url.replace(enc, dec).replace(enc.lower(), dec)
    source = method.encode() + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def standard_webhooks_ok(secret: str, headers: Any, body: bytes) -> bool:
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")]
    return any(hmac.compare_digest(expected, o) for o in offered)


@dataclass
class Received:
    body: Any
    raw: bytes
    headers: dict[str, str]
    v3_ok: bool
    v1_ok: bool
    standard_ok: bool


@dataclass
class Behaviour:
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"


class Receiver:
    """Records deliveries; `script` answers the next requests in order, then 200."""

    def __init__(self, client_secret: str = "", webhook_secret: str = "") -> None:
        self.client_secret = client_secret
        self.webhook_secret = webhook_secret
        self.script: list[Behaviour] = []
        self.received: list[Received] = []
        self.arrived = asyncio.Condition()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        url = str(request.url)  # the URL as called: scheme, host, path and query
        record = Received(
            body=json.loads(raw) if raw else None,
            raw=raw,
            headers=headers,
            v3_ok=hmac.compare_digest(
                expected_v3(
                    self.client_secret,
                    request.method,
                    url,
                    raw,
                    headers.get("x-hubspot-request-timestamp", ""),
                ),
                headers.get("x-hubspot-signature-v3", ""),
            ),
            v1_ok=hashlib.sha256(self.client_secret.encode() + raw).hexdigest()
            == headers.get("x-hubspot-signature"),
            standard_ok=standard_webhooks_ok(self.webhook_secret, headers, raw)
            if self.webhook_secret
            else False,
        )
        behaviour = self.script.pop(0) if self.script else Behaviour()
        if behaviour.delay_s:
            await asyncio.sleep(behaviour.delay_s)
        async with self.arrived:
            self.received.append(record)
            self.arrived.notify_all()
        return web.Response(status=behaviour.status, text=behaviour.body, headers=behaviour.headers)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{bound}/webhook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_for(self, count: int, deadline_s: float = 10.0) -> list[Received]:
        """Wait (on a condition, with a deadline) until `count` requests have arrived."""
        async with asyncio.timeout(deadline_s), self.arrived:
            await self.arrived.wait_for(lambda: len(self.received) >= count)
        return self.received


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()
