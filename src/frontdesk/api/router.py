"""Mounts every domain's routes under HubSpot's paths and all their aliases (reference 1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from frontdesk.accounts import routes as account_routes
from frontdesk.api import direct, health, metrics
from frontdesk.channels import admin_routes as channel_admin_routes
from frontdesk.channels import routes as channel_routes
from frontdesk.contacts import crm_routes as contact_crm_routes
from frontdesk.contacts import routes as contact_routes
from frontdesk.conversations import inbox_routes
from frontdesk.conversations import routes as conversation_routes
from frontdesk.delivery import routes as delivery_routes
from frontdesk.files import routes as file_routes
from frontdesk.helpdesk import routes as helpdesk_routes
from frontdesk.inserts import routes as insert_routes
from frontdesk.library import routes as library_routes
from frontdesk.messages import routes as message_routes
from frontdesk.messages import thread_routes as message_thread_routes
from frontdesk.notifications import routes as notification_routes
from frontdesk.outreach import routes as outreach_routes
from frontdesk.properties import routes as property_routes
from frontdesk.realtime import routes as realtime_routes
from frontdesk.search import routes as search_routes
from frontdesk.webhooks import routes as webhook_routes

# The first spelling is documented in the OpenAPI document; the others are aliases that
# HubSpot's specs, docs and clients use (reference 1.1, 1.2, 13.1).
CUSTOM_CHANNEL_PREFIXES = (
    "/conversations/v3/custom-channels",
    "/conversations/custom-channels/v3",
    "/conversations/custom-channels/2026-03",
    "/conversations/custom-channels/2025-09",
    "/conversations/custom-channels/2026-09",
)
CONVERSATIONS_PREFIXES = (
    "/conversations/v3/conversations",
    "/conversations/conversations/v3",
    "/conversations/conversations/2026-09",
    "/conversations/conversations/2026-09-beta",
)


def _include(app: FastAPI, router: APIRouter, prefix: str = "", **options: Any) -> None:
    app.include_router(router, prefix=prefix, **options)
    app.state.direct_routes.extend(direct.routes_of(router, prefix))


def _mount_aliases(app: FastAPI, router: APIRouter, prefixes: tuple[str, ...], tag: str) -> None:
    for index, prefix in enumerate(prefixes):
        _include(app, router, prefix, tags=[tag], include_in_schema=index == 0)


def mount_routers(app: FastAPI) -> None:
    """Mount every router; `app.state.direct_routes` lists the direct routes among them
    (api/direct.py), under each of their paths, for the DirectRoutes middleware."""
    app.state.direct_routes = []
    # Routes are matched in order: the hot path (publish) comes first.
    _mount_aliases(
        app, message_routes.custom_channel_router, CUSTOM_CHANNEL_PREFIXES, "custom channels"
    )
    _include(app, health.router, tags=["health"])
    _mount_aliases(app, channel_routes.router, CUSTOM_CHANNEL_PREFIXES, "custom channels")
    _mount_aliases(app, conversation_routes.router, CONVERSATIONS_PREFIXES, "conversations")
    _mount_aliases(
        app, channel_routes.conversations_router, CONVERSATIONS_PREFIXES, "conversations"
    )
    _mount_aliases(
        app, message_thread_routes.thread_router, CONVERSATIONS_PREFIXES, "conversations"
    )
    _include(app, file_routes.router, tags=["files"])
    _include(app, realtime_routes.router, tags=["events"])
    _include(app, account_routes.router, tags=["users, teams, inboxes"])
    _include(app, inbox_routes.router, tags=["inbox views"])
    _include(app, webhook_routes.router, tags=["webhooks"])
    _include(app, delivery_routes.router, tags=["deliveries"])
    _include(app, channel_admin_routes.router, tags=["channel accounts (admin)"])
    _include(app, notification_routes.router, tags=["notifications"])
    _include(app, contact_routes.router, tags=["contacts"])
    _include(app, contact_crm_routes.router, tags=["CRM contacts"])
    _include(app, property_routes.router, tags=["conversation properties"])
    _include(app, search_routes.router, tags=["search"])
    _include(app, library_routes.router, tags=["knowledge base and library"])
    _include(app, helpdesk_routes.router, tags=["help desk"])
    _include(app, outreach_routes.router, tags=["switch channel"])
    _include(app, insert_routes.router, tags=["inserts and snippets"])
    _include(app, metrics.router, tags=["metrics"])
