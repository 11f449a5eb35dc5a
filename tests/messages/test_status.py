"""Get a channel message and report its delivery status (reference 5.6, 5.7; DESIGN 3)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from frontdesk.apps import service as app_service
from frontdesk.core.db import Database
from frontdesk.core.models import now_ms
from frontdesk.messages.models import Message
from tests import factories
from tests.messages.publish_setup import (
    Bridge,
    count_rows,
    error_fields,
    event_rows,
    make_bridge,
    published,
)


async def _outgoing(db: Database, bridge: Bridge, thread_id: str, *, status: str) -> int:
    """An agent's reply as the send path stores it (PENDING until the bridge reports)."""
    now = now_ms()
    async with db.transaction() as uow:
        message_id: int = await uow.scalar(
            insert(Message)
            .values(
                thread_id=int(thread_id),
                type="MESSAGE",
                direction="OUTGOING",
                channel_id=bridge.channel_id,
                channel_account_id=bridge.account_id,
                senders=[{"actorId": "A-1"}],
                recipients=[],
                text="We shipped it yesterday.",
                attachments=[],
                has_attachments=False,
                status=status,
                client_type="HUBSPOT",
                created_by="A-1",
                extra={},
                archived=False,
                created_at=now,
                updated_at=now,
            )
            .returning(Message.id)
        )
    return message_id


async def _reply(db: Database, client: httpx.AsyncClient, *, status: str) -> tuple[Bridge, str]:
    bridge = await make_bridge(db)
    incoming = await published(client, bridge)
    message_id = await _outgoing(db, bridge, incoming["conversationsThreadId"], status=status)
    return bridge, f"{bridge.url}/{message_id}"


async def _patch(
    client: httpx.AsyncClient, bridge: Bridge, url: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(url, json=body, headers=bridge.auth)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("PENDING", "SENT"),
        ("PENDING", "FAILED"),
        ("PENDING", "READ"),
        ("SENT", "READ"),
        ("SENT", "FAILED"),
        ("FAILED", "SENT"),
        ("FAILED", "READ"),
    ],
)
@pytest.mark.asyncio
async def test_allowed_transitions_change_status_and_emit(
    db: Database, client: httpx.AsyncClient, start: str, target: str
) -> None:
    bridge, url = await _reply(db, client, status=start)
    response = await _patch(client, bridge, url, {"statusType": target, "errorMessage": "nope"})

    assert response.status_code == 200, response.text
    message = response.json()
    if target == "FAILED":
        assert message["status"] == {
            "statusType": "FAILED",
            "failureDetails": {"errorMessage": "nope", "errorMessageTokens": {}},
        }
    else:
        assert message["status"] == {"statusType": target}
    (event,) = await event_rows(db, "message.status_changed")
    assert event.payload["status"] == target
    assert event.payload["messageId"] == message["id"]
    assert event.payload["errorMessage"] == ("nope" if target == "FAILED" else None)
    assert event.inbox_id == bridge.inbox_id
    fetched = await client.get(url, headers=bridge.auth)
    assert fetched.json() == message


@pytest.mark.parametrize("target", ["SENT", "FAILED"])
@pytest.mark.asyncio
async def test_read_is_final(db: Database, client: httpx.AsyncClient, target: str) -> None:
    bridge, url = await _reply(db, client, status="READ")
    before = await count_rows(db)
    response = await _patch(client, bridge, url, {"statusType": target})
    assert response.status_code == 409
    assert response.json()["category"] == "CONFLICT"
    assert error_fields(response) == ["statusType"]
    assert await count_rows(db) == before


@pytest.mark.parametrize("state", ["SENT", "FAILED", "READ"])
@pytest.mark.asyncio
async def test_repeating_the_state_is_a_no_op(
    db: Database, client: httpx.AsyncClient, state: str
) -> None:
    bridge, url = await _reply(db, client, status=state)
    before = (await client.get(url, headers=bridge.auth)).json()
    response = await _patch(client, bridge, url, {"statusType": state, "errorMessage": "other"})
    assert response.status_code == 200
    assert response.json() == before
    assert await event_rows(db, "message.status_changed") == []


@pytest.mark.asyncio
async def test_historic_body_shape_is_accepted(db: Database, client: httpx.AsyncClient) -> None:
    bridge, url = await _reply(db, client, status="SENT")
    body = {
        "status": {
            "statusType": "FAILED",
            "failureDetails": {
                "type": "GENERIC_FAILURE_DETAILS",
                "errorMessage": "Recipient blocked the business number",
            },
        }
    }
    response = await _patch(client, bridge, url, body)
    assert response.status_code == 200, response.text
    assert response.json()["status"]["failureDetails"]["errorMessage"] == (
        "Recipient blocked the business number"
    )


