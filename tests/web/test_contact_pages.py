"""The contacts list and the contact record pages: search, access, the timeline with its
filters and "View in inbox" links, and editing properties through the form (CSRF)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from frontdesk.contacts.models import Contact
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests import factories
from tests.api.sweep_helpers import count_rows
from tests.messages.thread_factories import (
    BASE_MS,
    add_message,
    create_contact,
    create_thread,
    new_phone,
    setup_thread,
)
from tests.web.conftest import SignIn

pytestmark = pytest.mark.asyncio
ITEM = re.compile(r'<li class="timeline-item" data-activity="([a-z_]+)" data-item-id="(\d+)"')


def timeline_ids(html: str) -> list[int]:
    return [int(item_id) for _kind, item_id in ITEM.findall(html)]


async def test_the_list_shows_the_contacts_of_my_inboxes_and_searches(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])
    other = await create_contact(db, name="Zed Zebra", email="zed@example.com", phone=new_phone())
    await create_thread(
        db, inbox_id=setup.inbox_id, channel_id=setup.channel_id,
        channel_account_id=setup.account_id, contact_id=other,
    )  # fmt: skip
    hidden = await create_contact(db, name="Hidden Hal", phone=new_phone())  # no conversation

    everyone = (await agent.client.get("/contacts")).text
    found = (await agent.client.get("/contacts", params={"q": "ZEBRA"})).text
    by_email = (await agent.client.get("/contacts", params={"q": "zed@exa"})).text
    nothing = (await agent.client.get("/contacts", params={"q": "zz%_"})).text

    assert f'href="/contacts/{setup.contact_id}"' in everyone
    assert f'href="/contacts/{other}"' in everyone
    assert f'href="/contacts/{hidden}"' not in everyone
    assert f'href="/contacts/{other}"' in found
    assert f'href="/contacts/{setup.contact_id}"' not in found
    assert f'href="/contacts/{other}"' in by_email
    assert "No contact matches" in nothing
    assert 'href="/contacts"' in everyone  # the top bar's link


async def test_the_record_shows_properties_and_the_timeline(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=2)
    comment = await add_message(
        db, thread_id=setup.thread_id, created_at=BASE_MS + 9_000, type="COMMENT",
        text="Call back <b>Monday</b>", created_by=f"A-{setup.agent_id}",
    )  # fmt: skip
    agent = await web_user(teams=[setup.team])

    page = await agent.client.get(f"/contacts/{setup.contact_id}")

    assert page.status_code == 200, page.text
    html = page.text
    assert timeline_ids(html) == [comment, *reversed(setup.message_ids)]
    assert f'href="/inbox/threads/{setup.thread_id}?message={comment}"' in html
    assert "Call back &lt;b&gt;Monday&lt;/b&gt;" in html
    assert setup.contact_phone in html
    assert 'name="csrf_token"' in html
    assert '<option value="conversation_message">Conversation messages</option>' in html
    assert f'<option value="{setup.channel_id}">' in html
    assert "<script>" not in html

    comments = await agent.client.get(
        f"/contacts/{setup.contact_id}", params={"type": "internal_comment"}
    )
    by_channel = await agent.client.get(
        f"/contacts/{setup.contact_id}", params={"channel": str(setup.channel_id + 999)}
    )
    assert timeline_ids(comments.text) == [comment]
    assert timeline_ids(by_channel.text) == []
    assert "No activity matches these filters" in by_channel.text


async def test_the_timeline_pages_with_older_activity(
    db: Database, web_user: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.web import contact_routes

    monkeypatch.setattr(contact_routes, "TIMELINE_PAGE_SIZE", 2)
    setup = await setup_thread(db, messages=3)
    agent = await web_user(teams=[setup.team])

    first = (await agent.client.get(f"/contacts/{setup.contact_id}")).text
    more = re.search(r'id="timeline-more" href="([^"]+)"', first)
    assert more, first
    second = (await agent.client.get(more.group(1).replace("&amp;", "&"))).text

    assert timeline_ids(first) + timeline_ids(second) == list(reversed(setup.message_ids))
    assert 'id="timeline-more"' not in second


async def test_others_get_404_and_bad_filters_400(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1)
    outsider = await web_user(teams=[await factories.create_team(db)])
    agent = await web_user(teams=[setup.team])

    assert (await outsider.client.get(f"/contacts/{setup.contact_id}")).status_code == 404
    assert (await agent.client.get("/contacts/99999999")).status_code == 404
    for params in ({"type": "meeting"}, {"channel": "abc"}, {"before": "!!"}, {"before": "WzFd"}):
        response = await agent.client.get(f"/contacts/{setup.contact_id}", params=params)
        assert response.status_code == 400, (params, response.status_code)


async def test_an_agent_edits_the_properties(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])
    phone = new_phone()

    saved = await agent.client.post(
        f"/contacts/{setup.contact_id}",
        data={
            "csrf_token": agent.csrf,
            "name": "Ada King",
            "email": "Ada@Example.com",
            "phone": phone,
            "owner_id": str(agent.user_id),
        },
    )

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/contacts/{setup.contact_id}?saved=1"
    async with db.read() as uow:
        row = (await uow.execute(select(Contact).where(Contact.id == setup.contact_id))).one()
        events = (
            await uow.execute(select(EventRow.payload).where(EventRow.name == "contact.updated"))
        ).scalars()
        changes = [payload["changes"] for payload in events]
    assert (row.name, row.email, row.phone, row.owner_id) == (
        "Ada King",
        "ada@example.com",
        phone,
        agent.user_id,
    )
    assert changes == [
        {"name": "Ada King", "email": "ada@example.com", "phone": phone,
         "ownerId": str(agent.user_id)}
    ]  # fmt: skip
    page = (await agent.client.get(saved.headers["location"])).text
    assert "Saved." in page
    assert 'value="ada@example.com"' in page


async def test_a_refused_edit_shows_the_error_and_writes_nothing(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])
    taken = await create_contact(
        db,
        name="Taken",
        email="taken@example.com",
        identities=[("HS_EMAIL_ADDRESS", "taken@example.com", 0)],
    )
    before = await count_rows(db)
    url = f"/contacts/{setup.contact_id}"

    bad_email = await agent.client.post(url, data={"csrf_token": agent.csrf, "email": "nope"})
    clash = await agent.client.post(
        url, data={"csrf_token": agent.csrf, "email": "taken@example.com", "name": "X"}
    )
    no_csrf = await agent.client.post(url, data={"name": "Sneaky"})

    assert bad_email.status_code == 400
    assert 'id="error-email"' in bad_email.text
    assert clash.status_code == 409
    assert f"Existing ID: {taken}" in clash.text
    assert no_csrf.status_code == 403
    assert await count_rows(db) == before


async def test_the_sidebar_links_to_the_record(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])
    html = (
        await agent.client.get(
            f"/inbox/fragments/threads/{setup.thread_id}", headers={"X-Frontdesk-Fragment": "1"}
        )
    ).text
    assert f'class="contact-record-link" href="/contacts/{setup.contact_id}"' in html
