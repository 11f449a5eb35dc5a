"""`frontdesk bench deliver`: how fast agent replies reach a bridge, and how fast a backlog
drains after the bridge was down.

1. Latency: replies are sent through the API at a steady rate (open loop, `--rate`) while a
   local receiver (its own process) notes when each arrives; reported: p50/p99 from the API call
   to the receiver and from the API's answer (the commit) to the receiver.
   Throughput: a closed-loop generator with `--connections` callers; reported: replies/s the
   API took and deliveries/s that reached the receiver over the same run.
2. Backlog: the receiver stops, N replies are queued, the receiver comes back; reported: the
   drain rate (deliveries/s from the first to the last arrival) and the time to the first.

SQLite runs one `frontdesk serve` with its in-process worker; with `--database-url` (PostgreSQL)
the server runs `--no-worker` beside `--workers` `frontdesk worker` processes.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from typing import Any

import aiohttp

from frontdesk.bench.harness import (
    free_port,
    frontdesk_cli,
    http_json,
    process_cpu_seconds,
    running_server,
)

FAST_RETRIES = {
    "FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "true",
    "FRONTDESK_DELIVERY_RETRY_BASE_S": "0.05",
    "FRONTDESK_DELIVERY_RETRY_CAP_S": "1",
    "FRONTDESK_DELIVERY_BREAKER_PAUSE_S": "0.25",
    "FRONTDESK_DELIVERY_MAX_ATTEMPTS": "1000",
}


class Receiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.cpu_s = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.bench.receiver", "--port", str(self.port)]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.stats()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.cpu_s += process_cpu_seconds(self.process.pid)
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def stats(self, since: int = 0) -> dict[str, Any]:
        result: dict[str, Any] = http_json("GET", f"{self.url_base}/stats?since={since}")
        return result

    @property
    def url_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def set_up(base_url: str, env: dict[str, str], webhook_url: str, threads: int) -> dict[str, Any]:
    app = frontdesk_cli(env, "apps", "create", "--name", "bench bridge")
    inbox = frontdesk_cli(env, "inboxes", "create", "--name", f"bench {uuid.uuid4().hex[:6]}")
    query = f"hapikey={app['developerApiKey']}&appId={app['appId']}"
    channel = http_json(
        "POST",
        f"{base_url}/conversations/v3/custom-channels?{query}",
        {
            "name": "Bench chat",
            "webhookUrl": webhook_url,
            "capabilities": {"deliveryIdentifierTypes": ["CHANNEL_SPECIFIC_OPAQUE_ID"]},
        },
    )
    auth = {"Authorization": f"Bearer {app['accessToken']}"}
    base = f"{base_url}/conversations/v3/custom-channels/{channel['id']}"
    account = http_json(
        "POST",
        f"{base}/channel-accounts",
        {"inboxId": inbox["id"], "name": "Bench number", "authorized": True},
        auth,
    )
    thread_ids = []
    for n in range(threads):
        message = http_json(
            "POST",
            f"{base}/messages",
            {
                "text": f"Hello {n}",
                "messageDirection": "INCOMING",
                "channelAccountId": account["id"],
                "integrationThreadId": f"bench-{n}",
                "senders": [
                    {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": f"u{n}"}}
                ],
                "recipients": [
                    {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "biz"}}
                ],
                "attachments": [],
                "timestamp": "2026-03-01T10:00:00Z",
            },
            auth,
        )
        thread_ids.append(message["conversationsThreadId"])
    return {
        "auth": auth,
        "channel_id": channel["id"],
        "account_id": account["id"],
        "thread_ids": thread_ids,
    }


Sent = dict[str, tuple[float, float]]  # message id -> (before the call, after the answer)


async def _reply(
    session: aiohttp.ClientSession, base_url: str, world: dict[str, Any], n: int, sent: Sent
) -> None:
    thread_id = world["thread_ids"][n * 7919 % len(world["thread_ids"])]
    body = {
        "type": "MESSAGE",
        "text": f"Reply {n}",
        "senderActorId": "A-1",
        "channelId": world["channel_id"],
        "channelAccountId": world["account_id"],
        "recipients": [],
        "attachments": [],
    }
    before = time.time()
    async with session.post(
        f"{base_url}/conversations/v3/conversations/threads/{thread_id}/messages",
        json=body,
        headers=world["auth"],
    ) as response:
        answer = await response.json()
    if response.status == 201:
        sent[answer["id"]] = (before, time.time())


async def send_replies(
    base_url: str,
    world: dict[str, Any],
    *,
    connections: int,
    seconds: float | None = None,
    total: int | None = None,
) -> tuple[Sent, float, float]:
    """Closed-loop replies; returns what was sent, wall seconds and the generator's CPU."""
    sent: Sent = {}
    counter = 0
    started = time.monotonic()
    cpu_before = time.process_time()

    def more() -> bool:
        if total is not None:
            return counter < total
        return time.monotonic() - started < (seconds or 0)

    async def loop(session: aiohttp.ClientSession) -> None:
        nonlocal counter
        while more():
            counter += 1
            await _reply(session, base_url, world, counter, sent)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        await asyncio.gather(*(loop(session) for _ in range(connections)))
    return sent, time.monotonic() - started, time.process_time() - cpu_before


