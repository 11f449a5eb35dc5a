"""A test bridge's connection page (issue 5), served on 127.0.0.1 by a real uvicorn.

Frontdesk opens `GET /connect?accountToken=…&portalId=…&channelId=…&inboxId=…` in a pop-up.
The page shows the external account to connect; its button posts to the bridge's own server,
which completes the staging token on Frontdesk server-to-server with the app's token (the way
real bridges do it: the app token never reaches a browser, and no CORS is involved), then the
page closes itself.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from tests.server import serve

V3 = "/conversations/v3/custom-channels"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect to Chatterbox</title></head>
<body>
<h1>Connect a Chatterbox number</h1>
<p>Portal <span id="portal">{portal}</span>, inbox <span id="inbox">{inbox}</span></p>
<label>Number <input id="number" value="{number}"></label>
<label>Name <input id="name" value="{name}"></label>
<button id="connect" type="button">Connect this number</button>
<p id="result" role="status"></p>
<script>
const params = new URLSearchParams(location.search);
document.getElementById("connect").addEventListener("click", async () => {{
  const response = await fetch("/complete", {{
    method: "POST",
    headers: {{ "Content-Type": "application/json" }},
    body: JSON.stringify({{
      accountToken: params.get("accountToken"),
      channelId: params.get("channelId"),
      number: document.getElementById("number").value,
      name: document.getElementById("name").value,
    }}),
  }});
  const data = await response.json();
  document.getElementById("result").textContent = response.ok ? "Connected" : data.message;
  if (response.ok) window.close();
}});
</script>
</body></html>
"""


@dataclass
class ConnectBridge:
    """The bridge's server: its URL, and what it completed (Frontdesk's answers)."""

    url: str
    completed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def connection_url(self) -> str:
        return f"{self.url}/connect"


def bridge_app(
    bridge: ConnectBridge, *, frontdesk_url: str, app_token: str, number: str
) -> FastAPI:
    app = FastAPI()

    @app.get("/connect")
    async def connect(request: Request) -> HTMLResponse:
        query = request.query_params
        page = _PAGE.format(
            portal=html.escape(query.get("portalId", "")),
            inbox=html.escape(query.get("inboxId", "")),
            number=html.escape(number),
            name="Sales line",
        )
        return HTMLResponse(page)

    @app.post("/complete")
    async def complete(request: Request) -> JSONResponse:
        body = await request.json()
        async with httpx.AsyncClient(base_url=frontdesk_url) as frontdesk:
            response = await frontdesk.patch(
                f"{V3}/{body['channelId']}/channel-account-staging-tokens/{body['accountToken']}",
                json={
                    "accountName": body["name"],
                    "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": body["number"]},
                },
                headers={"Authorization": f"Bearer {app_token}"},
            )
        answer = response.json()
        if response.status_code == 200:
            bridge.completed.append(answer)
        return JSONResponse(answer, status_code=response.status_code)

    return app


@contextlib.asynccontextmanager
async def serve_bridge(
    *, frontdesk_url: str, app_token: str, number: str
) -> AsyncIterator[ConnectBridge]:
    """The bridge's server on a free port of 127.0.0.1 until the block ends."""
    bridge = ConnectBridge(url="")
    app = bridge_app(bridge, frontdesk_url=frontdesk_url, app_token=app_token, number=number)
    async with serve(app) as live:
        bridge.url = live.url
        yield bridge
