"""`frontdesk serve` as a real process: SIGTERM ends open event streams at once (DESIGN 10)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.server import http_client, open_events

TOKEN_LINE = "API token (Authorization: Bearer): "


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def first_admin_token(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(30):
        while line := (await process.stdout.readline()).decode():
            if TOKEN_LINE in line:
                return line.split(TOKEN_LINE, 1)[1].strip()
    raise AssertionError("serve printed no admin token")


async def wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    async with http_client(url) as client:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            assert time.monotonic() < deadline, "serve did not come up"
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def frontdesk_serve(
    database_url: str, data_dir: Path, port: int
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "frontdesk", "serve", "--port", str(port)),
        *("--data-dir", str(data_dir), "--database-url", database_url, "--no-worker"),
        cwd=data_dir.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        token = await first_admin_token(process)
        yield process, token
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


@pytest.mark.asyncio
async def test_sigterm_ends_open_streams_and_the_process_promptly(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with frontdesk_serve(database_url, tmp_path / "data", port) as (process, token):
        await wait_healthy(url)
        async with open_events(url, token) as stream:
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            assert await stream.next_frame(within=5.0) is None  # the server ended it
        await asyncio.wait_for(process.wait(), 5)
        elapsed = time.monotonic() - started
    assert process.returncode in (0, -signal.SIGTERM)
    assert elapsed < 5  # uvicorn alone would wait for the stream: timeout_graceful_shutdown
