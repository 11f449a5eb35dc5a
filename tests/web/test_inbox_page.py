"""The inbox page's left pane: views, their labels, and bad input (issue 4)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from frontdesk.conversations.inbox_queries import CLOSED_COUNT_CAP
from frontdesk.conversations.inbox_views import ChannelView, ViewCounts
from frontdesk.core.db import Database
from frontdesk.web.routes import view_links, view_title
from tests.web.conftest import SignIn
from tests.web.thread_world import THREADS, build_world, publish


def test_view_links_label_counts_and_cap_the_closed_one() -> None:
    counts = ViewCounts(
        mine=2,
        unassigned=1,
        open=5,
        closed=CLOSED_COUNT_CAP + 1,
        channels=(ChannelView(id=7, name="Chatterbox", count=5),),
    )
    links = view_links(counts, inbox_id=3)
    assert [(link["key"], link["count_label"]) for link in links] == [
        ("mine", "2"),
        ("unassigned", "1"),
        ("open", "5"),
        ("closed", f"{CLOSED_COUNT_CAP}+"),
        ("channel-7", "5"),
    ]
    assert links[-1]["href"] == "/inbox?view=channel-7&inbox=3"
    assert [link["first_channel"] for link in links] == [False] * 4 + [True]
    assert view_title(links, "channel-7") == "Chatterbox"


@pytest.mark.asyncio
async def test_inbox_page_renders_the_views_and_refuses_an_unknown_one(web_user: SignIn) -> None:
    user = await web_user()
    page = await user.client.get("/inbox?view=mine")
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text
    assert "Assigned to me" in page.text
    assert page.headers["server-timing"].startswith("app;dur=")
    unknown = await user.client.get("/inbox?view=everything")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["in"] == "view"


@pytest.mark.asyncio
async def test_rows_fragment_answers_the_named_threads_still_in_the_view(
    web_user: SignIn, db: Database, client: httpx.AsyncClient
) -> None:
    """A live update asks for the rows of the threads it touched: those still in the view come
    back newest first; a closed one (left "All open") and another inbox's do not."""
    world = await build_world(db)
    elsewhere = await build_world(db)
    threads = []
    for _ in range(3):
        world.integration_thread_id = f"chat-{uuid.uuid4().hex[:8]}"
        await publish(client, world)
        threads.append(world.thread_id)
    await publish(client, elsewhere)
    closed = await client.patch(
        f"{THREADS}/{threads[1]}", json={"status": "CLOSED"}, headers=world.auth
    )
    assert closed.status_code == 200, closed.text
    user = await web_user(teams=[world.team])
    ids = ",".join(str(i) for i in (*threads, elsewhere.thread_id))
    page = await user.client.get(f"/inbox/fragments/rows?view=open&ids={ids}")
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'data-thread-id="(\d+)"', page.text)]
    assert shown == [threads[2], threads[0]]
    bad = await user.client.get("/inbox/fragments/rows?view=open&ids=1,,2")
    assert bad.status_code == 400


@pytest.mark.asyncio
async def test_only_admins_get_the_workspace_settings_link(web_user: SignIn) -> None:
    admin = await web_user(role="admin")
    agent = await web_user()
    assert 'href="/settings/users"' in (await admin.client.get("/inbox")).text
    assert 'href="/settings/users"' not in (await agent.client.get("/inbox")).text
