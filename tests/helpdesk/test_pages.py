"""The help-desk view (/helpdesk), its top-bar link, and the ticket card of the sidebar."""

from __future__ import annotations

import re

import httpx
import pytest

from frontdesk.core.db import Database
from tests.helpdesk.helpers import agent_reply, build_desk, new_conversation, patch_thread
from tests.web.conftest import SignIn

pytestmark = pytest.mark.asyncio
ROW = re.compile(r'<tr data-ticket-id="(\d+)" data-ticket-status="([A-Z_]*)">')


def rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), s) for i, s in ROW.findall(html)]


async def test_the_view_lists_filters_and_sorts_the_tickets(
    client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    desk = await build_desk(db)
    first = await new_conversation(client, desk, "first")
    second = await new_conversation(client, desk, "second")
    await agent_reply(client, desk, first)
    await patch_thread(client, desk, second, {"properties": {"priority": "URGENT"}})
    agent = await web_user(teams=[desk.world.team])

    page = await agent.client.get("/helpdesk")
    assert page.status_code == 200
    # Newest activity first: the reply made `first` the latest.
    assert rows(page.text) == [(first, "WAITING_ON_CONTACT"), (second, "NEW")]
    assert 'id="helpdesk-link"' in page.text
    assert f'href="/inbox/threads/{first}"' in page.text
    assert "Waiting on contact" in page.text
    assert "Urgent" in page.text

    urgent = await agent.client.get("/helpdesk", params={"priority": "URGENT"})
    assert rows(urgent.text) == [(second, "NEW")]
    by_status = await agent.client.get("/helpdesk", params={"sort": "ticketStatus"})
    assert rows(by_status.text) == [(second, "NEW"), (first, "WAITING_ON_CONTACT")]
    assert 'aria-sort="ascending"' in by_status.text

    fragment = await agent.client.get("/helpdesk", headers={"X-Frontdesk-Fragment": "1"})
    assert fragment.text.lstrip().startswith('<div class="helpdesk-table-wrap"')
    assert "<header" not in fragment.text

    # The top bar is the same on every page.
    for path in ("/inbox", "/search?q=first", "/settings/notifications", "/contacts"):
        other = await agent.client.get(path)
        assert 'id="helpdesk-link"' in other.text, path


async def test_no_help_desk_no_link_and_no_tickets(
    client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    desk = await build_desk(db)
    await new_conversation(client, desk)
    ordinary = await build_desk(db, help_desk=False)
    agent = await web_user(teams=[ordinary.world.team])
    page = await agent.client.get("/helpdesk")
    assert page.status_code == 200
    assert rows(page.text) == []
    assert "You do not see a help desk" in page.text
    assert 'id="helpdesk-link"' not in page.text
    assert 'id="helpdesk-link"' not in (await agent.client.get("/contacts")).text


async def test_the_sidebar_shows_the_ticket_fields_of_a_help_desk_thread_only(
    client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    desk = await build_desk(db)
    ticket = await new_conversation(client, desk)
    await patch_thread(client, desk, ticket, {"properties": {"category": "BILLING_ISSUE"}})
    await agent_reply(client, desk, ticket)
    agent = await web_user(teams=[desk.world.team])
    pane = (await agent.client.get(f"/inbox/threads/{ticket}")).text
    assert 'class="side-card ticket-card"' in pane
    assert 'data-ticket-field="ticket_status" data-value="WAITING_ON_CONTACT"' in pane
    assert 'data-ticket-field="category" data-value="BILLING_ISSUE"' in pane
    assert 'data-ticket-field="priority" data-value=""' in pane
    assert 'class="ticket-first-response"><time' in pane

    ordinary = await build_desk(db, help_desk=False)
    plain = await new_conversation(client, ordinary)
    other = await web_user(teams=[ordinary.world.team])
    assert "ticket-card" not in (await other.client.get(f"/inbox/threads/{plain}")).text
