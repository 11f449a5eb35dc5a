"""/frontdesk/v1/contacts/{contactId}: reading a contact and setting its owner, who may do it,
what is refused, and the `contact.updated` events that keep other viewers current."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from frontdesk.accounts.models import User
from frontdesk.core.db import Database
from frontdesk.core.events import EventRow
from tests import factories
from tests.api.sweep_helpers import assert_error_body, count_rows, token_with
from tests.factories import bearer
from tests.messages.thread_factories import ThreadSetup, create_contact, create_thread, setup_thread

pytestmark = pytest.mark.asyncio


def contact_url(contact_id: int) -> str:
    return f"/frontdesk/v1/contacts/{contact_id}"


async def contact_events(db: Database) -> list[tuple[dict[str, Any], int | None, bool]]:
    """(payload, inbox id, admins) of every `contact.updated` row, oldest first."""
    statement = (
        select(EventRow.payload, EventRow.inbox_id, EventRow.admins)
        .where(EventRow.name == "contact.updated")
        .order_by(EventRow.id)
    )
    async with db.read() as uow:
        return [(r.payload, r.inbox_id, r.admins) for r in await uow.execute(statement)]


async def set_owner(
    client: httpx.AsyncClient, token: str, contact_id: int, owner: object
) -> httpx.Response:
    return await client.patch(
        contact_url(contact_id), json={"ownerId": owner}, headers=bearer(token)
    )


async def test_an_agent_who_sees_the_conversation_sets_and_clears_the_owner(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    owner_id = await factories.create_user(db, name="Olive Owner")  # in no team: owners need none

    response = await set_owner(client, setup.agent_token, setup.contact_id, str(owner_id))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(setup.contact_id)
    assert body["ownerId"] == str(owner_id)
    assert body["phone"] == setup.contact_phone
    fetched = await client.get(contact_url(setup.contact_id), headers=bearer(setup.agent_token))
    assert fetched.json() == body
    assert await contact_events(db) == [
        ({"contactId": str(setup.contact_id), "changes": {"ownerId": str(owner_id)}},
         setup.inbox_id, False),
    ]  # fmt: skip

    cleared = await set_owner(client, setup.agent_token, setup.contact_id, None)

    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["ownerId"] is None
    events = await contact_events(db)
    assert events[-1][0]["changes"] == {"ownerId": None}


async def test_setting_the_same_owner_again_changes_nothing(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    first = await set_owner(client, setup.agent_token, setup.contact_id, str(setup.agent_id))
    again = await set_owner(client, setup.agent_token, setup.contact_id, str(setup.agent_id))

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert len(await contact_events(db)) == 1


async def test_the_name_can_be_changed_too(db: Database, client: httpx.AsyncClient) -> None:
    setup = await setup_thread(db, messages=1)
    response = await client.patch(
        contact_url(setup.contact_id),
        json={"name": "  Ada King  "},
        headers=bearer(setup.agent_token),
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Ada King"
    assert (await contact_events(db))[0][0]["changes"] == {"name": "Ada King"}


async def test_an_agent_without_the_inbox_gets_404_and_nothing_changes(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    before = await count_rows(db)

    changed = await set_owner(client, setup.outsider_token, setup.contact_id, str(setup.agent_id))
    read = await client.get(contact_url(setup.contact_id), headers=bearer(setup.outsider_token))

    assert_error_body(changed, 404, "OBJECT_NOT_FOUND")
    assert_error_body(read, 404, "OBJECT_NOT_FOUND")
    assert await count_rows(db) == before


async def test_unknown_contact_is_404(db: Database, client: httpx.AsyncClient) -> None:
    setup = await setup_thread(db, messages=1)
    response = await set_owner(client, setup.agent_token, setup.contact_id + 1000, None)
    assert_error_body(response, 404, "OBJECT_NOT_FOUND")


async def test_admins_and_apps_with_write_scope_may_set_the_owner(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    admin_id = await factories.create_user(db, role="admin")
    admin_token = await factories.create_personal_token(db, user_id=admin_id)
    writer = await token_with(db, scopes=["conversations.write"], app_id=setup.app.app_id)
    reader = await token_with(db, scopes=["conversations.read"], app_id=setup.app.app_id)

    by_admin = await set_owner(client, admin_token, setup.contact_id, str(admin_id))
    by_app = await set_owner(client, writer, setup.contact_id, str(setup.agent_id))
    by_reader = await set_owner(client, reader, setup.contact_id, None)

    assert by_admin.status_code == 200, by_admin.text
    assert by_app.status_code == 200, by_app.text
    assert by_app.json()["ownerId"] == str(setup.agent_id)
    assert_error_body(by_reader, 403, "MISSING_SCOPES")


@pytest.mark.parametrize(
    "body",
    [
        {"ownerId": "not-a-number"},
        {"ownerId": "999999999"},
        {"ownerId": "99999999999999999999"},
        {"ownerId": ""},
        {"ownerId": 12},
        {"ownerId": "1", "hubspot_owner_id": "1"},
        {"name": ""},
        {"name": None},
        {},
    ],
)
async def test_bad_bodies_answer_400_and_write_nothing(
    db: Database, client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    setup = await setup_thread(db, messages=1)
    before = await count_rows(db)

    response = await client.patch(
        contact_url(setup.contact_id), json=body, headers=bearer(setup.agent_token)
    )

    assert_error_body(response, 400, "VALIDATION_ERROR")
    assert await count_rows(db) == before


async def test_a_deactivated_user_cannot_become_owner(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    gone = await factories.create_user(db, name="Gone")
    async with db.transaction() as uow:
        await uow.execute(update(User).where(User.id == gone).values(active=False))

    response = await set_owner(client, setup.agent_token, setup.contact_id, str(gone))

    body = assert_error_body(response, 400, "VALIDATION_ERROR")
    assert body["errors"][0]["in"] == "ownerId"
    assert "not an active user" in body["message"]


async def test_the_event_reaches_every_inbox_of_the_contact(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    other_inbox = await second_thread_elsewhere(db, setup)

    response = await set_owner(client, setup.agent_token, setup.contact_id, str(setup.agent_id))

    assert response.status_code == 200, response.text
    inboxes = sorted(inbox or 0 for _payload, inbox, _admins in await contact_events(db))
    assert inboxes == sorted([setup.inbox_id, other_inbox])


async def test_a_contact_without_conversations_is_for_admins_only(
    db: Database, client: httpx.AsyncClient
) -> None:
    setup = await setup_thread(db, messages=1)
    loner = await create_contact(db, name="No Threads")
    admin_id = await factories.create_user(db, role="admin")
    admin_token = await factories.create_personal_token(db, user_id=admin_id)

    by_agent = await set_owner(client, setup.agent_token, loner, str(admin_id))
    by_admin = await set_owner(client, admin_token, loner, str(admin_id))

    assert_error_body(by_agent, 404)
    assert by_admin.status_code == 200, by_admin.text
    assert await contact_events(db) == [
        ({"contactId": str(loner), "changes": {"ownerId": str(admin_id)}}, None, True)
    ]


async def second_thread_elsewhere(db: Database, setup: ThreadSetup) -> int:
    """A thread of the same contact in another inbox (of another team); returns the inbox."""
    team = await factories.create_team(db)
    inbox_id = await factories.create_inbox(db, teams=[team])
    account_id = await factories.create_channel_account_row(
        db, channel_id=setup.channel_id, inbox_id=inbox_id, delivery_value="+15550001111"
    )
    await create_thread(
        db,
        inbox_id=inbox_id,
        channel_id=setup.channel_id,
        channel_account_id=account_id,
        contact_id=setup.contact_id,
    )
    return inbox_id


async def test_the_event_applied_to_a_stale_contact_equals_a_fresh_fetch(
    db: Database, client: httpx.AsyncClient
) -> None:
    """What the sidebar does with `contact.updated` (a small Zulip verify_action)."""
    setup = await setup_thread(db, messages=1)
    auth = bearer(setup.agent_token)
    stale = (await client.get(contact_url(setup.contact_id), headers=auth)).json()

    for body in ({"ownerId": str(setup.agent_id), "name": "Ada King"}, {"ownerId": None}):
        response = await client.patch(contact_url(setup.contact_id), json=body, headers=auth)
        assert response.status_code == 200, response.text
    for payload, _inbox, _admins in await contact_events(db):
        assert payload["contactId"] == stale["id"]
        stale.update(payload["changes"])

    fresh = (await client.get(contact_url(setup.contact_id), headers=auth)).json()
    assert {**stale, "updatedAt": None} == {**fresh, "updatedAt": None}
