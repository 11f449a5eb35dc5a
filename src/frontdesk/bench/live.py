"""Publish-to-visible latency: a bridge publishes at a steady rate while a signed-in Chromium
watches `/inbox?view=open` (part of `frontdesk bench inbox`).

Every published text starts with a unique token. A script installed in the page before its
own scripts run notes, with `Date.now()`, when a token first shows in a list row
(`li[data-thread-id]`, which shows the thread's last message preview) or in a message of the
open conversation (`article[data-message-id]`); the publisher notes the wall clock before each
request. Both clocks are this machine's, so visible minus sent is the latency an agent sees
(up to the DOM change; painting follows within a frame).
"""

from __future__ import annotations

import asyncio
import json
import random
import string
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from frontdesk.bench.corpus import CorpusInfo
from frontdesk.bench.corpus_plan import ACCOUNTS
from frontdesk.bench.harness import percentile
from frontdesk.bench.vocabulary import TextMaker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXISTING_SHARE = 0.7  # of the messages go to open conversations, the rest start new ones
SETTLE_TIMEOUT_S = 5.0  # after the last publish, how long stragglers may take to show
# Unmeasured publishing at the rate first: the first seconds after the page opens run on cold
# caches (SQLite's pages of a large corpus, the page's code paths) and are several times
# slower; the target is about a steady ingest.
WARMUP_S = 5.0

