"""The inbox list in a real browser (issue 4): live rows and counts without reload, keyboard
moves, nothing missed across a network drop, and notifications as each user chose."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from frontdesk.core.db import Database
from tests.browser.conftest import Agent, SignedIn
from tests.browser.proxy import cuttable_proxy
from tests.server import LiveServer, http_client
from tests.web.thread_world import ThreadWorld, build_world, new_phone, publish

pytestmark = pytest.mark.asyncio

# Wraps the browser's Notification so a test can read what the page showed (the operating
# system's notification centre is outside the browser: this is the process boundary).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
class RecordedNotification {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notifications.push({ title, body: options?.body }); }
  addEventListener() {}
}
window.Notification = RecordedNotification;
"""


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


@pytest_asyncio.fixture
async def world(db: Database) -> ThreadWorld:
    return await build_world(db)


def another_contact(world: ThreadWorld, name: str) -> ThreadWorld:
    """The same channel account, a different customer (so a different conversation)."""
    return ThreadWorld(
        app=world.app,
        team=world.team,
        inbox_id=world.inbox_id,
        channel_id=world.channel_id,
        account_id=world.account_id,
        contact_phone=new_phone(),
        contact_name=name,
        integration_thread_id=f"{world.integration_thread_id}-{name.split()[0].lower()}",
    )


async def open_inbox(agent: Agent, base_url: str, view: str = "open") -> Page:
    page = agent.page
    await page.goto(f"{base_url}/inbox?view={view}")
    await expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    # A marker that a reload would wipe: every check below runs on this same document.
    await page.evaluate("window.__sameDocument = true")
    return page


async def still_same_document(page: Page) -> None:
    assert await page.evaluate("window.__sameDocument === true"), "the page reloaded"


def row(page: Page, thread_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f'#thread-list li[data-thread-id="{thread_id}"]')


