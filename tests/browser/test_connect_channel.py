"""Connect a channel in a real browser (issue 5): the admin picks the channel, the bridge's page
opens in a pop-up and completes the staging token through its own server, the admin's page
moves to the routing step by itself, routing assigns to a chosen agent who is online, and the
bridge's next message lands assigned to that agent. Also: the page moves on when the live
stream is cut, and Deactivate asks before it acts."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from sqlalchemy import update

from frontdesk.channels.models import Channel
from frontdesk.core.db import Database
from tests import factories
from tests.browser.bridge_page import ConnectBridge, serve_bridge
from tests.browser.conftest import SHOTS, SignedIn
from tests.receiver import Receiver
from tests.server import LiveServer, http_client
from tests.web.thread_world import CAPABILITIES, V3, build_world

pytestmark = pytest.mark.asyncio
BUSINESS_NUMBER = "+14155550100"


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


async def publish(
    api: httpx.AsyncClient, app_token: str, *, channel_id: int, account_id: int
) -> int:
    """A customer's first message through the bridge; the new thread's id."""
    body = {
        "text": "Hello, is anyone there?",
        "messageDirection": "INCOMING",
        "channelAccountId": str(account_id),
        "integrationThreadId": f"chat-{uuid.uuid4().hex[:8]}",
        "integrationIdempotencyId": uuid.uuid4().hex,
        "senders": [
            {
                "deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": "+14155553001"},
                "name": "Marie Curie",
            }
        ],
        "recipients": [
            {"deliveryIdentifier": {"type": "HS_PHONE_NUMBER", "value": BUSINESS_NUMBER}}
        ],
        "attachments": [],
        "timestamp": datetime.now(UTC).isoformat(),
    }
    response = await api.post(
        f"{V3}/{channel_id}/messages", json=body, headers=factories.bearer(app_token)
    )
    assert response.status_code == 201, response.text
    return int(response.json()["conversationsThreadId"])


async def test_connect_route_and_assign_a_published_conversation(
    signed_in: SignedIn,
    live_server: LiveServer,
    db: Database,
    api: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    team = await factories.create_team(db)
    inbox_id = await factories.create_inbox(db, name="Support", teams=[team])
    app = await factories.create_app(db, name="Chatterbox bridge")
    channel_id = await factories.create_channel_row(
        db,
        app_id=app.app_id,
        name="Chatterbox",
        capabilities=CAPABILITIES,
        webhook_url=receiver.url,
    )
    async with serve_bridge(
        frontdesk_url=live_server.url, app_token=app.access_token, number=BUSINESS_NUMBER
    ) as bridge:
        async with db.transaction() as uow:
            await uow.execute(
                update(Channel)
                .where(Channel.id == channel_id)
                .values(connection_url=bridge.connection_url)
            )
        # The assignee: online (their open inbox holds the event stream) and available.
        agent = await signed_in(teams=[team], name="Grace Hopper")
        await expect(agent.page.locator("#live-state")).to_have_attribute("data-state", "live")
        admin = await signed_in(role="admin", name="Ada Admin")
        account_id = await connect_through_popup(
            admin.page, live_server.url, bridge, inbox_id=inbox_id, channel_id=channel_id
        )
        await admin.shot("connect-routing-step")

        page = admin.page
        await page.get_by_label("Specific users and teams").check()
        await page.get_by_label("Users", exact=True).select_option(str(agent.user_id))
        await page.get_by_label("Priority").select_option("HIGH")
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("#routing-saved")).to_be_visible()
        await expect(page.get_by_role("link", name="Go to the inbox")).to_be_visible()

    # The bridge heard of its new account after commit, as HubSpot tells bridges.
    received = await receiver.wait_for(1)
    assert received[0].body["type"] == "CHANNEL_ACCOUNT_CREATED"
    assert received[0].body["channelAccountId"] == str(account_id)

    await agent.page.goto(f"{live_server.url}/inbox?view=mine")
    await expect(agent.page.locator("#live-state")).to_have_attribute("data-state", "live")
    thread_id = await publish(api, app.access_token, channel_id=channel_id, account_id=account_id)
    # Assigned by routing to the one agent chosen: it shows in their "Assigned to me" list.
    mine = agent.page.locator(f'#thread-list li[data-thread-id="{thread_id}"]')
    await expect(mine).to_be_visible()
    await agent.shot("connect-assigned-to-agent")
    thread = await api.get(
        f"/conversations/v3/conversations/threads/{thread_id}",
        headers=factories.bearer(app.access_token),
    )
    assert thread.json()["assignedTo"] == f"A-{agent.user_id}"
    assert thread.json()["inboxId"] == str(inbox_id)


async def connect_through_popup(
    page: Page,
    base_url: str,
    bridge: ConnectBridge,
    *,
    inbox_id: int,
    channel_id: int,
    live: bool = True,
) -> int:
    """Pick the channel, finish in the bridge's pop-up; the page moves to the routing step
    by itself. Returns the new account's id."""
    await page.goto(f"{base_url}/settings/inbox/connect?inbox={inbox_id}")
    if live:
        await expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    card = page.locator(f'li[data-channel-id="{channel_id}"]')
    await expect(card).to_contain_text("by Chatterbox bridge")
    await page.screenshot(path=str(SHOTS / "connect-picker.png"))
    async with page.expect_popup() as opened:
        await card.get_by_role("button", name="Connect").click()
    popup = await opened.value
    await expect(popup.locator("#inbox")).to_have_text(str(inbox_id))
    await expect(page.locator("#connect-wait")).to_be_visible()
    await popup.get_by_role("button", name="Connect this number").click()
    await page.wait_for_url(re.compile(r"/settings/inbox/accounts/\d+/routing\?connected=1$"))
    await expect(page.locator("#connected-notice")).to_contain_text("Sales line")
    assert len(bridge.completed) == 1
    match = re.search(r"/accounts/(\d+)/routing", page.url)
    assert match
    return int(match.group(1))


