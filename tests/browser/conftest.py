"""Browser fixtures (issue 4): Debian's Chromium driven by Playwright against a real server.

The server (tests/server.py) runs the test's app on 127.0.0.1 in the test's event loop, with
the test settings (private webhook targets allowed, short delivery retries). The test bridge is
tests/receiver.py's receiver as the channel's webhook target: a test reads what it received
and acknowledges through the status API, as a bridge would. No browser is ever downloaded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from frontdesk.bench.live import CHROMIUM_ARGS  # one list of launch flags for this machine
from frontdesk.core.db import Database
from tests.server import LiveServer
from tests.web.conftest import PASSWORD, create_password_user

CHROMIUM = Path(os.environ.get("FRONTDESK_TEST_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("FRONTDESK_TEST_SHOTS") or Path(tempfile.gettempdir()) / "shots")
VIEWPORT = {"width": 1440, "height": 900}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium; skipped where it is not installed (a failure in CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    return str(CHROMIUM)


@pytest_asyncio.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """A headless Chromium for one test (Playwright's objects live in the test's loop)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Agent:
    """A signed-in person: their user id, name and a page of their own browser context."""

    user_id: int
    name: str
    email: str
    context: BrowserContext
    page: Page

    async def open_thread(self, server: str, thread_id: int) -> None:
        """Load the conversation page and wait until the live stream is connected."""
        await self.page.goto(f"{server}/inbox/threads/{thread_id}")
        await expect(
            self.page.locator(f'.conversation[data-thread-id="{thread_id}"]')
        ).to_be_visible()
        await expect(self.page.locator("#live-state")).to_have_attribute("data-state", "live")

    async def shot(self, name: str) -> Path:
        """A screenshot in SHOTS (the `chromium` fixture made the folder)."""
        path = SHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path


SignedIn = Callable[..., Awaitable[Agent]]


@pytest_asyncio.fixture
async def signed_in(
    browser: Browser, live_server: LiveServer, db: Database, password_hash: str
) -> AsyncIterator[SignedIn]:
    """A factory: `await signed_in(teams=[...], name=...)` creates a user with a password and
    signs them in through the form in a fresh browser context (their own cookies)."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def make(
        *, teams: list[str] | None = None, name: str = "Grace Hopper", role: str = "agent"
    ) -> Agent:
        user_id, email = await create_password_user(
            db, password_hash, role=role, teams=teams, name=name
        )
        context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{name}: {error}"))
        await page.goto(f"{live_server.url}/login")
        await page.get_by_label("E-mail").fill(email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/inbox**")
        return Agent(user_id, name, email, context, page)

    yield make
    for context in contexts:
        await context.close()
    assert not errors, f"script errors in the page: {errors}"
