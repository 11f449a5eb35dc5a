"""`frontdesk bench inbox`: how fast agents see their inbox, on the corpus (issue 4).

1. Builds the corpus (`bench corpus`) in the data directory or database, or reuses it when the
   marker says it is there already, then starts `frontdesk serve` on it and signs the bench
   admin in through the web form (`GET /login` for the CSRF token and cookie, `POST /login`).
2. Render: `GET /inbox` (the open view) and `GET /inbox/threads/{id}` of the 200-message
   conversation, one request at a time after a warm-up; p50/p95/p99 of the wall time on
   loopback, and of the server's own `Server-Timing: app;dur=...` when it sends one.
3. Live (`live.py`): a signed-in Chromium on `/inbox?view=open` while a bridge publishes at
   200 messages/s; publish-to-visible p50/p95/p99 after an unmeasured warm-up at that rate
   (`live.WARMUP_S`). Those messages stay in the database: a
   reused corpus grows by each live run (the 200-message conversation is left alone).
"""

from __future__ import annotations

import asyncio
import http.client
import math
import os
import re
import shutil
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select

from frontdesk import bootstrap
from frontdesk.apps import service as app_service
from frontdesk.bench.corpus import CorpusInfo, corpus_summary, ensure_corpus
from frontdesk.bench.harness import percentile, running_server
from frontdesk.bench.live import Target
from frontdesk.config import Settings
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.conversations.models import Thread, ThreadKey
from frontdesk.core.db import Database, UnitOfWork

RENDER_TARGET_MS = 50.0
LIVE_TARGET_MS = 250.0
_CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)
_SERVER_TIMING = re.compile(r"\bapp;dur=([\d.]+)")


class BenchError(Exception):
    """The benchmark could not run (a one-line reason)."""


class WebClient:
    """Plain HTTP/1.1 keep-alive client with the session cookie: a browser's requests,
    without a browser's costs on the measurement."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def close(self) -> None:
        self.connection.close()


def sign_in(client: WebClient, *, email: str, password: str) -> str:
    """Sign in through the web form; the session cookie's value."""
    status, _, page = client.request("GET", "/login")
    match = _CSRF_INPUT.search(page.decode())
    if status != 200 or match is None:
        raise BenchError(f"GET /login answered {status} without a csrf_token field")
    token = match.group(1) or match.group(2)
    form = {"email": email, "password": password, "csrf_token": token, "next": "/inbox"}
    status, _, _ = client.request("POST", "/login", form)
    session = client.cookies.get("frontdesk_session")
    if status not in (302, 303) or not session:
        raise BenchError(f"POST /login answered {status} and set no frontdesk_session cookie")
    return session


@dataclass
class RenderResult:
    path: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_p50_ms: float | None
    server_p95_ms: float | None
    server_p99_ms: float | None
    bytes: int
    rows: int  # list rows (`data-thread-id`) on the page: what was rendered, not an error page
    messages: int  # messages (`data-message-id`)


def measure_render(client: WebClient, path: str, *, requests: int, warmup: int) -> RenderResult:
    """`requests` sequential GETs of `path` after `warmup` unmeasured ones."""
    wall: list[float] = []
    server: list[float] = []
    body = b""
    for n in range(warmup + requests):
        started = time.perf_counter()
        status, headers, body = client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
        if n < warmup:
            continue
        wall.append(elapsed)
        timing = _SERVER_TIMING.search(headers.get("server-timing", ""))
        if timing:
            server.append(float(timing.group(1)))

    def stat(values: list[float], share: float) -> float | None:
        return round(percentile(values, share), 2) if values else None

    return RenderResult(
        path=path,
        requests=requests,
        p50_ms=round(percentile(wall, 0.5), 2),
        p95_ms=round(percentile(wall, 0.95), 2),
        p99_ms=round(percentile(wall, 0.99), 2),
        server_p50_ms=stat(server, 0.5),
        server_p95_ms=stat(server, 0.95),
        server_p99_ms=stat(server, 0.99),
        bytes=len(body),
        rows=body.count(b"data-thread-id="),
        messages=body.count(b"data-message-id="),
    )


@dataclass(frozen=True)
class Prepared:
    info: CorpusInfo
    build_seconds: float | None  # None: the corpus was there already
    app_token: str
    targets: list[Target]


def prepare_corpus(settings: Settings, *, threads: int, messages: int, seed: int) -> Prepared:
    """The corpus in the database (built unless there), a new token of its app, and open
    chat conversations for the live run to write to."""

    async def run() -> Prepared:
        db = Database(settings.resolved_database_url(), pool_size=2)
        try:
            info, seconds = await ensure_corpus(
                db, threads=threads, messages=messages, seed=seed, files_dir=settings.files_dir
            )
            async with db.transaction() as uow:
                token = await app_service.create_token(
                    uow,
                    kind="app",
                    app_id=info.app_id,
                    scopes=list(app_service.DEFAULT_APP_SCOPES),
                    name="bench inbox",
                )
            async with db.read() as uow:
                targets = await open_chat_targets(uow, info=info)
            return Prepared(info, seconds, token, targets)
        finally:
            await db.dispose()

    return asyncio.run(run())


