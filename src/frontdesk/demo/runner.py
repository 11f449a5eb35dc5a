"""`frontdesk demo`: the demo's settings, the bridge's socket, and the server with the bridge
beside it.

The bridge runs as an asyncio task in the server's process rather than as a subprocess: one
command and one Ctrl+C start and stop both, its log lines interleave with the server's, and
it starts publishing only once the server listens. It shares nothing with the server but the
event loop: it reaches Frontdesk over HTTP with its own client and token, and receives
webhooks on its own socket, so it would work unchanged as a separate process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from typing import Protocol

from frontdesk.config import Settings
from frontdesk.demo.bridge import Bridge, BridgeConfig
from frontdesk.demo.seed import DemoWorkspace

START_POLL_S = 0.05


class ServerLike(Protocol):
    """What the demo needs of uvicorn's server."""

    started: bool

    async def serve(self) -> None: ...


def demo_settings(settings: Settings) -> Settings:
    """The settings of a demo process."""
    # The simulated bridge listens on 127.0.0.1, and deliveries to loopback or private
    # addresses are refused unless this is on (the SSRF guard, DESIGN 5). A real bridge on a
    # public address needs no such exception.
    return settings.model_copy(update={"webhook_allow_private": True})


def bind_bridge_socket() -> tuple[socket.socket, str]:
    """A socket on a free port of 127.0.0.1 for the bridge's webhooks, and its URL: bound
    first, so the channel's webhook URL is known when the workspace is prepared."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    # Listening at once: a delivery that comes before the bridge serves (from a worker
    # already running on this database) waits in the backlog instead of being refused.
    sock.listen(128)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/webhook"


def frontdesk_url(settings: Settings) -> str:
    """Where the bridge, on this machine, reaches the server."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  (a wildcard to listen on, not to call)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def bridge_config(settings: Settings, workspace: DemoWorkspace) -> BridgeConfig:
    return BridgeConfig(
        frontdesk_url=frontdesk_url(settings),
        access_token=workspace.access_token,
        client_secret=workspace.client_secret,
        channel_id=workspace.channel_id,
        accounts=workspace.accounts,
        publish_every_s=settings.demo_publish_every_s,
    )


def log_bridge_lines() -> None:
    """Print the bridge's log lines on stdout, one line each, beside uvicorn's."""
    logger = logging.getLogger("frontdesk.demo")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(levelname)-9s bridge: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


async def run(server: ServerLike, bridge: Bridge, sock: socket.socket) -> None:
    """Serve until the server stops (Ctrl+C), the bridge publishing once the server listens."""
    await bridge.start(sock)
    serving = asyncio.create_task(server.serve())
    publishing: asyncio.Task[None] | None = None
    try:
        # uvicorn has no start-up callback: its `started` flag is the only signal.
        while not server.started and not serving.done():  # noqa: ASYNC110
            await asyncio.sleep(START_POLL_S)
        if server.started:
            publishing = asyncio.create_task(bridge.run())
        await serving
    finally:
        if publishing is not None:
            publishing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publishing
        await bridge.stop()
