"""`frontdesk bench ingest`: publish throughput and latency against a real server.

Starts `frontdesk serve` (SQLite by default, or `--database-url`), registers an app, a channel
and an account, then drives `POST .../messages` with N connections: every request a new message
(unique idempotency id) spread over many threads and contacts. In the same run it measures
`GET /healthz` of the same server as the baseline. Uses wrk with a Lua script when installed,
otherwise a Python (aiohttp) generator, which takes a core of its own on a small machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from frontdesk.bench.harness import (
    LoadResult,
    Server,
    frontdesk_cli,
    have_wrk,
    http_json,
    peak_rss_mib,
    process_cpu_seconds,
    run_wrk,
    running_server,
)

CHANNEL_CAPABILITIES = {
    "deliveryIdentifierTypes": ["CHANNEL_SPECIFIC_OPAQUE_ID"],
    "threadingModel": "INTEGRATION_THREAD_ID",
    "allowOutgoingMessages": True,
}


@dataclass
class Target:
    publish_url: str
    token: str
    channel_account_id: str


def set_up(server: Server) -> Target:
    """An app, an inbox, a channel and one account, through the CLI and the API."""
    app = frontdesk_cli(server.env, "apps", "create", "--name", "bench bridge")
    inbox = frontdesk_cli(
        server.env, "inboxes", "create", "--name", f"bench {uuid.uuid4().hex[:6]}"
    )
    query = f"hapikey={app['developerApiKey']}&appId={app['appId']}"
    channel = http_json(
        "POST",
        f"{server.base_url}/conversations/v3/custom-channels?{query}",
        {"name": "Bench chat", "capabilities": CHANNEL_CAPABILITIES},
    )
    auth = {"Authorization": f"Bearer {app['accessToken']}"}
    account = http_json(
        "POST",
        f"{server.base_url}/conversations/v3/custom-channels/{channel['id']}/channel-accounts",
        {
            "inboxId": inbox["id"],
            "name": "Bench number",
            "authorized": True,
            "deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "business"},
        },
        auth,
    )
    return Target(
        f"{server.base_url}/conversations/v3/custom-channels/{channel['id']}/messages",
        app["accessToken"],
        account["id"],
    )


def message_body(account_id: str, run: str, n: int, threads: int, contacts: int) -> str:
    thread = n % threads
    contact = thread % contacts
    return json.dumps(
        {
            "text": f"Hello, this is message {n} about my order #{thread}",
            "messageDirection": "INCOMING",
            "channelAccountId": account_id,
            "integrationThreadId": f"thread-{thread}",
            "integrationIdempotencyId": f"{run}-{n}",
            "senders": [
                {
                    "name": f"Customer {contact}",
                    "deliveryIdentifier": {
                        "type": "CHANNEL_SPECIFIC_OPAQUE_ID",
                        "value": f"user-{contact}",
                    },
                }
            ],
            "recipients": [
                {"deliveryIdentifier": {"type": "CHANNEL_SPECIFIC_OPAQUE_ID", "value": "business"}}
            ],
            "attachments": [],
            "timestamp": "2026-03-01T10:00:00Z",
        }
    )


WRK_SCRIPT = """
local run = "%(run)s"
local account = "%(account)s"
local threads = %(threads)d
local contacts = %(contacts)d
local n = 0
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  -- `id` is the global that setup() gave this thread, so threads never repeat a key
  id = id or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer %(token)s"
end
function request()
  n = n + 1
  local seq = id * 100000000 + n
  local thread = seq %% threads
  local contact = thread %% contacts
  local body = string.format('{"text":"Hello, this is message %%d about my order #%%d",' ..
    '"messageDirection":"INCOMING","channelAccountId":"%%s","integrationThreadId":"thread-%%d",' ..
    '"integrationIdempotencyId":"%%s-%%d","senders":[{"name":"Customer %%d","deliveryIdentifier":' ..
    '{"type":"CHANNEL_SPECIFIC_OPAQUE_ID","value":"user-%%d"}}],"recipients":[{"deliveryIdentifier":' ..
    '{"type":"CHANNEL_SPECIFIC_OPAQUE_ID","value":"business"}}],"attachments":[],' ..
    '"timestamp":"2026-03-01T10:00:00Z"}', seq, thread, account, thread, run, seq, contact, contact)
  return wrk.format(nil, nil, nil, body)
