"""The simulated Chatterbox bridge: the app a developer would write, reduced to what the demo
shows. It speaks to Frontdesk only over HTTP, as any bridge does:

* every `publish_every_s` seconds a customer writes: POST .../custom-channels/{id}/messages
  with the app's token (sometimes with a file uploaded through /files/v3/files first,
  sometimes from a customer never seen before);
* agents' replies arrive as webhooks on 127.0.0.1; each one's HubSpot v3 signature is
  checked (a bad or stale one is refused with 401), then the reply is acknowledged through
  the status API: SENT at once, READ `read_after_s` seconds later.

Timing goes through the injected `sleep` and `clock`, so tests drive it without waiting.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from frontdesk.demo import script

logger = logging.getLogger("frontdesk.demo.bridge")

Sleep = Callable[[float], Awaitable[None]]
MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000  # HubSpot: reject requests signed more than 5 min ago
NEW_CUSTOMER_CHANCE = 0.2
MEDIA_CHANCE = 0.25

# HubSpot decodes exactly these escapes in the URI before signing (reference 6.4, step 2).
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def v3_signature(secret: str, *, method: str, url: str, body: bytes, timestamp: str) -> str:
    """The X-HubSpot-Signature-v3 a request should carry (reference 6.4)."""
    for encoded, decoded in _DECODED.items():
        url = url.replace(encoded, decoded).replace(encoded.lower(), decoded)
    source = method.upper().encode() + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def signature_problem(
    secret: str, *, method: str, url: str, body: bytes, headers: Mapping[str, str], now_ms: int
) -> str | None:
    """Why a webhook's v3 signature is not acceptable; None when it is."""
    signature = headers.get("X-HubSpot-Signature-v3")
    timestamp = headers.get("X-HubSpot-Request-Timestamp")
    if not signature or not timestamp:
        return "no X-HubSpot-Signature-v3 and timestamp"
    if not timestamp.isdigit():
        return "the timestamp is not a number"
    if abs(now_ms - int(timestamp)) > MAX_SIGNATURE_AGE_MS:
        return "the timestamp is more than 5 minutes away"
    expected = v3_signature(secret, method=method, url=url, body=body, timestamp=timestamp)
    if not hmac.compare_digest(expected, signature):
        return "the signature does not match"
    return None


class BridgeError(Exception):
    """Frontdesk answered a call of the bridge with an error."""


@dataclass(frozen=True)
class BridgeAccount:
    """A channel account the bridge publishes to: one business number."""

    id: int
    line: str  # script.Line.key: which customers' texts it gets
    name: str
    phone: str


@dataclass(frozen=True)
class BridgeConfig:
    frontdesk_url: str  # where the bridge reaches Frontdesk
    access_token: str  # the app's token (Bearer)
    client_secret: str  # the app's client secret: webhook signatures
    channel_id: int
    accounts: tuple[BridgeAccount, ...]
    publish_every_s: float = 8.0
    read_after_s: float = 3.0


