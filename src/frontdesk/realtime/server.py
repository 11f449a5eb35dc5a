"""uvicorn's server, ending the event streams first when it shuts down (DESIGN 10).

uvicorn waits for every open response to finish before it runs the lifespan shutdown, so a
stream waiting for events would hold a graceful shutdown until `timeout_graceful_shutdown`
(for ever without one). This server stops the hub first, which ends every stream at once.
"""

from __future__ import annotations

import socket

import uvicorn

from frontdesk.realtime.hub import EventHub


class Server(uvicorn.Server):
    """Use as `Server(uvicorn.Config(app, ...)).run()`; finds the hub on `app.state.hub`."""

    def __init__(self, config: uvicorn.Config, *, hub: EventHub | None = None) -> None:
        super().__init__(config)
        state = getattr(config.app, "state", None)
        self.hub = hub if hub is not None else getattr(state, "hub", None)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.hub is not None:
            await self.hub.stop()
        await super().shutdown(sockets)
