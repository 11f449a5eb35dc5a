"""The contact owner in the conversation sidebar, in real browsers: one agent sets it, a
second agent looking at the same contact sees it change live, and the API agrees."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import select

from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from tests.browser.conftest import SignedIn
from tests.server import LiveServer, http_client
from tests.web.thread_world import ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def api(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(live_server.url) as client:
        yield client


@pytest_asyncio.fixture
async def world(db: Database, api: httpx.AsyncClient) -> ThreadWorld:
    built = await build_world(db)
    await publish(api, built, "Who looks after my account?")
    return built


async def owner_of(db: Database, thread_id: int) -> int | None:
    async with db.read() as uow:
        owner: int | None = await uow.scalar(
            select(Contact.owner_id)
            .join(Thread, Thread.contact_id == Contact.id)
            .where(Thread.id == thread_id)
        )
    return owner


async def test_set_the_contact_owner_and_see_it_change_in_another_browser(
    signed_in: SignedIn, live_server: LiveServer, world: ThreadWorld, db: Database
) -> None:
    grace = await signed_in(teams=[world.team], name="Grace Hopper")
    alan = await signed_in(teams=[world.team], name="Alan Turing")
    await grace.open_thread(live_server.url, world.thread_id)
    await alan.open_thread(live_server.url, world.thread_id)
    alans_view = alan.page.get_by_label("Contact owner")
    await expect(alans_view).to_have_value("")

    await grace.page.get_by_label("Contact owner").select_option(label="Alan Turing")

    await expect(alans_view).to_have_value(str(alan.user_id))
    await expect(grace.page.get_by_label("Contact owner")).to_be_enabled()
    assert await owner_of(db, world.thread_id) == alan.user_id
    await alan.shot("contact-owner-set-by-other-agent")

    await alans_view.select_option(label="No owner")

    await expect(grace.page.get_by_label("Contact owner")).to_have_value("")
    await expect(alans_view).to_be_enabled()
    assert await owner_of(db, world.thread_id) is None
    # The conversation's own assignee is a different thing and stays as it was.
    await expect(grace.page.get_by_label("Owner", exact=True)).to_have_value("")
