"""Set-up of the webhook subscription tests: a developer's app, subscriptions written
through the service, jobs as rows, a fake clock, and a real receiver on 127.0.0.1 that
checks every signature with code written here from the reference (sections 6.4, DESIGN 5)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from sqlalchemy import func, select

from frontdesk.apps.models import App
from frontdesk.apps.service import CreatedApp
from frontdesk.core.db import Database
from frontdesk.core.jobs import Job, JobAttempt
from frontdesk.webhooks import service as webhook_service
from frontdesk.webhooks.models import WebhookSettings, WebhookSubscription
from frontdesk.webhooks.schemas import SettingsChange, SubscriptionCreate, Throttling
from tests import factories


@dataclass(frozen=True)
class Dev:
    """An app as its developer sees the Webhooks API."""

    app: CreatedApp

    @property
    def app_id(self) -> int:
        return self.app.app_id

    @property
    def key(self) -> dict[str, str]:
        return {"hapikey": self.app.developer_api_key}

    def url(self, suffix: str = "", *, version: str = "v3") -> str:
        return f"/webhooks/{version}/{self.app_id}{suffix}"


async def make_dev(db: Database, *, scopes: list[str] | None = None) -> Dev:
    return Dev(await factories.create_app(db, scopes=scopes))


async def set_target(db: Database, dev: Dev, url: str) -> None:
    data = SettingsChange(targetUrl=url, throttling=Throttling(maxConcurrentRequests=10))
    async with db.transaction() as uow:
        await webhook_service.put_settings(uow, app_id=dev.app_id, data=data)


async def subscribe(
    db: Database,
    dev: Dev,
    event_type: str,
    *,
    property_name: str | None = None,
    active: bool = True,
) -> int:
    data = SubscriptionCreate.model_validate(
        {"eventType": event_type, "propertyName": property_name, "active": active}
    )
    async with db.transaction() as uow:
        row = await webhook_service.create_subscription(uow, app_id=dev.app_id, data=data)
    return int(row.id)


async def subscription_jobs(db: Database) -> list[Any]:
    """Rows of the subscription delivery jobs, oldest first."""
    async with db.read() as uow:
        statement = select(Job).where(Job.kind == "webhooks.subscription").order_by(Job.id)
        return list((await uow.execute(statement)).all())


async def job_attempts(db: Database, job_id: int) -> list[Any]:
    async with db.read() as uow:
        statement = select(JobAttempt).where(JobAttempt.job_id == job_id).order_by(JobAttempt.id)
        return list((await uow.execute(statement)).all())


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of the tables these endpoints write, to prove a refused request wrote nothing."""
    async with db.read() as uow:
        return {
            model.__tablename__: int(await uow.scalar(select(func.count()).select_from(model)))
            for model in (WebhookSettings, WebhookSubscription)
        }


async def webhook_secret(db: Database, app_id: int) -> str:
    async with db.read() as uow:
        secret: str = await uow.scalar(select(App.webhook_secret).where(App.id == app_id))
    return secret


class FakeClock:
    """The runner's clock. `enqueue` stamps jobs with the wall clock, so this one starts a
    minute ahead of it: jobs queued during the test are due, and only `advance` moves time."""

    def __init__(self) -> None:
        self.now = time.time() + 60

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- the receiver --------------------------------------------------------------------------

_V3_DECODE = (
    ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"),
    ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
)  # fmt: skip


def verify_v1(client_secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Reference 6.4, v1: hex SHA-256 of client secret + body."""
    expected = hashlib.sha256(client_secret.encode() + body).hexdigest()
    return headers.get("x-hubspot-signature-version") == "v1" and hmac.compare_digest(
        expected, headers.get("x-hubspot-signature", "")
    )


def verify_v3(client_secret: str, headers: dict[str, str], url: str, body: bytes) -> bool:
    """Reference 6.4, v3: base64 HMAC-SHA256 over POST + decoded URI + body + timestamp (ms),
    at most five minutes old."""
    timestamp = headers.get("x-hubspot-request-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 300_000:
        return False
    for encoded, decoded in _V3_DECODE:
        url = url.replace(encoded, decoded)
    source = b"POST" + url.encode() + body + timestamp.encode()
    digest = hmac.new(client_secret.encode(), source, hashlib.sha256).digest()
    return hmac.compare_digest(
        base64.b64encode(digest).decode(), headers.get("x-hubspot-signature-v3", "")
    )


def verify_standard(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks spec: `v1,` + base64 HMAC-SHA256 keyed with the base64-decoded part
    of `whsec_...`, over `{webhook-id}.{webhook-timestamp}.{body}`; the header may list several
    space-separated signatures, any one matching is enough."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = headers.get("webhook-signature", "").split(" ")
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, _, sig in (item.partition(",") for item in offered)
    )


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    v1_ok: bool
    v3_ok: bool
    standard_ok: bool

    @property
    def events(self) -> Any:
        return orjson.loads(self.body)

    @property
    def signed(self) -> bool:
        return self.v1_ok and self.v3_ok and self.standard_ok


@dataclass
class Receiver:
    """Answers with the queued statuses in turn (then 200) and records every request."""

    client_secret: str
    webhook_secret: str
    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append(
            Received(
                headers,
                body,
                verify_v1(self.client_secret, headers, body),
                verify_v3(self.client_secret, headers, self.url, body),
                verify_standard(self.webhook_secret, headers, body),
            )
        )
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status < 300 else "broken")


@asynccontextmanager
async def running_receiver(client_secret: str, webhook_secret: str) -> AsyncIterator[Receiver]:
    """A receiver listening on 127.0.0.1 (a free port) for the duration of the block."""
    receiver = Receiver(client_secret, webhook_secret)
    app = web.Application()
    app.router.add_post("/hooks/hubspot", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/hooks/hubspot"
    try:
        yield receiver
    finally:
        await runner.cleanup()
