"""Shared set-up of the channel tests: an app with its developer key, a channel, an inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import func, select

from frontdesk.apps import service as app_service
from frontdesk.channels.models import Channel, ChannelAccount, StagingToken
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests import factories

V3 = "/conversations/v3/custom-channels"
CAPABILITIES: dict[str, Any] = {
    "deliveryIdentifierTypes": ["HS_PHONE_NUMBER"],
    "threadingModel": "INTEGRATION_THREAD_ID",
    "richText": ["HYPERLINK"],
}


@dataclass(frozen=True)
class Bridge:
    """An app as its bridge sees it: developer key query, bearer header, one channel."""

    app: app_service.CreatedApp
    channel_id: int
    inbox_id: int

    @property
    def dev(self) -> dict[str, str]:
        return {"hapikey": self.app.developer_api_key, "appId": str(self.app.app_id)}

    @property
    def auth(self) -> dict[str, str]:
        return factories.bearer(self.app.access_token)

    @property
    def accounts_url(self) -> str:
        return f"{V3}/{self.channel_id}/channel-accounts"


async def make_bridge(db: Database, client: httpx.AsyncClient) -> Bridge:
    app = await factories.create_app(db)
    inbox_id = await factories.create_inbox(db)
    response = await client.post(
        V3,
        params={"hapikey": app.developer_api_key, "appId": str(app.app_id)},
        json={"name": factories.unique("channel"), "capabilities": CAPABILITIES},
    )
    assert response.status_code == 201, response.text
    return Bridge(app, int(response.json()["id"]), inbox_id)


@pytest_asyncio.fixture
async def bridge(db: Database, client: httpx.AsyncClient) -> Bridge:
    return await make_bridge(db, client)


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every table these endpoints write, to prove a refused request wrote nothing."""
    async with db.read() as uow:
        return {
            model.__tablename__: int(await uow.scalar(select(func.count()).select_from(model)))
            for model in (Channel, ChannelAccount, StagingToken, EventRow)
        }


async def event_rows(db: Database, name: str) -> list[Any]:
    async with db.read() as uow:
        result = await uow.execute(
            select(EventRow).where(EventRow.name == name).order_by(EventRow.id)
        )
        return list(result.all())


def error_fields(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["status"] == "error"
    assert body["correlationId"]
    return [e.get("in") for e in body.get("errors", [])]
