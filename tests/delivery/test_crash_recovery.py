"""Process test (issue 3): 200 replies queued while the bridge is down, the server killed with
SIGKILL in the middle of delivering them, restarted: every reply arrives, duplicates only as
repeats of one webhook-id, and all end SENT after the bridge's PATCH."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from frontdesk.bench.harness import free_port, wait_until_ready
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.jobs import JobAttempt
from frontdesk.messages.models import Message
from tests.receiver import Behaviour, Receiver

REPLIES = 200
THREADS = 20


class ServerProcess:
    """`frontdesk serve` as a child process on one data directory and database."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "frontdesk", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, self.process)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def server(settings: Settings, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp_path / "server-data"),
        "FRONTDESK_DATABASE_URL": database_url,
        "FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "true",
        "FRONTDESK_DELIVERY_TIMEOUT_S": "2",
        "FRONTDESK_DELIVERY_RETRY_BASE_S": "0.05",
        "FRONTDESK_DELIVERY_RETRY_CAP_S": "0.5",
        "FRONTDESK_DELIVERY_BREAKER_PAUSE_S": "0.2",
        "FRONTDESK_DELIVERY_MAX_ATTEMPTS": "1000",
    }
    process = ServerProcess(env, free_port(), tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


def cli(server: ServerProcess, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "frontdesk", *args, "--json"],
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


async def set_up(server: ServerProcess, http: httpx.AsyncClient, webhook_url: str) -> Any:
    """An app, an inbox, a channel pointing at the (down) receiver, threads to reply on."""
    app = cli(server, "apps", "create", "--name", "Bridge")
    inbox = cli(server, "inboxes", "create", "--name", "Chat")
    query = {"hapikey": app["developerApiKey"], "appId": app["appId"]}
    channel = await http.post(
        "/conversations/v3/custom-channels",
        params=query,
        json={
            "name": "Chat",
            "webhookUrl": webhook_url,
            "capabilities": {"deliveryIdentifierTypes": ["CHANNEL_SPECIFIC_OPAQUE_ID"]},
        },
    )
    channel_id = channel.json()["id"]
    auth = {"Authorization": f"Bearer {app['accessToken']}"}
    base = f"/conversations/v3/custom-channels/{channel_id}"
    account = await http.post(
        f"{base}/channel-accounts",
        json={"inboxId": inbox["id"], "name": "Main", "authorized": True},
        headers=auth,
    )
    thread_ids = []
    for n in range(THREADS):
        published = await http.post(
            f"{base}/messages",
            headers=auth,
            json={
                "text": f"hello {n}",
                "messageDirection": "INCOMING",
                "channelAccountId": account.json()["id"],
                "integrationThreadId": f"chat-{n}",
                "senders": [
                    {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": f"u{n}"}}
                ],
                "recipients": [
                    {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "biz"}}
                ],
                "attachments": [],
                "timestamp": "2026-03-01T10:00:00Z",
            },
        )
        assert published.status_code == 201, published.text
        thread_ids.append(published.json()["conversationsThreadId"])
    return app, channel_id, account.json()["id"], auth, thread_ids


async def count(db: Database, statement: Any) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(statement))


@pytest.mark.asyncio
async def test_every_reply_survives_a_kill_and_reaches_the_bridge(
    server: ServerProcess, db: Database
) -> None:
    receiver_port = free_port()
    receiver = Receiver()
    webhook_url = f"http://127.0.0.1:{receiver_port}/webhook"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        app, channel_id, account_id, auth, thread_ids = await set_up(server, http, webhook_url)

        async def reply(n: int) -> str:
            thread_id = thread_ids[n % THREADS]
            response = await http.post(
                f"/conversations/v3/conversations/threads/{thread_id}/messages",
                headers=auth,
                json={
                    "type": "MESSAGE",
                    "text": f"reply {n}",
                    "senderActorId": "A-1",
                    "channelId": channel_id,
                    "channelAccountId": account_id,
                    "recipients": [],
                    "attachments": [],
                },
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        message_ids = set(await asyncio.gather(*(reply(n) for n in range(REPLIES))))
        assert len(message_ids) == REPLIES

        # The bridge is down: attempts fail with refused connections, are retried, and trip
        # the circuit breaker (which then lets a probe through now and then).
        deadline = time.monotonic() + 30
        while await count(db, select(func.count()).select_from(JobAttempt)) < 5:
            assert time.monotonic() < deadline, "no delivery attempts were made"
            await asyncio.sleep(0.05)

        # The bridge comes up, slowly; the server is killed while deliveries are in flight.
        receiver.client_secret = app["clientSecret"]
        receiver.script = [Behaviour(delay_s=0.02) for _ in range(REPLIES * 2)]
        await receiver.start(receiver_port)
        try:
            await receiver.wait_for(REPLIES // 4, deadline_s=60)
            server.kill()
            server.start()
            delivered: dict[str, set[str]] = {}
            deadline = time.monotonic() + 120
            while len(delivered) < REPLIES:
                assert time.monotonic() < deadline, f"only {len(delivered)} replies arrived"
                await receiver.wait_for(len(receiver.received) + 1, deadline_s=60)
                for record in receiver.received:
                    if record.body["type"] != "OUTGOING_CHANNEL_MESSAGE_CREATED":
                        continue  # the CHANNEL_ACCOUNT_CREATED of the set-up
                    delivered.setdefault(record.body["message"]["id"], set()).add(
                        record.headers["webhook-id"]
                    )
        finally:
            await receiver.stop()

        assert set(delivered) == message_ids
        # A repeat is always the same event: the receiver can de-duplicate by webhook-id.
        assert all(len(ids) == 1 for ids in delivered.values())
        assert all(r.v3_ok for r in receiver.received)

        for message_id in message_ids:
            patched = await http.patch(
                f"/conversations/v3/custom-channels/{channel_id}/messages/{message_id}",
                json={"statusType": "SENT"},
                headers=auth,
            )
            assert patched.status_code == 200
    sent = await count(
        db,
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "OUTGOING", Message.status == "SENT"),
    )
    assert sent == REPLIES