class Bridge:
    """Start it (its webhook server), `run` it (the publishing loop), `stop` it."""

    def __init__(
        self,
        config: BridgeConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.webhook_url = ""
        self.published: list[dict[str, Any]] = []  # Frontdesk's answers to our publishes
        self.reported: list[tuple[str, str]] = []  # (message id, status) acknowledged
        self.refused: list[str] = []  # why each refused webhook was refused
        self.changed = asyncio.Condition()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311  (demo chatter, not security)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._seen_events: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._file_ids: dict[str, str] = {}
        self._new_customers = list(script.NEW_CUSTOMERS)

    # --- life --------------------------------------------------------------------------

    async def start(self, sock: socket.socket | None = None) -> str:
        """Listen for webhooks (on `sock`, else a free port of 127.0.0.1); the webhook URL."""
        app = web.Application()
        app.router.add_post("/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site: web.BaseSite
        if sock is None:
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
        else:
            site = web.SockSite(self._runner, sock)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.webhook_url = f"http://{host}:{port}/webhook"
        self._session = aiohttp.ClientSession(
            base_url=self.config.frontdesk_url,
            headers={"Authorization": f"Bearer {self.config.access_token}"},
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self.webhook_url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def run(self) -> None:
        """Publish a customer's message every `publish_every_s` seconds, until cancelled."""
        while True:
            await self._sleep(self.config.publish_every_s)
            try:
                await self.publish_next()
            except (aiohttp.ClientError, BridgeError, TimeoutError) as exc:
                logger.warning("could not publish: %s", exc)

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `condition` holds (checked whenever the bridge records something)."""
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(condition)

    # --- publishing ----------------------------------------------------------------------

    async def publish_next(self) -> dict[str, Any]:
        """One message from a customer, as the messenger delivered it; Frontdesk's answer."""
        account = self._rng.choice(self.config.accounts)
        customer = self._pick_customer()
        text = self._rng.choice(script.LIVE_TEXTS.get(account.line, script.LIVE_TEXTS["support"]))
        attachments: list[dict[str, Any]] = []
        if self._rng.random() < MEDIA_CHANCE:
            media_key, text = self._rng.choice(script.LIVE_MEDIA)
            attachments = [await self._attachment(media_key)]
        message = await self._call(
            "POST",
            f"/conversations/v3/custom-channels/{self.config.channel_id}/messages",
            json={
                "text": text,
                "messageDirection": "INCOMING",
                "channelAccountId": str(account.id),
                "integrationIdempotencyId": f"chatterbox-{uuid.uuid4()}",
                "senders": [{"name": customer.name, "deliveryIdentifier": _phone(customer.phone)}],
                "recipients": [{"deliveryIdentifier": _phone(account.phone)}],
                "attachments": attachments,
                "timestamp": datetime.fromtimestamp(self._clock(), tz=UTC).isoformat(),
            },
        )
        what = text or f"[{attachments[0].get('fileUsageType', 'file').lower()}]"
        logger.info(
            "%s -> %s: %s (message %s, conversation %s)",
            customer.name,
            account.name,
            what,
            message["id"],
            message["conversationsThreadId"],
        )
        await self._record(lambda: self.published.append(message))
        return message

    def _pick_customer(self) -> script.Customer:
        if self._new_customers and self._rng.random() < NEW_CUSTOMER_CHANCE:
            return self._new_customers.pop(0)
        return self._rng.choice(list(script.CUSTOMERS.values()))

    async def _attachment(self, media_key: str) -> dict[str, Any]:
        item = script.MEDIA[media_key]
        if media_key not in self._file_ids:
            form = aiohttp.FormData()
            form.add_field("file", item.make(), filename=item.file_name)
            form.add_field(
                "options",
                json.dumps({"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING"}),
            )
            uploaded = await self._call("POST", "/files/v3/files", data=form)
            self._file_ids[media_key] = str(uploaded["id"])
        attachment = {"type": "FILE", "fileId": self._file_ids[media_key]}
        if item.usage is not None:
            attachment["fileUsageType"] = item.usage
        return attachment

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        assert self._session is not None, "start the bridge first"
        async with self._session.request(method, path, **kwargs) as response:
            body = await response.text()
            if response.status >= 300:
                raise BridgeError(f"{method} {path}: HTTP {response.status} {body[:200]}")
            answer: dict[str, Any] = json.loads(body)
            return answer

    # --- webhooks ------------------------------------------------------------------------

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        # Checked against the URL we registered, which is the one Frontdesk signed (behind a
        # proxy the request's own URL would differ).
        problem = signature_problem(
            self.config.client_secret,
            method=request.method,
            url=self.webhook_url,
            body=body,
            headers=request.headers,
            now_ms=int(self._clock() * 1000),
        )
        if problem is not None:
            logger.warning("refused a webhook: %s", problem)
            await self._record(lambda: self.refused.append(problem))
            return web.Response(status=401, text=problem)
        payload = json.loads(body)
        event_id = str(payload.get("eventId", ""))
        if event_id and event_id in self._seen_events:
            return web.Response(text="already received")  # a retry of a delivered event
        self._seen_events.add(event_id)
        if payload.get("type") == "OUTGOING_CHANNEL_MESSAGE_CREATED":
            self._deliver(payload["message"])
        else:
            logger.info("%s: %s", payload.get("type"), payload.get("name", ""))
        return web.Response(text="ok")

    def _deliver(self, message: dict[str, Any]) -> None:
        recipients = message.get("recipients") or [{}]
        to = recipients[0].get("name") or recipients[0].get("deliveryIdentifier", {}).get("value")
        sender = (message.get("senders") or [{}])[0].get("name", "an agent")
        logger.info("%s -> %s: %s (reply %s)", sender, to, message.get("text", ""), message["id"])
        # Answer the webhook at once; the messenger's receipts come later.
        task = asyncio.create_task(self._acknowledge(str(message["id"])))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _acknowledge(self, message_id: str) -> None:
        try:
            await self._report(message_id, "SENT")
            await self._sleep(self.config.read_after_s)
            await self._report(message_id, "READ")
        except (aiohttp.ClientError, BridgeError, TimeoutError) as exc:
            logger.warning("could not report the status of reply %s: %s", message_id, exc)

    async def _report(self, message_id: str, status: str) -> None:
        path = f"/conversations/v3/custom-channels/{self.config.channel_id}/messages/{message_id}"
        await self._call("PATCH", path, json={"statusType": status})
        logger.info("reply %s: %s", message_id, status)
        await self._record(lambda: self.reported.append((message_id, status)))

    async def _record(self, change: Callable[[], None]) -> None:
        async with self.changed:
            change()
            self.changed.notify_all()


def _phone(value: str) -> dict[str, str]:
    return {"type": "HS_PHONE_NUMBER", "value": value}
