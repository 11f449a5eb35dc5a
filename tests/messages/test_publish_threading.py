"""Closed threads and lost races of the threading step (DESIGN 3, 4; reference 5.4)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.conversations import threading
from frontdesk.conversations.models import Thread, ThreadIntegrationId, ThreadKey
from frontdesk.core.db import Database
from frontdesk.core.models import now_ms
from tests.messages.publish_setup import (
    Bridge,
    event_rows,
    make_bridge,
    message_body,
    new_phone,
    participant,
    published,
    set_thread,
    thread_row,
)

MODELS = ["INTEGRATION_THREAD_ID", "DELIVERY_IDENTIFIER"]


def _same_conversation(bridge: Bridge) -> dict[str, Any]:
    """A body whose thread key is the same for every message, in either threading model."""
    return message_body(bridge, integrationThreadId="chat-1", senders=[participant("+14155550111")])


def _fresh(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "integrationIdempotencyId": f"{body['integrationIdempotencyId']}-again"}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.asyncio
async def test_closed_thread_is_reopened_by_default(
    db: Database, client: httpx.AsyncClient, model: str
) -> None:
    bridge = await make_bridge(db, threading_model=model)
    body = _same_conversation(bridge)
    first = await published(client, bridge, body)
    thread_id = first["conversationsThreadId"]
    await set_thread(db, thread_id, status="CLOSED", closed_at=now_ms())

    second = await published(client, bridge, _fresh(body))

    assert second["conversationsThreadId"] == thread_id
    thread = await thread_row(db, thread_id)
    assert (thread.status, thread.closed_at) == ("OPEN", None)
    (updated,) = await event_rows(db, "conversation.updated")
    assert updated.payload == {
        "threadId": thread_id,
        "inboxId": str(bridge.inbox_id),
        "changes": {"status": "OPEN"},
    }
    assert updated.inbox_id == bridge.inbox_id
    assert len(await event_rows(db, "conversation.created")) == 1


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.asyncio
async def test_new_thread_policy_moves_the_key_to_a_new_thread(
    db: Database, client: httpx.AsyncClient, model: str
) -> None:
    bridge = await make_bridge(db, threading_model=model, closed_thread_policy="NEW_THREAD")
    body = _same_conversation(bridge)
    first = await published(client, bridge, body)
    old_id = first["conversationsThreadId"]
    await set_thread(db, old_id, status="CLOSED", closed_at=now_ms())

    second = await published(client, bridge, _fresh(body))
    third = await published(client, bridge, {**_fresh(_fresh(body))})

    new_id = second["conversationsThreadId"]
    assert new_id != old_id
    assert third["conversationsThreadId"] == new_id
    assert (await thread_row(db, old_id)).status == "CLOSED"
    assert (await thread_row(db, new_id)).contact_id == (await thread_row(db, old_id)).contact_id
    async with db.read() as uow:
        key = (await uow.execute(select(ThreadKey))).one()
        ids = (await uow.execute(select(ThreadIntegrationId.thread_id))).scalars().all()
    assert str(key.thread_id) == new_id
    assert sorted(ids) == sorted([int(old_id), int(new_id)])
    created = await event_rows(db, "conversation.created")
    assert [e.payload["threadId"] for e in created] == [old_id, new_id]
    assert await event_rows(db, "conversation.updated") == []


@pytest.mark.asyncio
async def test_open_thread_is_used_under_new_thread_policy(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db, closed_thread_policy="NEW_THREAD")
    body = _same_conversation(bridge)
    first = await published(client, bridge, body)
    second = await published(client, bridge, _fresh(body))
    assert first["conversationsThreadId"] == second["conversationsThreadId"]


def _routing(bridge: Bridge) -> threading.AccountRouting:
    return threading.AccountRouting(
        id=bridge.account_id,
        channel_id=bridge.channel_id,
        inbox_id=bridge.inbox_id,
        closed_thread_policy="REOPEN",
        default_properties={},
    )


@pytest.mark.asyncio
async def test_losing_the_race_for_a_new_key_uses_the_winners_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    first = await published(client, bridge, integrationThreadId="chat-race")
    contact_id = (await thread_row(db, first["conversationsThreadId"])).contact_id
    account = _routing(bridge)
    target = threading._Target(account, "INTEGRATION_THREAD_ID", "chat-race", contact_id, {})

    async with db.transaction() as uow:
        # What a transaction that read "no key" a moment before the winner committed does next.
        ref = await threading.resolve_found_thread(
            uow,
            found=None,
            account=account,
            key_kind="INTEGRATION_THREAD_ID",
            key="chat-race",
            contact_id=contact_id,
            integration_thread_id="chat-race",
            latest={},
        )
        assert uow.pending_events == []
        assert await threading._create_for_new_key(uow, target) is None
        again = await threading.resolve_thread(
            uow,
            account=account,
            key_kind="INTEGRATION_THREAD_ID",
            key="chat-race",
            contact_id=contact_id,
            integration_thread_id=None,
            latest={},
        )
    assert again == ref
    assert not ref.created
    assert str(ref.id) == first["conversationsThreadId"]
    assert not ref.created
    async with db.read() as uow:
        assert await uow.scalar(select(func.count()).select_from(Thread)) == 1


@pytest.mark.asyncio
async def test_reopen_emits_only_when_it_changes_the_thread(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    first = await published(client, bridge, senders=[participant(new_phone())])
    thread_id = int(first["conversationsThreadId"])
    await set_thread(db, thread_id, status="CLOSED", closed_at=now_ms())
    async with db.transaction() as uow:
        await threading.reopen_thread(uow, thread_id=thread_id, inbox_id=bridge.inbox_id)
        await threading.reopen_thread(uow, thread_id=thread_id, inbox_id=bridge.inbox_id)
        assert len(uow.pending_events) == 1
