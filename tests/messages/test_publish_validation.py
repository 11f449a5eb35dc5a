"""Bad publish requests: each gets a 4xx in HubSpot's error body naming the field, and
writes nothing (DESIGN 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from frontdesk.channels.models import ChannelAccount
from frontdesk.core.db import Database
from tests.messages.publish_setup import (
    Bridge,
    count_rows,
    error_fields,
    make_bridge,
    message_body,
    participant,
)

Body = dict[str, Any]


def without(field: str) -> Callable[[Body], Body]:
    return lambda body: {k: v for k, v in body.items() if k != field}


def with_(**over: Any) -> Callable[[Body], Body]:
    return lambda body: {**body, **over}


def attachment(item: Any) -> Callable[[Body], Body]:
    return with_(attachments=[item])


CASES: list[tuple[str, Callable[[Body], Body], int, str]] = [
    ("missing text", without("text"), 400, "text"),
    ("null text", with_(text=None), 400, "text"),
    ("bad direction", with_(messageDirection="SIDEWAYS"), 400, "messageDirection"),
    ("missing direction", without("messageDirection"), 400, "messageDirection"),
    ("bad timestamp", with_(timestamp="yesterday"), 400, "timestamp"),
    ("missing timestamp", without("timestamp"), 400, "timestamp"),
    ("missing senders", without("senders"), 400, "senders"),
    ("missing recipients", without("recipients"), 400, "recipients"),
    ("missing attachments", without("attachments"), 400, "attachments"),
    ("missing account", without("channelAccountId"), 400, "channelAccountId"),
    ("non-numeric account", with_(channelAccountId="abc"), 400, "channelAccountId"),
    ("huge account id", with_(channelAccountId=str(2**70)), 400, "channelAccountId"),
    ("unknown account", with_(channelAccountId="987654"), 404, "channelAccountId"),
    ("empty thread id", with_(integrationThreadId=""), 400, "integrationThreadId"),
    (
        "long idempotency id",
        with_(integrationIdempotencyId="x" * 513),
        400,
        "integrationIdempotencyId",
    ),
    (
        "sender without identifier",
        with_(senders=[{"name": "Ada"}]),
        400,
        "senders[0].deliveryIdentifier",
    ),
    (
        "bad identifier type",
        with_(senders=[participant("+14155550100", kind="FAX")]),
        400,
        "senders[0].deliveryIdentifier.type",
    ),
    (
        "invalid phone",
        with_(senders=[participant("not a phone")]),
        400,
        "senders[0].deliveryIdentifier.value",
    ),
    (
        "invalid email",
        with_(senders=[participant("nobody", kind="HS_EMAIL_ADDRESS")]),
        400,
        "senders[0].deliveryIdentifier.value",
    ),
    ("unknown attachment type", attachment({"type": "HOLOGRAM"}), 400, "attachments[0].type"),
    ("attachment without type", attachment({"fileId": "1"}), 400, "attachments[0].type"),
    ("missing fileId", attachment({"type": "FILE"}), 400, "attachments[0].fileId"),
    ("bad fileId", attachment({"type": "FILE", "fileId": "x1"}), 400, "attachments[0].fileId"),
    (
        "bad file usage",
        attachment({"type": "FILE", "fileId": "1", "fileUsageType": "HOLOGRAM"}),
        400,
        "attachments[0].fileUsageType",
    ),
    (
        "location without latitude",
        attachment({"type": "LOCATION", "longitude": 1.0}),
        400,
        "attachments[0].latitude",
    ),
    (
        "latitude out of range",
        attachment({"type": "LOCATION", "latitude": 91, "longitude": 1.0}),
        400,
        "attachments[0].latitude",
    ),
    (
        "contact without emails",
        attachment(
            {"type": "CONTACT", "contactProfile": {"addresses": [], "phones": [], "urls": []}}
        ),
        400,
        "attachments[0].contactProfile.emails",
    ),
    (
        "bad quick reply",
        attachment({"type": "QUICK_REPLIES", "quickReplies": [{"value": "a", "valueType": "X"}]}),
        400,
        "attachments[0].quickReplies[0].valueType",
    ),
    (
        "bad social media type",
        attachment({"type": "SOCIAL_MEDIA_METADATA", "socialMetadata": {"mediaType": "TIKTOK"}}),
        400,
        "attachments[0].socialMetadata.mediaType",
    ),
]


@pytest.mark.parametrize(
    ("change", "status", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.asyncio
async def test_bad_body_is_refused_and_writes_nothing(
    db: Database,
    client: httpx.AsyncClient,
    change: Callable[[Body], Body],
    status: int,
    where: str,
) -> None:
    bridge = await make_bridge(db)
    before = await count_rows(db)
    response = await client.post(bridge.url, json=change(message_body(bridge)), headers=bridge.auth)
    assert response.status_code == status, response.text
    assert where in error_fields(response)
    assert await count_rows(db) == before


async def _with_account(db: Database, bridge: Bridge, **values: Any) -> None:
    async with db.transaction() as uow:
        await uow.execute(
            update(ChannelAccount).where(ChannelAccount.id == bridge.account_id).values(**values)
        )


@pytest.mark.parametrize(
    "values",
    [{"archived": True}, {"active": False}, {"authorized": False}],
    ids=["archived", "inactive", "unauthorized"],
)
@pytest.mark.asyncio
async def test_unusable_account_is_refused(
    db: Database, client: httpx.AsyncClient, values: dict[str, bool]
) -> None:
    bridge = await make_bridge(db)
    await _with_account(db, bridge, **values)
    before = await count_rows(db)
    response = await client.post(bridge.url, json=message_body(bridge), headers=bridge.auth)
    assert response.status_code == 400, response.text
    assert error_fields(response) == ["channelAccountId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_account_of_another_channel_is_not_found(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    other = await make_bridge(db, app=bridge.app, inbox_id=bridge.inbox_id)
    before = await count_rows(db)
    response = await client.post(
        bridge.url,
        json=message_body(bridge, channelAccountId=str(other.account_id)),
        headers=bridge.auth,
    )
    assert response.status_code == 404
    assert error_fields(response) == ["channelAccountId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_unknown_channel_is_not_found(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    before = await count_rows(db)
    for channel in ("987654", str(2**70)):
        response = await client.post(
            f"/conversations/v3/custom-channels/{channel}/messages",
            json=message_body(bridge),
            headers=bridge.auth,
        )
        assert response.status_code in (400, 404), response.text
        assert error_fields(response) == ["channelId"]
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_malformed_json_is_refused(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    response = await client.post(
        bridge.url,
        content=b'{"text": ',
        headers={**bridge.auth, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