async def open_chat_targets(uow: UnitOfWork, *, info: CorpusInfo, limit: int = 500) -> list[Target]:
    """The most recently active open chat conversations: their key and their visitor."""
    rows = await uow.execute(
        select(
            Thread.channel_account_id,
            ThreadKey.key,
            ContactIdentity.value,
            Contact.name,
        )
        .join(ThreadKey, ThreadKey.thread_id == Thread.id)
        .join(Contact, Contact.id == Thread.contact_id)
        .join(
            ContactIdentity,
            and_(
                ContactIdentity.contact_id == Thread.contact_id,
                ContactIdentity.channel_scope == info.chat_channel_id,
            ),
        )
        .where(
            Thread.channel_id == info.chat_channel_id,
            Thread.status == "OPEN",
            Thread.id != info.conversation_thread_id,  # it keeps its 200 messages
            ThreadKey.key_kind == "INTEGRATION_THREAD_ID",
        )
        .order_by(Thread.latest_message_at.desc())
        .limit(limit)
    )
    return [Target(r.channel_account_id, r.key, r.value, r.name) for r in rows]


def run_inbox(
    *,
    data_dir: Path | None,
    database_url: str | None,
    threads: int,
    messages: int,
    seed: int,
    requests: int,
    warmup: int,
    live_seconds: float,
    live_rate: float,
) -> dict[str, Any]:
    temporary = data_dir is None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="frontdesk-bench-inbox-"))
    try:
        settings = bootstrap.prepare(
            Settings(data_dir=data_dir, database_url=database_url or "", _env_file=None)
        )
        prepared = prepare_corpus(settings, threads=threads, messages=messages, seed=seed)
        results: dict[str, Any] = {
            "database": "sqlite"
            if settings.resolved_database_url().startswith("sqlite")
            else "postgresql",
            "cores": os.cpu_count(),
            "corpus": corpus_summary(prepared.info, prepared.build_seconds),
            "corpusReused": prepared.build_seconds is None,
        }
        with running_server(database_url, data_dir=data_dir) as server:
            results.update(
                _measure(
                    server.base_url,
                    prepared,
                    requests=requests,
                    warmup=warmup,
                    live_seconds=live_seconds,
                    live_rate=live_rate,
                )
            )
        return results
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _measure(
    base_url: str,
    prepared: Prepared,
    *,
    requests: int,
    warmup: int,
    live_seconds: float,
    live_rate: float,
) -> dict[str, Any]:
    info = prepared.info
    client = WebClient(base_url)
    try:
        session = sign_in(client, email=info.bench_email, password=info.bench_password)
        inbox = measure_render(client, "/inbox", requests=requests, warmup=warmup)
        conversation = measure_render(
            client,
            f"/inbox/threads/{info.conversation_thread_id}",
            requests=requests,
            warmup=warmup,
        )
    finally:
        client.close()
    results: dict[str, Any] = {"inbox": inbox.__dict__, "conversation": conversation.__dict__}
    if live_seconds > 0:
        from frontdesk.bench import live

        results["live"] = live.run_live(
            base_url=base_url,
            session=session,
            info=info,
            app_token=prepared.app_token,
            targets=prepared.targets,
            seconds=live_seconds,
            rate=live_rate,
        )
    return results


def _verdict(value: float | None, target: float) -> str:
    if value is None or math.isnan(value):
        return "no data"
    return "meets" if value < target else "misses"


def format_report(results: dict[str, Any]) -> str:
    corpus = results["corpus"]
    built = (
        "reused"
        if results["corpusReused"]
        else f"built in {corpus.get('buildSeconds', float('nan')):.0f} s"
    )
    lines = [
        f"frontdesk bench inbox ({results['database']}, {results['cores']} cores)",
        f"  corpus: {corpus['threads']} threads, {corpus['messages']} messages ({built}); "
        f"200-message conversation: thread {corpus['conversationThreadId']}",
    ]
    for name in ("inbox", "conversation"):
        r = results[name]
        server = (
            f"; server (Server-Timing) p50 {r['server_p50_ms']} / p95 {r['server_p95_ms']} / "
            f"p99 {r['server_p99_ms']} ms"
            if r["server_p95_ms"] is not None
            else "; no Server-Timing header"
        )
        lines.append(
            f"  GET {r['path']}: p50 {r['p50_ms']} / p95 {r['p95_ms']} / p99 {r['p99_ms']} ms "
            f"over {r['requests']} requests ({r['bytes']} bytes, {r['rows']} list rows, "
            f"{r['messages']} messages){server} "
            f"[{_verdict(r['p95_ms'], RENDER_TARGET_MS)} p95 < {RENDER_TARGET_MS:g} ms]"
        )
    live = results.get("live")
    if live is not None:
        lines.append(
            f"  publish-to-visible at {live['rate']:g} msg/s for {live['seconds']:g} s: "
            f"p50 {live['p50_ms']} / p95 {live['p95_ms']} / p99 {live['p99_ms']} ms; "
            f"{live['seen']} of {live['published']} seen ({live['seen_in_list']} in the list, "
            f"{live['seen_in_conversation']} in the conversation, "
            f"{live['seen_through_newer']} through a newer message of their thread), "
            f"{live['publish_errors']} "
            f"publish errors, offered {live['offered_rate']} msg/s, publish answered in "
            f"p50 {live['publish_p50_ms']} / p95 {live['publish_p95_ms']} ms "
            f"[{_verdict(live['p95_ms'], LIVE_TARGET_MS)} p95 < {LIVE_TARGET_MS:g} ms]"
        )
        asked = ", ".join(f"{path} x{n}" for path, n in live["page_requests"].items())
        lines.append(f"  the page's requests meanwhile: {asked or 'none'}")
    return "\n".join(lines)
