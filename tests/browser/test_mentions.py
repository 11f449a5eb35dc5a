"""@mentions in a real browser: agent A types `@` in an internal comment, picks agent B from the
list by keyboard, sends; the comment shows the mention highlighted and B, on another page,
sees the notification counter go up and the notification's text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect

from frontdesk.core.db import Database
from tests.browser.conftest import SignedIn
from tests.server import LiveServer, http_client
from tests.web.thread_world import build_world, publish

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


async def test_mention_a_teammate_who_sees_the_notification(
    signed_in: SignedIn, live_server: LiveServer, db: Database, api: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    await publish(api, world, "The invoice shows the wrong VAT number.")
    author = await signed_in(teams=[world.team], name="Grace Hopper")
    mentioned = await signed_in(teams=[world.team], name="Bea Billing")
    bystander = await signed_in(teams=[world.team], name="Bob Bystander")
    await mentioned.page.goto(f"{live_server.url}/inbox")
    await expect(mentioned.page.locator("#live-state")).to_have_attribute("data-state", "live")
    await expect(mentioned.page.locator("#notif-count")).to_be_hidden()

    await author.open_thread(live_server.url, world.thread_id)
    page = author.page
    await page.get_by_role("tab", name="Internal comment").click()
    editor = page.get_by_role("textbox", name="Message")
    await editor.click()
    await page.keyboard.type("Can you fix this, @b")
    options = page.get_by_role("listbox", name="Teammates to mention").get_by_role("option")
    await expect(options).to_have_text(["Bea Billing", "Bob Bystander"])
    await page.keyboard.type("e")
    await expect(options).to_have_text(["Bea Billing"])
    await author.shot("mention-list")
    await page.keyboard.press("Enter")  # picks, does not send
    await expect(editor).to_have_text("Can you fix this, @Bea Billing")
    await page.keyboard.type("please?")
    await page.keyboard.press("Enter")

    note = page.locator("article.msg-comment[data-message-id]", has_text="please?")
    await expect(note).to_contain_text("Can you fix this, @Bea Billing please?")
    await expect(note.locator(".mention")).to_have_text("@Bea Billing")
    await expect(note.locator(".mention")).to_have_attribute("data-user-id", str(mentioned.user_id))
    await author.shot("mention-comment")

    badge = mentioned.page.locator("#notif-count")
    await expect(badge).to_have_text("1")
    await mentioned.page.locator("#notif-bell").click()
    item = mentioned.page.locator(f'#notif-list li[data-thread-id="{world.thread_id}"]')
    await expect(item).to_contain_text("Grace Hopper mentioned you")
    await expect(item).to_contain_text("Can you fix this, @Bea Billing please?")
    await mentioned.shot("mention-notification")

    await bystander.page.goto(f"{live_server.url}/inbox")
    await expect(bystander.page.locator("#live-state")).to_have_attribute("data-state", "live")
    await bystander.page.locator("#notif-bell").click()
    await expect(bystander.page.locator("#notif-list")).not_to_contain_text("mentioned you")
