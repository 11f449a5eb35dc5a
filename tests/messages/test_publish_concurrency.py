"""Concurrent publishes (DESIGN 4, 9): retries of one message store it once, first messages of
one thread or one sender share one thread or one contact. On PostgreSQL the requests run on
several pooled connections at once; on SQLite they queue for the one writer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadKey
from frontdesk.core.db import Database
from frontdesk.messages.models import Message
from tests.messages.publish_setup import (
    Bridge,
    event_rows,
    make_bridge,
    message_body,
    new_key,
    new_phone,
    participant,
)


async def _publish_all(
    client: httpx.AsyncClient, bridge: Bridge, bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    responses = await asyncio.gather(
        *(client.post(bridge.url, json=body, headers=bridge.auth) for body in bodies)
    )
    assert [r.status_code for r in responses] == [201] * len(bodies), [
        r.text for r in responses if r.status_code != 201
    ]
    return [r.json() for r in responses]


async def _count(db: Database, model: Any) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(model)))


@pytest.mark.asyncio
async def test_concurrent_repeats_of_one_key_store_one_message(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    body = message_body(bridge)  # a new sender on a new thread: every step races
    answers = await _publish_all(client, bridge, [body] * 50)

    assert len({a["id"] for a in answers}) == 1
    assert await _count(db, Message) == 1
    assert await _count(db, Thread) == 1
    assert await _count(db, Contact) == 1
    assert len(await event_rows(db, "message.created")) == 1
    assert len(await event_rows(db, "conversation.created")) == 1


@pytest.mark.asyncio
async def test_concurrent_first_messages_of_one_thread_share_it(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    thread = new_key("thread")
    bodies = [
        message_body(bridge, integrationThreadId=thread, senders=[participant(new_phone())])
        for _ in range(20)
    ]
    answers = await _publish_all(client, bridge, bodies)

    assert len({a["conversationsThreadId"] for a in answers}) == 1
    assert await _count(db, Thread) == 1
    assert await _count(db, ThreadKey) == 1
    assert await _count(db, Message) == 20
    assert len(await event_rows(db, "conversation.created")) == 1


@pytest.mark.asyncio
async def test_concurrent_first_messages_of_one_sender_share_a_contact(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db)
    sender = participant(new_phone(), name="Ada")
    answers = await _publish_all(
        client, bridge, [message_body(bridge, senders=[sender]) for _ in range(20)]
    )

    assert len({a["senders"][0]["actorId"] for a in answers}) == 1
    assert await _count(db, Contact) == 1
    assert await _count(db, ContactIdentity) == 1
    assert await _count(db, Thread) == 20


@pytest.mark.asyncio
async def test_concurrent_first_messages_by_delivery_identifier(
    db: Database, client: httpx.AsyncClient
) -> None:
    bridge = await make_bridge(db, threading_model="DELIVERY_IDENTIFIER")
    sender = participant(new_phone())
    answers = await _publish_all(
        client, bridge, [message_body(bridge, senders=[sender]) for _ in range(20)]
    )

    assert len({a["conversationsThreadId"] for a in answers}) == 1
    assert await _count(db, Contact) == 1
    assert await _count(db, Thread) == 1
    assert await _count(db, Message) == 20