end
"""


def wrk_publish(
    target: Target, *, connections: int, seconds: float, threads: int, contacts: int
) -> LoadResult:
    script = WRK_SCRIPT % {
        "run": uuid.uuid4().hex[:8],
        "account": target.channel_account_id,
        "threads": threads,
        "contacts": contacts,
        "token": target.token,
    }
    return run_wrk(target.publish_url, connections=connections, seconds=seconds, script=script)


async def _python_load(
    url: str,
    *,
    connections: int,
    seconds: float,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.monotonic() + seconds
    cpu_before = time.process_time()
    started = time.monotonic()

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors, counter
        while time.monotonic() < deadline:
            counter += 1
            t0 = time.perf_counter()
            if body is None:
                response = await session.get(url)
            else:
                response = await session.post(url, data=body(counter), headers=headers)
            await response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status >= 300:
                errors += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=latencies[len(latencies) // 2] if latencies else float("nan"),
        p99_ms=latencies[int(len(latencies) * 0.99)] if latencies else float("nan"),
        generator_cpu_s=time.process_time() - cpu_before,
        generator="python-aiohttp",
    )


def measure(
    server: Server, target: Target, *, connections: int, seconds: float, threads: int, contacts: int
) -> dict[str, Any]:
    """Warm up, then the publish run and the /healthz baseline run, with CPU and memory."""
    use_wrk = have_wrk()
    run = uuid.uuid4().hex[:8]

    def publish(duration: float) -> LoadResult:
        if use_wrk:
            return wrk_publish(
                target,
                connections=connections,
                seconds=duration,
                threads=threads,
                contacts=contacts,
            )
        headers = {"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
        return asyncio.run(
            _python_load(
                target.publish_url,
                connections=connections,
                seconds=duration,
                body=lambda n: message_body(target.channel_account_id, run, n, threads, contacts),
                headers=headers,
            )
        )

    def healthz(duration: float) -> LoadResult:
        url = f"{server.base_url}/healthz"
        if use_wrk:
            return run_wrk(url, connections=connections, seconds=duration)
        return asyncio.run(_python_load(url, connections=connections, seconds=duration))

    publish(min(2.0, seconds))  # warm-up: caches, first threads and contacts, the JIT-free path
    results: dict[str, Any] = {}
    for name, action in (("publish", publish), ("healthz", healthz)):
        cpu_before = process_cpu_seconds(server.pid)
        result = action(seconds)
        server_cpu = process_cpu_seconds(server.pid) - cpu_before
        results[name] = {
            **asdict(result),
            "rate": round(result.rate, 1),
            "server_cpu_share": round(server_cpu / result.seconds, 2),
            "generator_cpu_share": round(result.generator_cpu_s / result.seconds, 2),
        }
    results["ratio_to_healthz"] = round(results["publish"]["rate"] / results["healthz"]["rate"], 3)
    results["server_peak_rss_mib"] = round(peak_rss_mib(server.pid), 1)
    results["cores"] = os.cpu_count()
    return results


def run_ingest(
    *, database_url: str | None, connections: int, seconds: float, threads: int, contacts: int
) -> dict[str, Any]:
    with running_server(database_url) as server:
        target = set_up(server)
        results = measure(
            server,
            target,
            connections=connections,
            seconds=seconds,
            threads=threads,
            contacts=contacts,
        )
        results["stored_messages"] = _count_messages(server)
    results["database"] = "postgresql" if database_url else "sqlite"
    return results


def _count_messages(server: Server) -> int:
    """Messages the server stored: must equal the acknowledged publishes (warm-up included)."""
    from frontdesk.bench.dbcount import count_rows

    return count_rows(server.env, "messages")


def format_report(results: dict[str, Any]) -> str:
    pub, base = results["publish"], results["healthz"]
    return "\n".join(
        [
            f"frontdesk bench ingest ({results['database']}, {results['cores']} cores, "
            f"generator {pub['generator']})",
            f"  publish: {pub['rate']:.0f} messages/s, p50 {pub['p50_ms']:.2f} ms, "
            f"p99 {pub['p99_ms']:.2f} ms, {pub['requests']} requests, {pub['errors']} errors "
            f"({pub['error_detail'] or 'none'})",
            f"  healthz: {base['rate']:.0f} requests/s, p50 {base['p50_ms']:.2f} ms, "
            f"p99 {base['p99_ms']:.2f} ms",
            f"  ratio publish/healthz: {results['ratio_to_healthz']:.3f}",
            f"  server CPU share (cores): publish {pub['server_cpu_share']}, "
            f"healthz {base['server_cpu_share']}",
            f"  generator CPU share (cores): publish {pub['generator_cpu_share']}, "
            f"healthz {base['generator_cpu_share']}",
            f"  server peak RSS: {results['server_peak_rss_mib']} MiB",
            f"  messages stored: {results['stored_messages']}",
        ]
    )