async def test_the_page_moves_on_without_its_live_stream(
    signed_in: SignedIn, live_server: LiveServer, db: Database
) -> None:
    """The completion event cannot arrive (the stream is cut): the status check takes over."""
    inbox_id = await factories.create_inbox(db, name="Support")
    app = await factories.create_app(db, name="Chatterbox bridge")
    channel_id = await factories.create_channel_row(
        db, app_id=app.app_id, name="Chatterbox", capabilities=CAPABILITIES
    )
    async with serve_bridge(
        frontdesk_url=live_server.url, app_token=app.access_token, number=BUSINESS_NUMBER
    ) as bridge:
        async with db.transaction() as uow:
            await uow.execute(
                update(Channel)
                .where(Channel.id == channel_id)
                .values(connection_url=bridge.connection_url)
            )
        admin = await signed_in(role="admin", name="Ada Admin")
        await admin.page.route("**/frontdesk/v1/events**", lambda route: route.abort())
        await connect_through_popup(
            admin.page,
            live_server.url,
            bridge,
            inbox_id=inbox_id,
            channel_id=channel_id,
            live=False,
        )
        await expect(admin.page.locator("#live-state")).not_to_have_attribute("data-state", "live")


async def test_deactivate_asks_first_and_cancel_changes_nothing(
    signed_in: SignedIn, live_server: LiveServer, db: Database
) -> None:
    world = await build_world(db)
    admin = await signed_in(role="admin", name="Ada Admin")
    page = admin.page
    await page.goto(f"{live_server.url}/settings/inbox")
    row = page.locator(f'tr[data-account-id="{world.account_id}"]')
    dialog = page.locator("#confirm-dialog")
    await row.get_by_role("button", name="Deactivate").click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Deactivate Support line?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(row).to_contain_text("Active")
    await row.get_by_role("button", name="Deactivate").click()
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(page.locator(".form-ok")).to_contain_text("The account is deactivated")
    await expect(row).to_contain_text("Deactivated")
    await expect(row.get_by_role("button", name="Reactivate")).to_be_visible()
