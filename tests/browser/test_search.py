"""Search in a real browser (issue 6): `/` from the inbox, results as you type with the words
highlighted, a channel filter, and a result opening its conversation at that message, even
when the message is older than the first page of history; then the contact record, its
activity filter, and "View in inbox" back at a message."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Request, expect

from frontdesk.core.db import Database
from tests.browser.conftest import SignedIn
from tests.messages.thread_factories import add_message
from tests.server import LiveServer, http_client
from tests.web.thread_world import ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio

HISTORY = 205  # newer messages after the one searched for: it is not on the first page (200)
LATER_MS = 4_102_444_800_000  # 2100: after everything published now


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


async def bury(db: Database, world: ThreadWorld, count: int, *, contact_id: int) -> None:
    """`count` newer messages on the world's thread (rows: their content does not matter)."""
    for n in range(count):
        await add_message(
            db,
            thread_id=world.thread_id,
            created_at=LATER_MS + n,
            text=f"later message {n}",
            channel_id=world.channel_id,
            channel_account_id=world.account_id,
            contact_id=contact_id,
        )


async def contact_of(api: httpx.AsyncClient, world: ThreadWorld) -> int:
    response = await api.get(
        f"/conversations/v3/conversations/threads/{world.thread_id}", headers=world.auth
    )
    assert response.status_code == 200, response.text
    return int(response.json()["associatedContactId"])


async def test_search_filter_open_a_result_then_the_contact_and_back_to_the_inbox(
    signed_in: SignedIn, live_server: LiveServer, db: Database, api: httpx.AsyncClient
) -> None:
    chatter = await build_world(db, channel_name="Chatterbox", contact_name="Marie Curie")
    target = await publish(api, chatter, "Hi! My parcel arrived damaged. Order #4471.")
    marie = await contact_of(api, chatter)
    await bury(db, chatter, HISTORY, contact_id=marie)
    await add_message(
        db,
        thread_id=chatter.thread_id,
        created_at=LATER_MS + HISTORY,
        text="Called the courier",
        type="COMMENT",
        direction=None,
        channel_id=chatter.channel_id,
        channel_account_id=chatter.account_id,
    )
    pigeon = await build_world(db, channel_name="Pigeon Post", contact_name="Ada Lovelace")
    await publish(api, pigeon, "Where is my parcel? It is late.")
    agent = await signed_in(teams=[chatter.team, pigeon.team], name="Grace Hopper")
    page = agent.page

    # `/` from the inbox focuses the top bar's box; Enter goes to the search page.
    await page.goto(f"{live_server.url}/inbox")
    await page.locator("body").press("/")
    box = page.locator("#search-box")
    await expect(box).to_be_focused()
    await box.fill("damaged")
    await box.press("Enter")
    await page.wait_for_url("**/search?q=damaged")
    results = page.locator("#search-results .search-result")
    await expect(results).to_have_count(1)

    # As you type: the results follow, one request for a burst of keys, the URL follows too.
    fetched: list[str] = []

    def record(request: Request) -> None:
        if "/search/fragments/results" in request.url:
            fetched.append(request.url)

    page.on("request", record)
    await box.fill("")
    await box.press_sequentially("parcel")
    await expect(results).to_have_count(2)
    await expect(page.locator("#search-results mark").first).to_have_text(
        re.compile("parcel", re.I)
    )
    await expect(page).to_have_url(re.compile(r"/search\?q=parcel$"))
    assert 1 <= len(fetched) < len("parcel"), fetched
    await agent.shot("search-results")

    # Filter by channel: only that channel's conversation stays.
    await page.get_by_label("Channel", exact=True).select_option(label="Chatterbox")
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("Chatterbox")
    await expect(results.first).to_contain_text("Marie Curie")
    await expect(page).to_have_url(re.compile(rf"channel={chatter.channel_id}"))

    # Arrows move, Enter opens; or a click. The conversation opens at that message,
    # loading the older page it is on, scrolled into view and highlighted.
    await box.focus()
    await box.press("ArrowDown")
    await expect(results.first).to_have_class(re.compile("is-active"))
    await results.first.locator("a").click()
    await page.wait_for_url(f"**/inbox/threads/{chatter.thread_id}?message={target}")
    focused = page.locator(f'article[data-message-id="{target}"]')
    await expect(focused).to_have_class(re.compile(r"\bmsg-focus\b"))
    await expect(focused).to_be_in_viewport()
    await expect(focused).to_contain_text("parcel arrived damaged")
    await agent.shot("search-opened-at-message")

    # On to the contact record: filter its activities, and back to the inbox at a message.
    await page.locator("#sidebar .contact-record-link").click()
    await page.wait_for_url(f"**/contacts/{marie}")
    items = page.locator("#timeline-items .timeline-item")
    await expect(items.first).to_be_visible()
    await page.get_by_label("Type").select_option(label="Internal comments")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("Called the courier")
    await page.get_by_label("Type").select_option(label="Conversation messages")
    await expect(items.first).to_have_attribute("data-activity", "conversation_message")
    await expect(page.locator('#timeline-items [data-activity="internal_comment"]')).to_have_count(
        0
    )
    newest = await items.first.get_attribute("data-item-id")
    await items.first.get_by_role("link", name="View in inbox").click()
    await page.wait_for_url(f"**/inbox/threads/{chatter.thread_id}?message={newest}")
    await expect(page.locator(f'article[data-message-id="{newest}"]')).to_have_class(
        re.compile(r"\bmsg-focus\b")
    )


async def test_enter_opens_the_first_result_and_slash_is_not_stolen_from_the_composer(
    signed_in: SignedIn, live_server: LiveServer, db: Database, api: httpx.AsyncClient
) -> None:
    world = await build_world(db)
    message = await publish(api, world, "Refund for the blue kettle please")
    agent = await signed_in(teams=[world.team])
    page = agent.page

    await agent.open_thread(live_server.url, world.thread_id)
    composer = page.locator(".composer .editor:visible").first
    await composer.click()
    await page.keyboard.type("a/b")
    await expect(page.locator("#search-box")).not_to_be_focused()

    await page.goto(f"{live_server.url}/search")
    await expect(page.locator(".search-hint")).to_be_visible()
    box = page.locator("#search-box")
    await expect(box).to_be_focused()
    await box.press_sequentially("kett")
    await box.press("Enter")
    await page.wait_for_url(f"**/inbox/threads/{world.thread_id}?message={message}")
    await expect(page.locator(f'article[data-message-id="{message}"]')).to_have_class(
        re.compile(r"\bmsg-focus\b")
    )
