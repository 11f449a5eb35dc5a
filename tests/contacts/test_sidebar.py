"""The contact owner dropdown in the conversation sidebar (the fragment our script fetches)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from frontdesk.accounts.models import User
from frontdesk.contacts.models import Contact
from frontdesk.core.db import Database
from tests import factories
from tests.messages.thread_factories import setup_thread
from tests.web.conftest import SignIn

pytestmark = pytest.mark.asyncio
OPTION = re.compile(r'<option value="(\d*)"( selected)?>([^<]*)</option>')


def owner_select(html: str) -> str:
    sidebar = html.partition('data-pane="sidebar"')[2]
    match = re.search(r'<select id="contact-owner-select"[^>]*>(.*?)</select>', sidebar, re.S)
    assert match, sidebar
    return match.group(0)


async def test_the_sidebar_offers_every_active_user_as_contact_owner(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=1)
    viewer = await web_user(teams=[setup.team], name="Viewer Vera")
    elsewhere = await factories.create_user(db, name="Elsewhere Eli")  # no team: still a choice
    gone = await factories.create_user(db, name="Gone Gus")
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == gone).values(active=False))

    html = (
        await viewer.client.get(
            f"/inbox/fragments/threads/{setup.thread_id}", headers={"X-Frontdesk-Fragment": "1"}
        )
    ).text
    select = owner_select(html)

    assert f'data-contact-id="{setup.contact_id}"' in select
    options = [(value, bool(chosen), name) for value, chosen, name in OPTION.findall(select)]
    assert options[0] == ("", True, "No owner")
    assert (str(elsewhere), False, "Elsewhere Eli") in options
    assert (str(viewer.user_id), False, "Viewer Vera (you)") in options
    assert (str(setup.agent_id), False, "Grace Hopper") in options
    assert all(value != str(gone) for value, _chosen, _name in options)


async def test_a_deactivated_owner_stays_visible_as_the_selection(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=1)
    viewer = await web_user(teams=[setup.team], name="Viewer Vera")
    gone = await factories.create_user(db, name="Gone Gus")
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == gone).values(active=False))
        await uow.execute(
            update(Contact).where(Contact.id == setup.contact_id).values(owner_id=gone)
        )

    html = (
        await viewer.client.get(
            f"/inbox/fragments/threads/{setup.thread_id}", headers={"X-Frontdesk-Fragment": "1"}
        )
    ).text

    chosen = [(v, n) for v, c, n in OPTION.findall(owner_select(html)) if c]
    assert chosen == [(str(gone), "Gone Gus (deactivated)")]