async def test_published_message_appears_in_list_and_conversation_without_reload(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    agent = await signed_in(teams=[world.team])
    page = await open_inbox(agent, live_server.url)
    await expect(page.locator(".list-empty")).to_be_visible()

    await publish(api, world, "Hello, is my order on its way?")
    first = row(page, world.thread_id)
    await expect(first).to_contain_text("Hello, is my order on its way?")
    await expect(first).to_contain_text(world.contact_name)
    await expect(first).to_have_class("thread-row unread")
    await expect(page.locator('.view-link[data-view="open"] .view-count')).to_have_text("1")
    await expect(page.locator('.view-link[data-view="unassigned"] .view-count')).to_have_text("1")

    await first.locator(".row-link").click()
    await expect(page).to_have_url(f"{live_server.url}/inbox/threads/{world.thread_id}?view=open")
    await expect(page.locator(".conversation")).to_contain_text("Hello, is my order on its way?")
    await expect(first).not_to_have_class("thread-row unread")

    message_id = await publish(api, world, "Order number 5521, by the way.")
    await expect(page.locator(f'article[data-message-id="{message_id}"]')).to_contain_text(
        "Order number 5521"
    )
    await expect(first.locator(".preview")).to_have_text("Order number 5521, by the way.")
    await still_same_document(page)
    await agent.shot("inbox-live")


async def test_new_activity_moves_a_conversation_to_the_top(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    older = world
    newer = another_contact(world, "Ada Lovelace")
    await publish(api, older, "First customer")
    await publish(api, newer, "Second customer")
    agent = await signed_in(teams=[world.team])
    page = await open_inbox(agent, live_server.url)
    rows = page.locator("#thread-list li[data-thread-id]")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_have_attribute("data-thread-id", str(newer.thread_id))

    await publish(api, older, "First customer again")
    await expect(rows.first).to_have_attribute("data-thread-id", str(older.thread_id))
    await expect(rows).to_have_count(2)
    await still_same_document(page)


async def test_keyboard_moves_through_the_list(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    second = another_contact(world, "Alan Turing")
    await publish(api, world, "Older question")
    await publish(api, second, "Newer question")
    agent = await signed_in(teams=[world.team])
    page = await open_inbox(agent, live_server.url)

    await page.keyboard.press("j")
    await expect(page.locator(".conversation")).to_have_attribute(
        "data-thread-id", str(second.thread_id)
    )
    await page.keyboard.press("j")
    await expect(page.locator(".conversation")).to_have_attribute(
        "data-thread-id", str(world.thread_id)
    )
    await page.keyboard.press("k")
    await expect(page.locator(".conversation")).to_have_attribute(
        "data-thread-id", str(second.thread_id)
    )
    await page.keyboard.press("/")
    await expect(page.locator("#search-box")).to_be_focused()
    await still_same_document(page)


async def test_nothing_is_missed_when_the_network_drops(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    await publish(api, world, "Before the drop")
    agent = await signed_in(teams=[world.team])
    async with cuttable_proxy(live_server.url) as proxy:
        page = await open_inbox(agent, proxy.url)
        await expect(row(page, world.thread_id)).to_be_visible()

        proxy.cut()
        await expect(page.locator("#live-state")).not_to_have_attribute("data-state", "live")
        late = another_contact(world, "Katherine Johnson")
        await publish(api, late, "Written while you were offline")
        await publish(api, world, "Also while offline")

        proxy.restore()
        await expect(page.locator("#live-state")).to_have_attribute(
            "data-state", "live", timeout=20_000
        )
        await expect(row(page, late.thread_id)).to_contain_text("Written while you were offline")
        await expect(row(page, world.thread_id)).to_contain_text("Also while offline")
        await still_same_document(page)


async def test_notifications_for_new_conversations_follow_each_users_settings(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    notified = await signed_in(teams=[world.team], name="Nora Notified")
    quiet = await signed_in(teams=[world.team], name="Quinn Quiet")
    for agent in (notified, quiet):
        await agent.context.add_init_script(RECORD_NOTIFICATIONS)

    # Quinn turns notifications off on the settings page.
    await quiet.page.goto(f"{live_server.url}/settings/notifications")
    await quiet.page.locator("#setting-enabled").uncheck()
    await quiet.page.get_by_role("button", name="Save").click()
    await expect(quiet.page.get_by_text("Saved.")).to_be_visible()

    pages = [await open_inbox(agent, live_server.url) for agent in (notified, quiet)]
    await publish(api, world, "A brand new question")

    for page in pages:  # the list shows it: every event of that commit has arrived
        await expect(row(page, world.thread_id)).to_be_visible()
    await expect(pages[0].locator("#notif-count")).to_have_text("1")
    shown = await pages[0].evaluate("window.__notifications")
    assert [n["title"] for n in shown] == [f"{world.contact_name} · Chatterbox"]
    assert shown[0]["body"] == "A brand new question"

    await expect(pages[1].locator("#notif-count")).to_be_hidden()
    assert await pages[1].evaluate("window.__notifications") == []

    # The bell lists it; choosing it opens the conversation and reads the notification.
    await pages[0].locator("#notif-bell").click()
    item = pages[0].locator(f'#notif-list li[data-thread-id="{world.thread_id}"]')
    await expect(item).to_contain_text(f"{world.contact_name} · Chatterbox")
    await expect(item).to_have_class("unread")
    await item.locator("a").click()
    await expect(pages[0].locator(".conversation")).to_have_attribute(
        "data-thread-id", str(world.thread_id)
    )
    await expect(pages[0].locator("#notif-count")).to_be_hidden()
    await still_same_document(pages[0])


async def test_a_long_live_list_trims_itself_behind_load_more(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, api: httpx.AsyncClient
) -> None:
    first, second = another_contact(world, "Ann First"), another_contact(world, "Bob Second")
    await publish(api, first, "one")
    await publish(api, second, "two")
    agent = await signed_in(teams=[world.team])
    page = await open_inbox(agent, live_server.url)
    rows = page.locator("#thread-list li[data-thread-id]")
    await expect(rows).to_have_count(2)
    await page.evaluate("document.getElementById('thread-list').dataset.maxRows = '2'")

    await publish(api, world, "three")  # a third conversation arrives live
    await expect(rows.first).to_have_attribute("data-thread-id", str(world.thread_id))
    await expect(rows).to_have_count(2)
    await page.get_by_role("button", name="Load more").click()
    await expect(row(page, first.thread_id)).to_contain_text("one")  # the oldest, paged back in
    await expect(rows).to_have_count(3)
    await still_same_document(page)
