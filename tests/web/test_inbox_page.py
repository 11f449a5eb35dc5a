"""The inbox page's left pane: views, their labels, and bad input (issue 4)."""

from __future__ import annotations

import pytest

from frontdesk.conversations.inbox_queries import CLOSED_COUNT_CAP
from frontdesk.conversations.inbox_views import ChannelView, ViewCounts
from frontdesk.web.routes import view_links, view_title
from tests.web.conftest import SignIn


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
