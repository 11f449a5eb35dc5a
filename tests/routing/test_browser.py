"""The availability switch in a real browser: flipping it in one tab saves it, the user's
other tab follows live, and routing sees it (a waiting conversation comes to the agent when
they are available again). The open page is what keeps the agent online."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from frontdesk.config import Settings
from frontdesk.core.db import Database
from tests.browser.conftest import SignedIn, browser, chromium, signed_in  # noqa: F401
from tests.routing.world import assignees, make_world, queued, user

pytestmark = pytest.mark.asyncio


async def test_switching_to_away_and_back_in_the_user_menu(
    signed_in: SignedIn,  # noqa: F811
    db: Database,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    world = await make_world(db, settings, client, agents=0)
    await world.route()
    agent = await signed_in(teams=[world.team], name="Grace Hopper")
    await expect(agent.page.locator("#live-state")).to_have_attribute("data-state", "live")
    other_tab = await agent.context.new_page()
    await other_tab.goto(agent.page.url)
    await expect(other_tab.locator("#live-state")).to_have_attribute("data-state", "live")

    await agent.page.locator(".user-menu summary").click()
    switch = agent.page.get_by_role("switch")
    await expect(switch).to_have_attribute("aria-checked", "true")
    await switch.click()

    await expect(switch).to_have_text("Away: no new conversations come to you")
    await expect(agent.page.locator("#away-mark")).to_be_visible()
    await expect(other_tab.locator("#away-mark")).to_be_visible()  # live, without reloading
    assert (await user(db, agent.user_id)).availability == "away"
    waiting = await world.publish()
    assert await queued(db) == [waiting]

    await switch.click()

    await expect(switch).to_have_attribute("aria-checked", "true")
    await expect(other_tab.locator("#away-mark")).to_be_hidden()
    assert await assignees(db, [waiting]) == [agent.user_id]
