"""The conversation pane (issue 7): the channel picker offers only what can reach the contact
(email needs an address, and says why it is disabled without SMTP), the email form is filled
with the contact's addresses and a default subject, and emails and calls render as cards."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import update

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.messages.models import Message
from tests.factories import bearer
from tests.messages.thread_factories import ThreadSetup, setup_thread
from tests.outreach.helpers import (
    ADDRESS,
    OTHER_ADDRESS,
    calls_url,
    email_body,
    email_thread,
    emails_url,
)
from tests.web.conftest import SignIn, WebUser

pytestmark = pytest.mark.asyncio
FRAGMENT = {"X-Frontdesk-Fragment": "1"}


async def _pane(user: WebUser, setup: ThreadSetup) -> str:
    response = await user.client.get(
        f"/inbox/fragments/threads/{setup.thread_id}", headers=FRAGMENT
    )
    assert response.status_code == 200, response.text
    return response.text


def _options(html: str) -> list[tuple[str, str]]:
    picker = html.partition('<select id="channel-pick"')[2].partition("</select>")[0]
    return re.findall(r'<option value="(\w+)"([^>]*)>', picker)


async def test_the_picker_offers_email_and_call_with_the_contacts_addresses(
    db: Database, web_user: SignIn
) -> None:
    setup = await email_thread(db, addresses=(ADDRESS, OTHER_ADDRESS))
    agent = await web_user(teams=[setup.team])

    html = await _pane(agent, setup)

    assert _options(html) == [("thread", ""), ("email", ""), ("call", "")]
    to = html.partition('<select name="to"')[2].partition("</select>")[0]
    assert re.findall(r"<option>([^<]*)</option>", to) == [ADDRESS, OTHER_ADDRESS]
    assert re.search(r'name="subject" value="Your conversation with inbox-\w+"', html)
    assert 'value="LEFT_VOICEMAIL">Left voicemail<' in html


async def test_the_subject_answers_the_threads_own(db: Database, web_user: SignIn) -> None:
    setup = await email_thread(db)
    async with db.transaction() as uow:
        await uow.execute(
            update(Message)
            .where(Message.id == setup.message_ids[0])
            .values(subject="Broken parcel")
        )
    agent = await web_user(teams=[setup.team])

    html = await _pane(agent, setup)

    assert 'name="subject" value="Re: Broken parcel"' in html
    assert f'<input type="email" name="to" value="{ADDRESS}" readonly>' in html


async def test_no_address_no_email(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])

    html = await _pane(agent, setup)

    assert _options(html) == [("thread", ""), ("call", "")]
    assert "email-form" not in html


async def test_email_is_disabled_with_the_reason_without_smtp(
    db: Database, settings: Settings, web_user: SignIn
) -> None:
    setup = await email_thread(db)
    app = create_app(settings.model_copy(update={"smtp_host": ""}), db=db)
    agent = await web_user(teams=[setup.team])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=agent.client.cookies
    ) as client:
        response = await client.get(f"/inbox/fragments/threads/{setup.thread_id}", headers=FRAGMENT)

    options = dict(_options(response.text))
    assert 'disabled title="Email is not configured"' in options["email"]
    assert "Email: Email is not configured" in response.text


async def test_an_archived_thread_offers_no_switch(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1, archived=True)
    agent = await web_user(teams=[setup.team])
    html = await _pane(agent, setup)

    assert "This conversation is archived" in html
    assert "channel-pick" not in html


async def test_emails_and_calls_render_as_cards(
    client: httpx.AsyncClient, db: Database, web_user: SignIn
) -> None:
    setup = await email_thread(db)
    headers = bearer(setup.agent_token)
    email = await client.post(
        emails_url(setup), json=email_body(subject="Parcel <b>#1</b>"), headers=headers
    )
    call = await client.post(
        calls_url(setup),
        json={"outcome": "BUSY", "durationSeconds": 3725, "notes": "<i>try later</i>"},
        headers=headers,
    )
    agent = await web_user(teams=[setup.team])

    html = await _pane(agent, setup)
    one = await agent.client.get(f"/inbox/fragments/messages/{call.json()['id']}", headers=FRAGMENT)

    email_article = html.partition(f'data-message-id="{email.json()["id"]}"')
    assert "msg-email" in email_article[0].rpartition("<article")[2]
    assert '<span class="email-subject">Parcel &lt;b&gt;#1&lt;/b&gt;</span>' in html
    assert f'<span class="email-to">To: {ADDRESS}</span>' in html
    assert 'data-status="PENDING"' in email_article[2]
    assert '<div class="call-card" data-outcome="BUSY">' in html
    assert '<span class="call-outcome">Busy</span>' in html
    assert '<span class="call-duration" title="Duration">1:02:05</span>' in html
    assert "&lt;i&gt;try later&lt;/i&gt;" in html
    assert 'data-kind="call"' in one.text
    assert "Call logged from Grace Hopper" in one.text
