"""The contact record in a real browser: from the conversation's sidebar to the contact, filter
the activity by type and by channel, and "View in inbox" opens the conversation again."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from tests import factories
from tests.browser.conftest import SignedIn
from tests.messages.thread_factories import BASE_MS, add_message, create_thread
from tests.server import LiveServer, http_client
from tests.web.thread_world import build_world, publish

pytestmark = pytest.mark.asyncio


async def test_open_a_contact_filter_its_activity_and_view_it_in_the_inbox(
    signed_in: SignedIn, live_server: LiveServer, db: Database
) -> None:
    world = await build_world(db, channel_name="Chatterbox")
    async with http_client(live_server.url) as api:
        first = await publish(api, world, "Where is my parcel?")
        await publish(api, world, "Any news?")
    async with db.read() as uow:
        contact_id = int(
            await uow.scalar(select(Thread.contact_id).where(Thread.id == world.thread_id))
        )
    comment = await add_message(
        db, thread_id=world.thread_id, created_at=BASE_MS, type="COMMENT",
        text="Parcel lost by the courier", created_by="S-hubspot",
    )  # fmt: skip
    whistle = await factories.create_channel_row(db, app_id=world.app.app_id, name="Whistle")
    whistle_account = await factories.create_channel_account_row(
        db, channel_id=whistle, inbox_id=world.inbox_id
    )
    other_thread = await create_thread(
        db, inbox_id=world.inbox_id, channel_id=whistle,
        channel_account_id=whistle_account, contact_id=contact_id,
    )  # fmt: skip
    whistled = await add_message(
        db, thread_id=other_thread, created_at=BASE_MS + 1, channel_id=whistle,
        channel_account_id=whistle_account, contact_id=contact_id, text="Sent by whistle",
    )  # fmt: skip
    agent = await signed_in(teams=[world.team])
    page = agent.page
    await agent.open_thread(live_server.url, world.thread_id)

    await page.locator(".contact-record-link").click()

    await page.wait_for_url(f"**/contacts/{contact_id}")
    items = page.locator(".timeline-item")
    await expect(items).to_have_count(4)
    await expect(page.get_by_role("heading", name=world.contact_name)).to_be_visible()

    await page.get_by_label("Type").select_option(label="Internal comments")

    await page.wait_for_url(re.compile(r"type=internal_comment"))
    await expect(items).to_have_count(1)
    await expect(items.first).to_have_attribute("data-item-id", str(comment))
    await expect(items.first).to_contain_text("Parcel lost by the courier")

    await page.get_by_label("Type").select_option(label="All activity")
    await page.wait_for_url(re.compile(r"type=&"))
    await page.get_by_label("Channel").select_option(label="Whistle")

    await page.wait_for_url(re.compile(rf"channel={whistle}"))
    await expect(items).to_have_count(1)
    await expect(items.first).to_have_attribute("data-item-id", str(whistled))
    await agent.shot("contact-record-filtered-by-channel")

    await page.get_by_label("Channel").select_option(label="Chatterbox")
    await page.wait_for_url(re.compile(rf"channel={world.channel_id}"))
    await expect(items).to_have_count(3)
    first_item = page.locator(f'.timeline-item[data-item-id="{first}"]')
    await first_item.get_by_role("link", name="View in inbox").click()

    await page.wait_for_url(f"**/inbox/threads/{world.thread_id}?message={first}")
    await expect(page.locator(f'.conversation[data-thread-id="{world.thread_id}"]')).to_be_visible()
