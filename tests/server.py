"""The `server` fixture: a real uvicorn on 127.0.0.1 (STYLE, Tests), and an SSE reader.

The server runs as a task in the test's own event loop, so the app shares the test's fresh
database (and its connections, which belong to that loop). One server per test: a fresh
database per test rules out sharing one across a module, and startup costs a few ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from fastapi import FastAPI

from frontdesk.realtime.server import Server

STARTUP_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
# How long a reader waits for a frame: a bound that only a hang should reach. CI on a loaded
# 2-core machine has stalled ordinary tests for 10 s, so it is well beyond that.
FRAME_WAIT_S = 30.0


class _TestServer(Server):
    """The production server class, without signal handlers (pytest keeps Ctrl+C) and
    exiting without waiting for uvicorn's 0.1 s tick."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        await self.on_tick(0)  # sets the default headers (Date, Server)
        await self._exit.wait()

    def request_exit(self) -> None:
        self.should_exit = True
        self._exit.set()


@dataclass
class LiveServer:
    url: str
    server: _TestServer
    task: asyncio.Task[None]
    startup_s: float

    async def stop(self, within: float = STOP_TIMEOUT_S) -> None:
        """Shut down as on SIGTERM; fails if that takes longer than `within` s."""
        self.server.request_exit()
        await asyncio.wait_for(asyncio.shield(self.task), within)


async def _wait_started(server: _TestServer, task: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if task.done():
            raise RuntimeError("the test server failed to start") from task.exception()
        if time.monotonic() > deadline:
            raise TimeoutError("the test server did not start in time")
        await asyncio.sleep(0.001)


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[LiveServer]:
    """Serve `app` (lifespan on) on a free port of 127.0.0.1 until the block ends."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_level="warning",
        log_config=None,  # leave the logging configuration to pytest
        access_log=False,
    )
    server = _TestServer(config)
    started = time.perf_counter()
    task = asyncio.create_task(server.serve(), name="test-uvicorn")
    try:
        await _wait_started(server, task)
    except BaseException:
        task.cancel()
        raise
    port = server.servers[0].sockets[0].getsockname()[1]
    live = LiveServer(f"http://127.0.0.1:{port}", server, task, time.perf_counter() - started)
    try:
        yield live
    finally:
        if not task.done():
            await live.stop()
        await task


@pytest_asyncio.fixture
async def live_server(app: FastAPI) -> AsyncIterator[LiveServer]:
    """The test's app served by a real uvicorn on 127.0.0.1, with control over its life."""
    async with serve(app) as live:
        yield live


@pytest_asyncio.fixture
async def server(live_server: LiveServer) -> str:
    """The base URL of the test's app served by a real uvicorn on 127.0.0.1."""
    return live_server.url


@dataclass
class Frame:
    """One Server-Sent Events frame as sent (`raw`) and parsed."""

    raw: bytes
    fields: dict[str, str] = field(default_factory=dict)
    comment: str | None = None

    @property
    def id(self) -> int:
        return int(self.fields["id"])

    @property
    def event(self) -> str | None:
        return self.fields.get("event")

    def json(self) -> Any:
        return json.loads(self.fields["data"])


def parse_frame(raw: bytes) -> Frame:
    frame = Frame(raw=raw)
    for line in raw.decode().split("\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name:
            frame.fields[name] = value
        else:
            frame.comment = value
    return frame


class EventStreamReader:
    """Reads the frames of an open `text/event-stream` response, each wait bounded."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.aiter_bytes()
        self._buffer = b""

    async def next_frame(self, within: float = FRAME_WAIT_S) -> Frame | None:
        """The next frame, comments included; None when the server ended the stream."""
        async with asyncio.timeout(within):
            while b"\n\n" not in self._buffer:
                try:
                    self._buffer += await anext(self._chunks)
                except StopAsyncIteration:
                    return None
        raw, _, self._buffer = self._buffer.partition(b"\n\n")
        return parse_frame(raw + b"\n\n")

    async def next_event(self, within: float = FRAME_WAIT_S) -> Frame:
        """The next frame that is not a comment (heartbeat, ready)."""
        async with asyncio.timeout(within):
            while True:
                frame = await self.next_frame(within)
                assert frame is not None, "the stream ended"
                if frame.comment is None:
                    return frame

    async def events(self, count: int, within: float = FRAME_WAIT_S) -> list[Frame]:
        async with asyncio.timeout(within):
            return [await self.next_event(within) for _ in range(count)]

    async def wait_ready(self, within: float = FRAME_WAIT_S) -> None:
        """Wait for the comment that says the stream's start is fixed."""
        frame = await self.next_frame(within)
        assert frame is not None
        assert frame.comment == "ready", frame


def http_client(base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client for a test server. It speaks plain HTTP to 127.0.0.1, so it skips
    loading the CA bundle (about 100 ms per client)."""
    return httpx.AsyncClient(base_url=base_url, verify=False, **kwargs)  # noqa: S501


@contextlib.asynccontextmanager
async def open_events(
    base_url: str,
    token: str,
    *,
    last_event_id: int | str | None = None,
    query: str = "",
    ready: bool = True,
) -> AsyncIterator[EventStreamReader]:
    """GET /frontdesk/v1/events with a bearer token; waits for the ready comment."""
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with (
        http_client(base_url, timeout=httpx.Timeout(10.0, read=None)) as client,
        client.stream("GET", "/frontdesk/v1/events" + query, headers=headers) as response,
    ):
        reader = EventStreamReader(response)
        if ready:
            assert response.status_code == 200, await response.aread()
            await reader.wait_ready()
        yield reader
