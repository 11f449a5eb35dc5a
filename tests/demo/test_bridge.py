"""The simulated bridge against a live server: it publishes over HTTP, receives agents'
replies as signed webhooks, refuses bad signatures, and reports SENT then READ.

Its delays go through a manual sleep the test releases, so nothing waits on the clock.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.delivery import signing
from frontdesk.demo import script
from frontdesk.demo.bridge import Bridge, BridgeConfig, signature_problem, v3_signature
from frontdesk.demo.runner import bind_bridge_socket
from frontdesk.demo.seed import DemoWorkspace, prepare_workspace
from frontdesk.messages.models import Message
from tests import factories
from tests.server import LiveServer, http_client

PUBLISH_EVERY_S = 8.0
READ_AFTER_S = 3.0
# How long a step may take: a bound only a hang should reach (a loaded CI machine has stalled
# ordinary tests for 10 s).
WAIT_S = 30.0


class ManualSleep:
    """An injected `sleep`: each call waits until the test releases a sleep of its length."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, asyncio.Future[None]]] = []
        self.changed = asyncio.Condition()

    async def __call__(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        async with self.changed:
            self.pending.append((seconds, future))
            self.changed.notify_all()
        await future

    async def release(self, seconds: float, within: float = WAIT_S) -> None:
        """Let the oldest pending sleep of `seconds` end (waiting for one to begin)."""
        async with asyncio.timeout(within), self.changed:
            await self.changed.wait_for(lambda: any(s == seconds for s, _ in self.pending))
            entry = next(e for e in self.pending if e[0] == seconds)
            self.pending.remove(entry)
        entry[1].set_result(None)


@pytest_asyncio.fixture
async def demo(
    db: Database, settings: Settings, live_server: LiveServer
) -> AsyncIterator[tuple[Bridge, ManualSleep, DemoWorkspace]]:
    """The seeded demo workspace served live, its bridge started with a manual sleep. The
    server delivers the seed's webhooks at once: they wait in the socket's backlog until the
    bridge serves."""
    sock, webhook_url = bind_bridge_socket()
    workspace = await prepare_workspace(db, settings, webhook_url=webhook_url)
    sleep = ManualSleep()
    config = BridgeConfig(
        frontdesk_url=live_server.url,
        access_token=workspace.access_token,
        client_secret=workspace.client_secret,
        channel_id=workspace.channel_id,
        accounts=workspace.accounts,
        publish_every_s=PUBLISH_EVERY_S,
        read_after_s=READ_AFTER_S,
    )
    bridge = Bridge(config, sleep=sleep, rng=random.Random(4))
    assert await bridge.start(sock) == webhook_url
    yield bridge, sleep, workspace
    await bridge.stop()


async def acknowledged(bridge: Bridge, sleep: ManualSleep, message_id: str) -> None:
    """The bridge reports SENT, then (once its delay is released) READ."""
    await bridge.wait_until(lambda: (message_id, "SENT") in bridge.reported, within=WAIT_S)
    assert (message_id, "READ") not in bridge.reported
    await sleep.release(READ_AFTER_S)
    await bridge.wait_until(lambda: (message_id, "READ") in bridge.reported, within=WAIT_S)


async def status_of(client: httpx.AsyncClient, workspace: DemoWorkspace, message_id: str) -> Any:
    response = await client.get(
        f"/conversations/v3/custom-channels/{workspace.channel_id}/messages/{message_id}",
        headers=factories.bearer(workspace.access_token),
    )
    assert response.status_code == 200, response.text
    return response.json()["status"]["statusType"]


@pytest.mark.asyncio
async def test_the_bridge_publishes_and_acknowledges_an_agents_reply(
    db: Database, live_server: LiveServer, demo: tuple[Bridge, ManualSleep, DemoWorkspace]
) -> None:
    bridge, sleep, workspace = demo
    async with db.read() as uow:
        seeded_reply = await uow.scalar(select(Message.id).where(Message.status == "PENDING"))
        priya = await uow.scalar(select(Message.senders).where(Message.id == seeded_reply))
    # The reply the seed left to deliver goes out as soon as the server runs.
    await acknowledged(bridge, sleep, str(seeded_reply))

    publishing = asyncio.create_task(bridge.run())
    try:
        await sleep.release(PUBLISH_EVERY_S)
        await bridge.wait_until(lambda: len(bridge.published) == 1, within=WAIT_S)
    finally:
        publishing.cancel()
    published = bridge.published[0]
    thread_id = published["conversationsThreadId"]

    agent_id = int(priya[0]["actorId"].removeprefix("A-"))  # Priya sees both inboxes
    token = await factories.create_personal_token(db, user_id=agent_id)
    async with http_client(live_server.url) as client:
        history = await client.get(
            f"/conversations/v3/conversations/threads/{thread_id}/messages",
            headers=factories.bearer(token),
        )
        assert history.status_code == 200, history.text
        landed = next(m for m in history.json()["results"] if m["id"] == published["id"])
        assert landed["direction"] == "INCOMING"
        assert landed["senders"][0]["name"] in {c.name for c in script.CUSTOMERS.values()} | {
            c.name for c in script.NEW_CUSTOMERS
        }
        sent = await client.post(
            f"/conversations/v3/conversations/threads/{thread_id}/messages",
            headers=factories.bearer(token),
            json={
                "type": "MESSAGE",
                "text": "Thanks for writing, we're on it!",
                "richText": "<p>Thanks for writing, <b>we're on it</b>!</p>",
                "senderActorId": f"A-{agent_id}",
                "channelId": str(workspace.channel_id),
                "channelAccountId": published["channelAccountId"],
                "attachments": [],
            },
        )
        assert sent.status_code == 201, sent.text
        reply_id = sent.json()["id"]
        await bridge.wait_until(lambda: (reply_id, "SENT") in bridge.reported, within=WAIT_S)
        assert await status_of(client, workspace, reply_id) == "SENT"
        await acknowledged(bridge, sleep, reply_id)
        assert await status_of(client, workspace, reply_id) == "READ"
        assert await status_of(client, workspace, str(seeded_reply)) == "READ"
    assert bridge.refused == []  # every webhook Frontdesk signed passed the bridge's check


def signed(secret: str, url: str, body: bytes, now_ms: int) -> dict[str, str]:
    return signing.signed_headers(
        client_secret=secret,
        webhook_secrets=["whsec_" + "A" * 32],
        url=url,
        body=body,
        msg_id="evt-1",
        now_ms=now_ms,
    )


@pytest.mark.asyncio
async def test_the_bridge_refuses_webhooks_with_a_bad_or_stale_signature() -> None:
    clock = time.time()
    config = BridgeConfig(
        frontdesk_url="http://127.0.0.1:9",
        access_token="unused",
        client_secret="the-client-secret",
        channel_id=1,
        accounts=(),
    )
    bridge = Bridge(config, clock=lambda: clock)
    url = await bridge.start()
    body = b'{"type": "OUTGOING_CHANNEL_MESSAGE_CREATED", "eventId": "evt-1", "message": {}}'
    now_ms = int(clock * 1000)
    tampered_body = body.replace(b"evt-1", b"evt-2")
    cases = [
        (signed("another-secret", url, body, now_ms), body, "does not match"),
        (signed(config.client_secret, url, body, now_ms), tampered_body, "does not match"),
        (signed(config.client_secret, url, body, now_ms - 6 * 60_000), body, "5 minutes"),
        ({"Content-Type": "application/json"}, body, "no X-HubSpot-Signature-v3"),
    ]
    try:
        async with http_client(url) as client:
            for headers, content, reason in cases:
                response = await client.post(url, content=content, headers=headers)
                assert response.status_code == 401
                assert reason in response.text
    finally:
        await bridge.stop()
    assert len(bridge.refused) == len(cases)
    assert bridge.reported == []


def test_the_bridges_verifier_agrees_with_frontdesks_signer() -> None:
    url = "https://bridge.example/hooks/chatterbox%3Fv%3D1?token=a%2Cb%20c"
    body = '{"text": "ünïcödé"}'.encode()
    now_ms = 1_780_000_000_000
    headers = signed("s3cret", url, body, now_ms)
    assert headers["X-HubSpot-Signature-v3"] == v3_signature(
        "s3cret", method="POST", url=url, body=body, timestamp=str(now_ms)
    )
    assert signature_problem(
        "s3cret", method="POST", url=url, body=body, headers=headers, now_ms=now_ms + 1000
    ) is None  # fmt: skip
    assert signature_problem(
        "s3cret", method="POST", url=url + "&x=1", body=body, headers=headers, now_ms=now_ms
    ) == "the signature does not match"  # fmt: skip