OBSERVER = """
(() => {
  const seen = {};
  window.__fdSeen = seen;
  const token = /\\bzq[0-9a-z]{10}\\b/g;
  const watched = 'li[data-thread-id], article[data-message-id]';
  const note = (element, now) => {
    const where = element.matches('article[data-message-id]') ? 'conversation' : 'list';
    for (const match of (element.textContent || '').matchAll(token)) {
      if (!(match[0] in seen)) seen[match[0]] = [now, where];
    }
  };
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) {
      const target = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const owner = target && target.closest(watched);
      if (owner) note(owner, now);
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches(watched)) note(node, now);
        node.querySelectorAll(watched).forEach((element) => note(element, now));
      }
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""


@dataclass(frozen=True)
class Target:
    """Where a message goes: an open chat conversation, or a new one."""

    account_id: int
    integration_thread_id: str
    visitor_id: str
    name: str


def run_live(
    *,
    base_url: str,
    session: str,
    info: CorpusInfo,
    app_token: str,
    targets: list[Target],
    seconds: float,
    rate: float,
) -> dict[str, Any]:
    """Publish for `seconds` at `rate` messages/s with the browser watching; the figures."""
    return asyncio.run(
        _run(
            base_url=base_url,
            session=session,
            info=info,
            app_token=app_token,
            targets=targets,
            seconds=seconds,
            rate=rate,
        )
    )


async def _run(
    *,
    base_url: str,
    session: str,
    info: CorpusInfo,
    app_token: str,
    targets: list[Target],
    seconds: float,
    rate: float,
) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    run = "".join(random.choices(string.ascii_lowercase + string.digits, k=4))
    publisher = _Publisher(base_url, info, app_token, targets, run)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1440, "height": 900})
            await context.add_cookies(
                [{"name": "frontdesk_session", "value": session, "url": base_url}]
            )
            await context.add_init_script(OBSERVER)
            page = await context.new_page()
            fetched: Counter[str] = Counter()  # what the page asks the server while measured
            page.on("request", lambda request: fetched.update([urlsplit(request.url).path]))
            await page.goto(f"{base_url}/inbox?view=open")
            await page.wait_for_selector("#thread-list li[data-thread-id]")
            async with aiohttp.ClientSession() as http:
                # One message first: the page's event stream is up once it shows.
                probe = await publisher.probe(http)
                await _wait_seen(page, {probe}, within=15)
                await publisher.paced(http, seconds=WARMUP_S, rate=rate)
                publisher.forget()
                started = time.monotonic()
                fetched.clear()
                await publisher.paced(http, seconds=seconds, rate=rate)
                elapsed = publisher.last_send - started
                await _wait_shown(page, publisher, within=SETTLE_TIMEOUT_S)
            seen: dict[str, list[Any]] = await page.evaluate("window.__fdSeen")
        finally:
            await browser.close()
    figures = _figures(publisher, seen, seconds=seconds, rate=rate, elapsed=elapsed)
    figures["page_requests"] = dict(fetched.most_common(5))
    return figures


class _Publisher:
    def __init__(
        self, base_url: str, info: CorpusInfo, token: str, targets: list[Target], run: str
    ) -> None:
        self.url = f"{base_url}/conversations/v3/custom-channels/{info.chat_channel_id}/messages"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.new_account = info.account_ids[3]  # "Website chat"
        self.targets = targets
        self.run = run
        self.sent: dict[str, _Sent] = {}  # by token
        self.last_send = 0.0  # monotonic time the last request was started
        self.errors = 0
        self.published = 0  # numbers every message of the run, warm-up included
        self.rng = random.Random(run)
        self.next_target = 0
        self.texts = TextMaker(info.seed)
        self.business = {
            account_id: spec.delivery_value
            for account_id, spec in zip(info.account_ids, ACCOUNTS, strict=True)
        }

    def _body(self, n: int, token: str) -> str:
        if self.targets and self.rng.random() < EXISTING_SHARE:
            # In turn, so that one conversation gets a message as rarely as the rate allows.
            target = self.targets[self.next_target % len(self.targets)]
            self.next_target += 1
        else:
            target = Target(
                self.new_account, f"bench-{self.run}-{n}", f"visitor-bench-{self.run}-{n}", ""
            )
        sender: dict[str, Any] = {
            "deliveryIdentifier": {
                "type": "CHANNEL_SPECIFIC_OPAQUE_ID",
                "value": target.visitor_id,
            }
        }
        if target.name:
            sender["name"] = target.name
        text, _ = self.texts.draw(n + 10_000_000, "incoming")
        return json.dumps(
            {
                "text": f"{token} {text}",
                "messageDirection": "INCOMING",
                "channelAccountId": str(target.account_id),
                "integrationThreadId": target.integration_thread_id,
                "integrationIdempotencyId": f"bench-live-{token}",
                "senders": [sender],
                "recipients": [
                    {
                        "deliveryIdentifier": {
                            "type": "CHANNEL_SPECIFIC_OPAQUE_ID",
                            "value": self.business[target.account_id],
                        }
                    }
                ],
                "attachments": [],
                # Milliseconds, as chat widgets and HubSpot's examples send them. Whole seconds
                # tie every message of a second on the list's sort key, and at 200/s the ties
                # are settled by thread id, not by arrival: an older conversation's row then
                # sorts below the 100 rows the page keeps live, and shows only on "Load more".
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            }
        )

    async def probe(self, http: aiohttp.ClientSession) -> str:
        """An unmeasured message; its token."""
        token = f"zq{self.run}probe0"
        async with http.post(self.url, data=self._body(-1, token), headers=self.headers) as r:
            await r.read()
            if r.status >= 300:
                raise RuntimeError(f"publishing answered {r.status}")
        return token

    async def publish(self, http: aiohttp.ClientSession, n: int) -> None:
        token = f"zq{self.run}{n % 1_000_000:06d}"
        body = self._body(n, token)
        sent_at = time.time() * 1000
        thread_id = None
        try:
            async with http.post(self.url, data=body, headers=self.headers) as response:
                answer = await response.read()
                if response.status < 300:
                    thread_id = json.loads(answer)["conversationsThreadId"]
        except aiohttp.ClientError:
            pass
        if thread_id is None:
            self.errors += 1
        self.sent[token] = _Sent(sent_at, time.time() * 1000, thread_id)

    def forget(self) -> None:
        """Measure only what is published from now on."""
        self.sent.clear()
        self.errors = 0

    async def paced(self, http: aiohttp.ClientSession, *, seconds: float, rate: float) -> None:
        """Open loop: message n leaves at n / rate s, whether or not earlier ones returned."""
        total = int(seconds * rate)
        started = time.monotonic()
        tasks = []
        first = self.published
        self.published += total
        for n in range(first, first + total):
            delay = started + (n - first) / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.publish(http, n)))
        self.last_send = time.monotonic()
        await asyncio.gather(*tasks)


@dataclass(frozen=True)
class _Sent:
    at: float  # epoch ms before the request
    answered_at: float
    thread_id: str | None  # None: refused or failed

    @property
    def ok(self) -> bool:
        return self.thread_id is not None


def _shown_at(publisher: _Publisher, seen: dict[str, list[Any]]) -> dict[str, tuple[float, bool]]:
    """When each accepted message became visible, and whether through a newer one: a list
    row shows its thread's last message, so a message overtaken by the next one of its
    thread before the page showed it is visible once that next one is (its row is current)."""
    by_thread: dict[str, list[tuple[float, str]]] = {}
    for token, sent in publisher.sent.items():
        if sent.thread_id is not None:
            by_thread.setdefault(sent.thread_id, []).append((sent.at, token))
    shown: dict[str, tuple[float, bool]] = {}
    for messages in by_thread.values():
        earliest: float | None = None
        for _, token in sorted(messages, reverse=True):  # newest first
            own = seen.get(token)
            if own is not None and (earliest is None or own[0] <= earliest):
                earliest = own[0]
                shown[token] = (earliest, False)
            elif earliest is not None:
                shown[token] = (earliest, True)
    return shown


async def _wait_shown(page: Any, publisher: _Publisher, *, within: float) -> None:
    deadline = time.monotonic() + within
    accepted = sum(1 for s in publisher.sent.values() if s.ok)
    while time.monotonic() < deadline:
        seen = await page.evaluate("window.__fdSeen")
        if len(_shown_at(publisher, seen)) == accepted:
            return
        await asyncio.sleep(0.1)


async def _wait_seen(page: Any, tokens: set[str], *, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        seen = await page.evaluate("Object.keys(window.__fdSeen)")
        if tokens <= set(seen):
            return
        await asyncio.sleep(0.1)


def _figures(
    publisher: _Publisher,
    seen: dict[str, list[Any]],
    *,
    seconds: float,
    rate: float,
    elapsed: float,
) -> dict[str, Any]:
    latencies: list[float] = []
    answers: list[float] = []
    places = {"list": 0, "conversation": 0}
    overtaken = 0
    shown = _shown_at(publisher, seen)
    for token, sent in publisher.sent.items():
        if not sent.ok:
            continue
        answers.append(sent.answered_at - sent.at)
        if token in shown:
            visible_at, through_newer = shown[token]
            latencies.append(visible_at - sent.at)
            if through_newer:
                overtaken += 1
            else:
                places[seen[token][1]] += 1
    return {
        "rate": rate,
        "seconds": seconds,
        "published": len(publisher.sent),
        # Sends are paced open loop; this is the rate they actually started at.
        "offered_rate": round(len(publisher.sent) / elapsed, 1) if elapsed else 0.0,
        "publish_errors": publisher.errors,
        "publish_p50_ms": round(percentile(answers, 0.5), 1),
        "publish_p95_ms": round(percentile(answers, 0.95), 1),
        "seen": len(latencies),
        "seen_through_newer": overtaken,
        "missed": len(answers) - len(latencies),
        "seen_in_list": places["list"],
        "seen_in_conversation": places["conversation"],
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else float("nan"),
    }
