"""The search page and its results fragment (issue 6): results with highlighted snippets,
filters that narrow, what an agent may see, escaping, empty states, paging, and the thread
page opened at a result's message."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.web.search_page import PAGE_SIZE, SearchForm
from tests.web.conftest import SignIn, WebUser
from tests.web.thread_world import THREADS, ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio
FRAGMENT = {"X-Frontdesk-Fragment": "1"}
RESULTS = "/search/fragments/results"


def result_threads(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="search-result" data-thread-id="(\d+)"', html)]


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


async def new_thread(client: httpx.AsyncClient, world: ThreadWorld, text: str, **kw: str) -> int:
    """Another conversation in the world's account (a new integration thread id)."""
    world.integration_thread_id = f"chat-{uuid.uuid4().hex[:8]}"
    await publish(client, world, text, **kw)
    return world.thread_id


async def fragment(user: WebUser, query: str) -> httpx.Response:
    return await user.client.get(f"{RESULTS}?{query}", headers=FRAGMENT)


async def test_page_and_fragment_show_results_with_highlighted_snippets(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db, contact_name="Marie Curie")
    await publish(client, world, "Hi! My parcel arrived damaged. Order #4471.")
    message_id = world.message_ids[-1]
    agent = await web_user(teams=[world.team])

    page = await agent.client.get("/search?q=parcel")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert 'value="parcel"' in page.text  # the top bar's box shows the query
    assert result_threads(page.text) == [world.thread_id]
    assert f'href="/inbox/threads/{world.thread_id}?message={message_id}"' in page.text
    assert marks(page.text) == ["parcel"]
    assert "Marie Curie" in page.text
    assert "Chatterbox" in page.text

    # As you type: a prefix finds the word, and the fragment is only the results.
    typed = await fragment(agent, "q=parc")
    assert typed.status_code == 200
    assert result_threads(typed.text) == [world.thread_id]
    assert marks(typed.text) == ["parcel"]
    assert "<html" not in typed.text
    assert 'id="search-filters"' not in typed.text


