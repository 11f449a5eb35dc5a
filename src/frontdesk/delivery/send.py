"""One signed POST and what it means for the job: the shared step of every webhook kind."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import orjson

from frontdesk.apps.service import SigningSecrets
from frontdesk.core import http
from frontdesk.core.runner import Outcome
from frontdesk.delivery import signing

# Permanent failures (HubSpot's rule for its own webhooks, reference 6.5): the receiver
# said the request itself is wrong; repeating it cannot help.
_RETRYABLE_4XX = {408, 425, 429}


def encode(payload: Any) -> bytes:
    return orjson.dumps(payload)


async def post_signed(
    session: aiohttp.ClientSession,
    *,
    url: str,
    body: bytes,
    secrets: SigningSecrets,
    event_id: str,
    timeout_s: float,
    allow_private: bool,
) -> Outcome:
    """POST `body` to `url` signed with the app's secrets; classify the answer."""
    headers = signing.signed_headers(
        client_secret=secrets.client_secret,
        webhook_secrets=secrets.webhook_secrets,
        url=url,
        body=body,
        msg_id=event_id,
        now_ms=int(time.time() * 1000),
    )
    try:
        result = await http.post(
            session, url, body=body, headers=headers, timeout_s=timeout_s,
            allow_private=allow_private,
        )  # fmt: skip
    except http.BlockedAddress as exc:
        return Outcome.dead(f"Refused: {exc} (private-network targets are not allowed)")
    except TimeoutError:
        return Outcome.retry(f"No answer within {timeout_s:g} s")
    except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
        return Outcome.retry(f"Connection failed: {type(exc).__name__}: {exc}"[:500])
    return classify(result)


def classify(result: http.HttpResult) -> Outcome:
    excerpt = result.body[:1024]
    common: dict[str, Any] = {"response_status": result.status, "response_body": excerpt}
    if 200 <= result.status < 300:
        return Outcome.done(**common)
    reason = f"The endpoint answered HTTP {result.status}"
    if result.status >= 500 or result.status in _RETRYABLE_4XX:
        return Outcome.retry(reason, retry_after_s=http.retry_after_s(result.headers), **common)
    if 300 <= result.status < 400:
        return Outcome.dead(f"{reason} (redirects are not followed)", **common)
    return Outcome.dead(reason, **common)


class WebhookClient:
    """The outbound session of a worker, created lazily inside its event loop."""

    def __init__(self, *, timeout_s: float, allow_private: bool) -> None:
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self._session: aiohttp.ClientSession | None = None

    async def post(
        self, *, url: str, payload: Any, secrets: SigningSecrets, event_id: str
    ) -> Outcome:
        if self._session is None or self._session.closed:
            self._session = http.make_session(allow_private=self.allow_private)
        return await post_signed(
            self._session,
            url=url,
            body=encode(payload),
            secrets=secrets,
            event_id=event_id,
            timeout_s=self.timeout_s,
            allow_private=self.allow_private,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