@pytest.mark.asyncio
async def test_failure_message_is_cleared_when_the_bridge_retried(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge, url = await _reply(db, client, status="PENDING")
    await _patch(client, bridge, url, {"statusType": "FAILED", "errorMessage": "timeout"})
    response = await _patch(client, bridge, url, {"statusType": "SENT"})
    assert response.json()["status"] == {"statusType": "SENT"}
    async with db.read() as uow:
        stored = await uow.scalar(
            select(Message.failure_message).where(Message.id == int(response.json()["id"]))
        )
    assert stored is None


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"statusType": "RECEIVED"}, "statusType"),
        ({"statusType": "DELIVERED"}, "statusType"),
        ({"statusType": "PENDING"}, "statusType"),
        ({}, "statusType"),
        ({"errorMessage": "x"}, "statusType"),
        ({"status": {"statusType": "RECEIVED"}}, "status.statusType"),
        ({"status": {}}, "status.statusType"),
    ],
)
@pytest.mark.asyncio
async def test_bad_status_bodies_are_refused(
    db: Database, client: httpx.AsyncClient, body: dict[str, Any], where: str
) -> None:
    bridge, url = await _reply(db, client, status="PENDING")
    before = await count_rows(db)
    response = await _patch(client, bridge, url, body)
    assert response.status_code == 400, response.text
    assert where in error_fields(response)
    assert await count_rows(db) == before


@pytest.mark.asyncio
async def test_incoming_messages_have_no_settable_status(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    incoming = await published(client, bridge)
    response = await _patch(
        client, bridge, f"{bridge.url}/{incoming['id']}", {"statusType": "READ"}
    )
    assert response.status_code == 400
    assert error_fields(response) == ["statusType"]
    assert (await client.get(f"{bridge.url}/{incoming['id']}", headers=bridge.auth)).json()[
        "status"
    ] == {"statusType": "RECEIVED"}


@pytest.mark.asyncio
async def test_messages_of_other_channels_and_apps_are_not_found(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge, url = await _reply(db, client, status="PENDING")
    message_id = url.rsplit("/", 1)[1]
    sibling = await make_bridge(db, app=bridge.app, inbox_id=bridge.inbox_id)
    stranger = await make_bridge(db)
    for other_url, headers in (
        (f"{sibling.url}/{message_id}", bridge.auth),  # right app, wrong channel
        (
            f"{bridge.url.replace(str(bridge.channel_id), str(stranger.channel_id))}/{message_id}",
            stranger.auth,
        ),
        (url, stranger.auth),  # another app's channel
        (f"{bridge.url}/987654", bridge.auth),
        (f"{bridge.url}/not-a-number", bridge.auth),
        (f"{bridge.url}/%C2%B2", bridge.auth),  # a digit to str.isdigit, not to int()
        (f"{bridge.url}/{2**70}", bridge.auth),
    ):
        assert (await client.get(other_url, headers=headers)).status_code == 404, other_url
        response = await client.patch(other_url, json={"statusType": "SENT"}, headers=headers)
        assert response.status_code == 404, other_url
    assert await event_rows(db, "message.status_changed") == []


@pytest.mark.asyncio
async def test_scopes_of_get_and_patch(db: Database, client: httpx.AsyncClient) -> None:
    bridge, url = await _reply(db, client, status="PENDING")
    async with db.transaction() as uow:
        reader = await app_service.create_token(
            uow,
            kind="app",
            app_id=bridge.app.app_id,
            scopes=["conversations.custom_channels.read"],
        )
        other = await app_service.create_token(
            uow, kind="app", app_id=bridge.app.app_id, scopes=["conversations.read"]
        )
    assert (await client.get(url, headers=factories.bearer(reader))).status_code == 200
    assert (await client.get(url, headers=bridge.auth)).status_code == 200
    response = await client.get(url, headers=factories.bearer(other))
    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"
    response = await client.patch(
        url, json={"statusType": "SENT"}, headers=factories.bearer(reader)
    )
    assert response.status_code == 403
    assert response.json()["category"] == "MISSING_SCOPES"
    assert (await client.get(url)).status_code == 401


@pytest.mark.asyncio
async def test_get_renders_a_published_message(db: Database, client: httpx.AsyncClient) -> None:
    bridge = await make_bridge(db)
    message = await published(client, bridge)
    response = await client.get(f"{bridge.url}/{message['id']}", headers=bridge.auth)
    assert response.status_code == 200
    assert response.json() == message
