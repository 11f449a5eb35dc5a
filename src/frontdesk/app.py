"""create_app(settings): the composition root of the web process (DESIGN 6, STYLE)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from frontdesk import __version__
from frontdesk.api.direct import DirectRoutes
from frontdesk.api.docs import install_docs
from frontdesk.api.errors import BodyLimitMiddleware, install_error_handlers
from frontdesk.api.router import mount_routers
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.events import EventBus
from frontdesk.core.runner import JobKind, JobRunner, RunnerConfig
from frontdesk.delivery import channel as channel_delivery
from frontdesk.delivery.send import WebhookClient
from frontdesk.email import tasks as email_tasks
from frontdesk.notifications import handlers as notification_handlers
from frontdesk.realtime.hub import EventHub
from frontdesk.routing import handlers as routing_handlers
from frontdesk.routing import tasks as routing_tasks
from frontdesk.routing.clock import Clock
from frontdesk.routing.presence import Presence
from frontdesk.search.indexer import MessageIndexer
from frontdesk.web.setup import install_web
from frontdesk.webhooks import handlers as webhook_handlers
from frontdesk.webhooks import tasks as webhook_tasks


def wire_handlers(bus: EventBus, settings: Settings, clock: Clock | None = None) -> None:
    """Every in-transaction handler (producers never import consumers). Every process that
    writes gets them: they write what must commit with the change (job rows). Routing comes
    before notifications: they read the assignee it sets on `conversation.created`."""
    channel_delivery.register_handlers(bus)
    webhook_handlers.register_handlers(bus, settings)
    routing_handlers.register_handlers(bus, settings, clock)
    notification_handlers.register_handlers(bus)


def wire_listeners(bus: EventBus, *, hub: EventHub, indexer: MessageIndexer) -> None:
    """The after-commit listeners of a web process."""
    bus.listen(hub.wake)
    bus.listen(indexer.wake)


def job_kinds(settings: Settings, db: Database, client: WebhookClient) -> list[JobKind]:
    """Every kind of job this build knows how to run."""
    return [
        *channel_delivery.ChannelDeliveries(db, settings, client).job_kinds(),
        webhook_tasks.job_kind(db, client),
        email_tasks.job_kind(settings),
        routing_tasks.job_kind(db, routing_handlers.config_of(db.hooks, settings)),
    ]


def build_runner(settings: Settings, db: Database, *, concurrency: int | None = None) -> JobRunner:
    """The job runner of a `serve` or `worker` process, woken after commits that enqueue."""
    config = RunnerConfig(
        concurrency=concurrency or settings.worker_concurrency,
        endpoint_concurrency=settings.endpoint_concurrency,
        max_attempts=settings.delivery_max_attempts,
        retry_base_s=settings.delivery_retry_base_s,
        retry_cap_s=settings.delivery_retry_cap_s,
        breaker_pause_s=settings.delivery_breaker_pause_s,
        breaker_pause_cap_s=20 * settings.delivery_breaker_pause_s,
        # An attempt ends within its timeout; the margin covers recording it. After a crash,
        # a claimed job is claimed again once this lease has run out.
        lease_s=settings.delivery_timeout_s * 2 + 5,
        order_wait_s=settings.delivery_order_wait_s,
    )
    client = WebhookClient(
        timeout_s=settings.delivery_timeout_s, allow_private=settings.webhook_allow_private
    )
    runner = JobRunner(db, job_kinds(settings, db, client), config, on_stop=[client.close])
    assert isinstance(db.hooks, EventBus)
    db.hooks.listen_jobs(runner.wake)
    return runner


def build_database(settings: Settings, *, clock: Clock | None = None) -> tuple[Database, EventBus]:
    """The database of a process, with the in-transaction handlers on its bus (routing reads
    `clock`: the wall clock unless a test passes its own)."""
    bus = EventBus()
    wire_handlers(bus, settings, clock)
    db = Database(settings.resolved_database_url(), hooks=bus, pool_size=settings.db_pool_size)
    return db, bus


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    """The ASGI app. Pass `db` to share a Database (its hooks must be an EventBus)."""
    if db is None:
        db, bus = build_database(settings)
    else:
        assert isinstance(db.hooks, EventBus), "the database's hooks must be an EventBus"
        bus = db.hooks
    hub = EventHub(db, settings)
    indexer = MessageIndexer(db)
    wire_listeners(bus, hub=hub, indexer=indexer)
    runner = build_runner(settings, db) if settings.run_worker else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        await indexer.start()
        if runner is not None:
            await runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            await indexer.stop()
            await hub.stop()
            await db.dispose()

    app = FastAPI(
        title="Frontdesk",
        version=__version__,
        description="Shared inbox with HubSpot-compatible custom channels and conversations APIs.",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.bus = bus
    app.state.hub = hub
    app.state.runner = runner
    app.state.presence = Presence(db, routing_handlers.config_of(bus, settings))
    app.state.clock = app.state.presence.config.clock
    install_error_handlers(app)
    install_docs(app)
    mount_routers(app)
    install_web(app, settings)
    # Inside the body limit, which direct routes get like any other.
    app.add_middleware(
        DirectRoutes, routes=app.state.direct_routes, handlers=app.exception_handlers
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    return app