async def send_at_rate(
    base_url: str, world: dict[str, Any], *, rate: float, seconds: float
) -> tuple[Sent, float, float]:
    """Open-loop replies at a steady rate (each on schedule, whatever the answers take)."""
    sent: Sent = {}
    cpu_before = time.process_time()
    started = time.monotonic()
    tasks = []
    async with aiohttp.ClientSession() as session:
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_reply(session, base_url, world, n, sent)))
        await asyncio.gather(*tasks)
    return sent, time.monotonic() - started, time.process_time() - cpu_before


def wait_for_arrivals(
    receiver: Receiver, expected: set[str], deadline_s: float
) -> dict[str, tuple[float, float]]:
    """{message id: (arrival, job created)} of the first delivery of each expected reply."""
    arrivals: dict[str, tuple[float, float]] = {}
    seen = 0
    deadline = time.monotonic() + deadline_s
    while not expected.issubset(arrivals):
        if time.monotonic() > deadline:
            break
        stats = receiver.stats(since=seen)
        seen = stats["count"]
        for message_id, at, created in stats["arrivals"]:
            arrivals.setdefault(message_id, (at, created))
        time.sleep(0.05)
    return {m: times for m, times in arrivals.items() if m in expected}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def start_workers(env: dict[str, str], count: int, stack: ExitStack) -> list[int]:
    pids = []
    for _ in range(count):
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", "worker"], env=env, stdout=subprocess.DEVNULL
        )
        stack.callback(_terminate, process)
        pids.append(process.pid)
    return pids


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def run_deliver(
    *,
    database_url: str | None,
    connections: int,
    rate: float,
    seconds: float,
    backlog: int,
    threads: int,
    workers: int,
) -> dict[str, Any]:
    receiver = Receiver(free_port())
    webhook_url = f"{receiver.url_base}/webhook"
    extra_env = dict(FAST_RETRIES)
    serve_args = ["--no-worker"] if database_url else []
    results: dict[str, Any] = {"database": "postgresql" if database_url else "sqlite"}
    with (
        ExitStack() as stack,
        running_server(database_url, extra_env=extra_env, serve_args=serve_args) as server,
    ):
        worker_pids = start_workers(server.env, workers, stack) if database_url else []
        results["workers"] = workers if database_url else "in-process"
        receiver.start()
        stack.callback(receiver.stop)
        world = set_up(server.base_url, server.env, webhook_url, threads)
        pids = [server.pid, *worker_pids]
        cpu_before = sum(process_cpu_seconds(p) for p in pids)

        # 1a. Latency at a steady rate.
        assert receiver.process is not None
        receiver_cpu = process_cpu_seconds(receiver.process.pid)
        sent, wall, generator_cpu = asyncio.run(
            send_at_rate(server.base_url, world, rate=rate, seconds=seconds)
        )
        arrivals = wait_for_arrivals(receiver, set(sent), deadline_s=120)
        from_call = [(arrivals[m][0] - sent[m][0]) * 1000 for m in arrivals]
        # The job row is written just before the commit; its time travels in eventTimestamp.
        # (The API's answer can reach the caller after the delivery, so it is no clock.)
        from_commit = [(at - created) * 1000 for at, created in arrivals.values()]
        results["latency"] = {
            "rate_per_s": rate,
            "replies": len(sent),
            "delivered": len(arrivals),
            "call_to_receiver_p50_ms": round(statistics.median(from_call), 2),
            "call_to_receiver_p99_ms": round(percentile(from_call, 0.99), 2),
            "commit_to_receiver_p50_ms": round(statistics.median(from_commit), 2),
            "commit_to_receiver_p99_ms": round(percentile(from_commit, 0.99), 2),
            "generator_cpu_share": round(generator_cpu / wall, 2),
            "receiver_cpu_share": round(
                (process_cpu_seconds(receiver.process.pid) - receiver_cpu) / wall, 2
            ),
            "server_cpu_share": round(
                (sum(process_cpu_seconds(p) for p in pids) - cpu_before) / wall, 2
            ),
        }

        # 1b. Throughput: as many replies as the callers can send.
        receiver_cpu = process_cpu_seconds(receiver.process.pid)
        cpu_before = sum(process_cpu_seconds(p) for p in pids)
        started = time.time()
        sent, wall, generator_cpu = asyncio.run(
            send_replies(server.base_url, world, connections=connections, seconds=seconds)
        )
        arrivals = wait_for_arrivals(receiver, set(sent), deadline_s=300)
        delivered_in = max(a for a, _ in arrivals.values()) - started
        results["throughput"] = {
            "connections": connections,
            "replies": len(sent),
            "delivered": len(arrivals),
            "replies_per_s": round(len(sent) / wall, 1),
            "delivered_per_s": round(len(arrivals) / delivered_in, 1),
            "generator_cpu_share": round(generator_cpu / wall, 2),
            "receiver_cpu_share": round(
                (process_cpu_seconds(receiver.process.pid) - receiver_cpu) / delivered_in, 2
            ),
            "server_cpu_share": round(
                (sum(process_cpu_seconds(p) for p in pids) - cpu_before) / delivered_in, 2
            ),
        }

        # 2. Outage, backlog, recovery.
        receiver.stop()
        queued, queue_wall, _ = asyncio.run(
            send_replies(server.base_url, world, connections=16, total=backlog)
        )
        receiver.start()
        back_up = time.time()
        cpu_before = sum(process_cpu_seconds(p) for p in pids)
        arrivals = wait_for_arrivals(receiver, set(queued), deadline_s=600)
        first = min(a for a, _ in arrivals.values())
        last = max(a for a, _ in arrivals.values())
        drain_s = max(last - first, 1e-6)
        results["backlog"] = {
            "jobs": len(queued),
            "delivered": len(arrivals),
            "queued_in_s": round(queue_wall, 1),
            "first_delivery_after_recovery_s": round(first - back_up, 2),
            "drain_s": round(drain_s, 2),
            "drain_per_s": round(len(arrivals) / drain_s, 1),
            "server_and_workers_cpu_share": round(
                (sum(process_cpu_seconds(p) for p in pids) - cpu_before) / (last - back_up), 2
            ),
        }
    results["cores"] = os.cpu_count()
    return results