async def test_filters_narrow_and_the_dropdowns_list_what_the_agent_sees(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    chatter = await build_world(db, channel_name="Chatterbox")
    agent = await web_user(teams=[chatter.team])
    first = await new_thread(client, chatter, "Where is my refund?")
    closed = await new_thread(client, chatter, "Refund for order 12")
    response = await client.patch(
        f"{THREADS}/{closed}", json={"status": "CLOSED"}, headers=chatter.auth
    )
    assert response.status_code == 200, response.text
    # A second channel in an inbox the agent also sees (another team of theirs).
    pigeon = await build_world(db, channel_name="Pigeon Post", account_name="Loft")
    other = await web_user(teams=[chatter.team, pigeon.team])
    by_pigeon = await new_thread(client, pigeon, "A refund, please")

    everything = await fragment(other, "q=refund")
    assert sorted(result_threads(everything.text)) == sorted([first, closed, by_pigeon])
    channel = await fragment(other, f"q=refund&channel={pigeon.channel_id}")
    assert result_threads(channel.text) == [by_pigeon]
    status = await fragment(other, "q=refund&status=CLOSED")
    assert result_threads(status.text) == [closed]
    combined = await fragment(other, f"q=refund&channel={chatter.channel_id}&status=OPEN")
    assert result_threads(combined.text) == [first]
    account = await fragment(other, f"q=refund&account={pigeon.account_id}")
    assert result_threads(account.text) == [by_pigeon]
    inbox = await fragment(other, f"q=refund&inbox={chatter.inbox_id}")
    assert sorted(result_threads(inbox.text)) == sorted([first, closed])
    # Filters alone (no words) list the matching conversations.
    only_filter = await fragment(other, f"channel={pigeon.channel_id}")
    assert result_threads(only_filter.text) == [by_pigeon]

    # The page's dropdowns: both channels for `other`, only Chatterbox for `agent`.
    page = await other.client.get(f"/search?q=refund&channel={pigeon.channel_id}")
    assert f'<option value="{pigeon.channel_id}" selected>Pigeon Post</option>' in page.text
    assert f'<option value="{chatter.channel_id}">Chatterbox</option>' in page.text
    assert '<option value="unassigned">Unassigned</option>' in page.text
    assert '<option value="me">Me</option>' in page.text
    mine = await agent.client.get("/search")
    assert "Pigeon Post" not in mine.text
    assert "Loft" not in mine.text


async def test_assignee_dates_and_attachments_filter(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db)
    agent = await web_user(teams=[world.team])
    mine = await new_thread(client, world, "invoice question")
    nobody = await new_thread(
        client,
        world,
        "invoice copy",
        timestamp=(datetime.now(UTC) - timedelta(days=40)).isoformat(),
    )
    taken = await client.put(
        f"{THREADS}/{mine}/assignee", json={"actorId": f"A-{agent.user_id}"}, headers=world.auth
    )
    assert taken.status_code == 200, taken.text

    me = await fragment(agent, "q=invoice&assignee=me")
    assert result_threads(me.text) == [mine]
    assert "Assigned to you" in me.text
    by_id = await fragment(agent, f"q=invoice&assignee={agent.user_id}")
    assert result_threads(by_id.text) == [mine]
    unassigned = await fragment(agent, "q=invoice&assignee=unassigned")
    assert result_threads(unassigned.text) == [nobody]

    today = datetime.now(UTC).date()
    recent = await fragment(agent, f"q=invoice&since={today - timedelta(days=2)}")
    assert result_threads(recent.text) == [mine]
    old = await fragment(agent, f"q=invoice&until={today - timedelta(days=30)}")
    assert result_threads(old.text) == [nobody]
    none_with_files = await fragment(agent, "q=invoice&attachments=1")
    assert result_threads(none_with_files.text) == []


async def test_an_agent_never_sees_a_thread_of_an_inbox_they_cannot_see(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    ours = await build_world(db)
    theirs = await build_world(db, channel_name="Secret line")
    await publish(client, ours, "tracking number please")
    await publish(client, theirs, "tracking number for the secret order")
    agent = await web_user(teams=[ours.team])
    admin = await web_user(role="admin")

    seen = await fragment(agent, "q=tracking")
    assert result_threads(seen.text) == [ours.thread_id]
    asked = await fragment(agent, f"q=tracking&inbox={theirs.inbox_id}")
    assert asked.status_code == 200
    assert result_threads(asked.text) == []
    by_channel = await agent.client.get(f"/search?channel={theirs.channel_id}")
    assert result_threads(by_channel.text) == []
    assert "secret order" not in by_channel.text

    everyone = await fragment(admin, "q=tracking")
    assert sorted(result_threads(everyone.text)) == sorted([ours.thread_id, theirs.thread_id])


async def test_hostile_text_and_queries_render_escaped(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db, contact_name='<img src=x onerror="alert(1)">')
    await publish(client, world, 'The <script>alert("parcel")</script> & <b>parcel</b> tag')
    agent = await web_user(teams=[world.team])

    page = await agent.client.get("/search?q=parcel")
    assert result_threads(page.text) == [world.thread_id]
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<b>parcel" not in page.text
    assert "<img src=x" not in page.text
    assert set(marks(page.text)) == {"parcel"}

    for hostile in ['"', "*", "NEAR(", ":", "'", "\\", '<script>x</script>"', "parcel OR"]:
        response = await agent.client.get("/search", params={"q": hostile})
        assert response.status_code == 200, (hostile, response.text)
        assert "<script>x" not in response.text
        typed = await agent.client.get(RESULTS, params={"q": hostile}, headers=FRAGMENT)
        assert typed.status_code == 200, (hostile, typed.text)


async def test_empty_states_hint_and_nothing_found(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db)
    await publish(client, world, "hello there")
    agent = await web_user(teams=[world.team])

    blank = await agent.client.get("/search")
    assert blank.status_code == 200
    assert "Search every conversation you can see" in blank.text
    assert result_threads(blank.text) == []
    spaces = await fragment(agent, "q=+++")
    assert "Search every conversation you can see" in spaces.text

    nothing = await fragment(agent, "q=zebra")
    assert "No conversations match “zebra”" in nothing.text
    assert "Try removing filters" not in nothing.text
    filtered = await fragment(agent, "q=hello&status=CLOSED")
    assert "No conversations match" in filtered.text
    assert "Try removing filters" in filtered.text
    assert 'href="/search?q=hello" data-action="clear-filters"' in filtered.text


async def test_bad_input_is_a_400_in_hubspots_shape(web_user: SignIn) -> None:
    agent = await web_user()
    for query, field in [
        ("status=SNOOZED", "status"),
        ("channel=abc", "channel"),
        ("assignee=everyone", "assignee"),
        ("since=2026-13-40", "since"),
        ("since=2026-05-02&until=2026-05-01", "until"),
        ("attachments=yes", "attachments"),
        ("q=x&after=not-a-cursor", "after"),
        (f"q={'a' * 501}", "q"),
    ]:
        response = await fragment(agent, query)
        assert response.status_code == 400, (query, response.text)
        body = response.json()
        assert body["category"] == "VALIDATION_ERROR", body
        assert body["errors"][0]["in"] == field, (query, body)


async def test_load_more_pages_by_cursor(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db)
    threads = [await new_thread(client, world, f"order {n} is late") for n in range(PAGE_SIZE + 2)]
    agent = await web_user(teams=[world.team])

    first = await fragment(agent, "q=late")
    shown = result_threads(first.text)
    assert shown == threads[::-1][:PAGE_SIZE]
    more = re.search(r'data-action="more" data-query="([^"]+)"', first.text)
    assert more, first.text
    query = more.group(1).replace("&amp;", "&")
    assert "q=late" in query
    rest = await fragment(agent, query)
    assert rest.status_code == 200
    assert result_threads(rest.text) == threads[::-1][PAGE_SIZE:]
    assert 'data-action="more"' not in rest.text
    assert "<ol" not in rest.text  # rows only: they join the list already on the page


async def test_the_thread_page_marks_the_message_to_show(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db)
    target = await publish(client, world, "first message")
    await publish(client, world, "second message")
    elsewhere = await build_world(db)
    stranger = await publish(client, elsewhere, "not this thread")
    agent = await web_user(teams=[world.team])

    page = await agent.client.get(f"/inbox/threads/{world.thread_id}?message={target}")
    assert page.status_code == 200
    assert f'data-focus-message="{target}"' in page.text
    pane = await agent.client.get(
        f"/inbox/fragments/threads/{world.thread_id}?message={target}", headers=FRAGMENT
    )
    assert f'data-focus-message="{target}"' in pane.text
    # Another thread's message is not focused (the page would load history looking for it).
    other = await agent.client.get(f"/inbox/threads/{world.thread_id}?message={stranger}")
    assert other.status_code == 200
    assert "data-focus-message" not in other.text
    plain = await agent.client.get(f"/inbox/threads/{world.thread_id}")
    assert "data-focus-message" not in plain.text
    bad = await agent.client.get(f"/inbox/threads/{world.thread_id}?message=abc")
    assert bad.status_code == 400


async def test_the_top_bar_searches_from_every_page(web_user: SignIn) -> None:
    agent = await web_user()
    inbox = await agent.client.get("/inbox")
    assert '<form class="search" id="search-form" role="search" action="/search"' in inbox.text
    assert 'aria-keyshortcuts="/"' in inbox.text
    assert 'aria-label="Search"' in inbox.text
    assert 'value=""' in inbox.text


async def test_dates_are_whole_days_in_the_viewers_zone() -> None:
    zone = ZoneInfo("Europe/Paris")
    filters = SearchForm(since="2026-05-28", until="2026-05-28").filters(user_id=7, zone=zone)
    start = datetime(2026, 5, 28, tzinfo=zone)
    assert filters.since_ms == int(start.timestamp() * 1000)
    assert filters.until_ms == int((start + timedelta(days=1)).timestamp() * 1000)
    assert SearchForm(assignee="me").filters(user_id=7, zone=zone).assignee == 7
