"""The help desk in a real browser: an admin moves a channel account to the help desk in
Settings, its conversations appear as tickets, and one ticket is worked NEW -> WAITING_ON_CONTACT
(a reply) -> WAITING_ON_US (the bridge publishes) -> CLOSED (the sidebar's ticket status), the
ticket table following each step live in a second tab."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Locator, Page, expect

from frontdesk.core.db import Database
from tests.browser.conftest import SHOTS, SignedIn
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import build_world, publish

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


def ticket(page: Page, thread_id: int) -> Locator:
    return page.locator(f'#helpdesk-table tr[data-ticket-id="{thread_id}"]')


async def test_move_an_account_to_the_help_desk_and_work_a_ticket_live(
    signed_in: SignedIn,
    live_server: LiveServer,
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    world = await build_world(db, webhook_url=receiver.url, account_name="Support line")
    await publish(api, world, "My order never arrived.")
    existing = world.thread_id
    admin = await signed_in(role="admin", name="Ada Admin")
    settings = admin.page

    # Settings > Channels: move the account (it asks first).
    await settings.goto(f"{live_server.url}/settings/inbox")
    await settings.get_by_role("button", name="Move to help desk").click()
    await settings.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    await expect(settings.locator("body")).to_contain_text("Help desk")

    # The help-desk view: the existing conversation is a ticket waiting on us.
    table = await admin.context.new_page()
    await table.goto(f"{live_server.url}/helpdesk")
    await expect(table.locator("#live-state")).to_have_attribute("data-state", "live")
    await expect(table.locator("#helpdesk-link")).to_be_visible()
    await expect(ticket(table, existing)).to_have_attribute("data-ticket-status", "WAITING_ON_US")

    # A new conversation arrives: a NEW ticket, shown without a reload.
    world.integration_thread_id = f"chat-{uuid.uuid4().hex[:8]}"
    await publish(api, world, "Can I change my delivery address?")
    fresh = world.thread_id
    await expect(ticket(table, fresh)).to_have_attribute("data-ticket-status", "NEW")
    await expect(ticket(table, fresh).locator(".ticket-response")).to_have_text("—")

    # The agent opens it from the table and replies: waiting on the contact.
    await ticket(table, fresh).locator(".ticket-link").click()
    await table.wait_for_url(f"**/inbox/threads/{fresh}")
    await table.go_back()
    await table.wait_for_url("**/helpdesk")
    await expect(table.locator("#live-state")).to_have_attribute("data-state", "live")
    await admin.open_thread(live_server.url, fresh)
    thread = admin.page
    status = thread.locator("#ticket-ticket_status")
    await expect(status).to_have_value("NEW")
    await thread.get_by_role("textbox", name="Message").fill("Sure, what is the new address?")
    await thread.get_by_role("button", name="Send").click()
    await receiver.wait_for(1)
    await expect(status).to_have_value("WAITING_ON_CONTACT")
    row = ticket(table, fresh)
    await expect(row).to_have_attribute("data-ticket-status", "WAITING_ON_CONTACT")
    await expect(row.locator(".ticket-response")).not_to_have_text("—")

    # The contact answers through the bridge: waiting on us, in the table and the sidebar.
    await publish(api, world, "12 Rue de la Paix, Paris.")
    await expect(row).to_have_attribute("data-ticket-status", "WAITING_ON_US")
    await expect(status).to_have_value("WAITING_ON_US")

    # The agent sets the priority and closes the ticket from the sidebar.
    await thread.locator("#ticket-priority").select_option("HIGH")
    await expect(row.locator(".ticket-priority")).to_have_text("High")
    await status.select_option("CLOSED")
    await expect(row).to_have_attribute("data-ticket-status", "CLOSED")
    await expect(thread.locator(".conversation")).to_have_attribute("data-status", "CLOSED")
    await admin.shot("helpdesk-ticket-sidebar")

    # Filters and sorting run on the server.
    await table.get_by_label("Status").select_option("CLOSED")
    await table.wait_for_url("**status=CLOSED**")
    await expect(table.locator("#helpdesk-table tbody tr")).to_have_count(1)
    await expect(ticket(table, fresh)).to_be_visible()
    await table.get_by_label("Status").select_option("")
    await table.get_by_role("link", name="Priority").click()
    await table.wait_for_url("**sort=priority**")
    rows = table.locator("#helpdesk-table tbody tr")
    await expect(rows.last).to_have_attribute("data-ticket-id", str(fresh))
    await table.screenshot(path=str(SHOTS / "helpdesk-table.png"))