def format_report(results: dict[str, Any]) -> str:
    live, peak, backlog = results["latency"], results["throughput"], results["backlog"]
    return "\n".join(
        [
            f"frontdesk bench deliver ({results['database']}, workers: {results['workers']}, "
            f"{results['cores']} cores)",
            f"  latency at {live['rate_per_s']} replies/s ({live['replies']} sent, "
            f"{live['delivered']} delivered):",
            f"    API call -> receiver: p50 {live['call_to_receiver_p50_ms']} ms, "
            f"p99 {live['call_to_receiver_p99_ms']} ms",
            f"    commit -> receiver:   p50 {live['commit_to_receiver_p50_ms']} ms, "
            f"p99 {live['commit_to_receiver_p99_ms']} ms",
            f"    CPU share (cores): generator {live['generator_cpu_share']}, receiver "
            f"{live['receiver_cpu_share']}, server {live['server_cpu_share']}",
            f"  throughput with {peak['connections']} callers: {peak['replies_per_s']} replies/s "
            f"accepted, {peak['delivered_per_s']} deliveries/s ({peak['delivered']} of "
            f"{peak['replies']})",
            f"    CPU share (cores): generator {peak['generator_cpu_share']}, receiver "
            f"{peak['receiver_cpu_share']}, server {peak['server_cpu_share']}",
            f"  backlog: {backlog['jobs']} jobs queued during the outage, "
            f"{backlog['delivered']} delivered",
            f"    drain: {backlog['drain_per_s']} deliveries/s over {backlog['drain_s']} s; "
            f"first delivery {backlog['first_delivery_after_recovery_s']} s after recovery",
        ]
    )
