"""A webhook receiver for `bench deliver`, run as its own process so its CPU is measured apart.

`python -m frontdesk.bench.receiver --port P` accepts POSTs, notes the arrival time of every
message id, and answers `GET /stats` with the arrivals so far (`?since=` to page).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

# (message id, arrival time, the job's creation time from the payload's eventTimestamp)
_arrivals: list[tuple[str, float, float]] = []


async def _receive(request: web.Request) -> web.Response:
    body: Any = orjson.loads(await request.read())
    if isinstance(body, dict) and body.get("type") == "OUTGOING_CHANNEL_MESSAGE_CREATED":
        created = datetime.fromisoformat(body["eventTimestamp"].replace("Z", "+00:00"))
        _arrivals.append((body["message"]["id"], time.time(), created.timestamp()))
    return web.Response(status=204)


async def _stats(request: web.Request) -> web.Response:
    since = int(request.query.get("since", "0"))
    return web.Response(
        body=orjson.dumps({"count": len(_arrivals), "arrivals": _arrivals[since:]}),
        content_type="application/json",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.router.add_post("/webhook", _receive)
    app.router.add_get("/stats", _stats)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
