"""create_app(settings): the composition root of the web process (DESIGN 6, STYLE)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from frontdesk import __version__
from frontdesk.api.errors import BodyLimitMiddleware, install_error_handlers
from frontdesk.api.router import mount_routers
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.events import EventBus
from frontdesk.realtime.hub import EventHub


def wire_events(bus: EventBus, *, hub: EventHub) -> None:
    """Register every in-transaction handler and after-commit listener (producers never
    import consumers)."""
    bus.listen(hub.wake)


def build_database(settings: Settings) -> tuple[Database, EventBus]:
    bus = EventBus()
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
    wire_events(bus, hub=hub)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        try:
            yield
        finally:
            await hub.stop()
            await db.dispose()

    app = FastAPI(
        title="Frontdesk",
        version=__version__,
        description="Shared inbox with HubSpot-compatible custom channels and conversations APIs.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.bus = bus
    app.state.hub = hub
    install_error_handlers(app)
    mount_routers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    return app
