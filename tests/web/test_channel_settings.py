"""Settings > Inbox (issue 5): connected accounts, the connect picker and its start, the status
fragment, the direct form, the routing step, and deactivate / move / delete, as pages."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from frontdesk.accounts import service as account_service
from frontdesk.channels.models import Channel
from frontdesk.channels.service import admin as channel_admin
from frontdesk.core.db import Database
from tests import factories
from tests.api.sweep_helpers import count_rows
from tests.web.conftest import SignIn, WebUser
from tests.web.thread_world import V3, ThreadWorld, build_world, publish

pytestmark = pytest.mark.asyncio
FRAGMENT = {"X-Frontdesk-Fragment": "1"}


async def admin_and_world(db: Database, web_user: SignIn) -> tuple[WebUser, ThreadWorld]:
    return await web_user(role="admin", name="Ada Admin"), await build_world(db)


async def managed(db: Database, account_id: int) -> channel_admin.ManagedAccount:
    async with db.read() as uow:
        return await channel_admin.get_managed_account(uow, account_id=account_id)


async def test_the_list_shows_accounts_with_channel_inbox_status_and_counts(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    await publish(client, world, "hello")
    page = await admin.client.get("/settings/inbox")
    assert page.status_code == 200
    row = re.search(rf'<tr data-account-id="{world.account_id}">(.*?)</tr>', page.text, re.S)
    assert row, page.text
    cells = row.group(1)
    assert "Support line" in cells
    assert "Chatterbox" in cells
    assert "Active" in cells
    assert "1 / 1" in cells
    assert f'href="/settings/inbox/accounts/{world.account_id}/routing"' in cells
    assert 'href="/static/css/channels.css' in page.text


async def test_agents_get_403(web_user: SignIn) -> None:
    agent = await web_user()
    for path in ("/settings/inbox", "/settings/inbox/connect", "/settings/apps"):
        assert (await agent.client.get(path)).status_code == 403


async def test_deactivate_disables_the_composer_and_reactivate_restores(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    await publish(client, world, "hello")
    url = f"/settings/inbox/accounts/{world.account_id}/active"
    done = await admin.client.post(url, data={"csrf_token": admin.csrf, "active": "false"})
    assert done.status_code == 303
    assert done.headers["location"] == "/settings/inbox?done=deactivated"
    listed = await admin.client.get(done.headers["location"])
    assert "The account is deactivated" in listed.text
    assert "Reactivate" in listed.text
    pane = await admin.client.get(f"/inbox/fragments/threads/{world.thread_id}", headers=FRAGMENT)
    assert "The account Support line is deactivated" in pane.text
    back = await admin.client.post(url, data={"csrf_token": admin.csrf, "active": "true"})
    assert back.status_code == 303
    assert (await managed(db, world.account_id)).active


async def test_a_form_without_csrf_changes_nothing(db: Database, web_user: SignIn) -> None:
    admin, world = await admin_and_world(db, web_user)
    before = await count_rows(db)
    for path, data in (
        (f"/settings/inbox/accounts/{world.account_id}/active", {"active": "false"}),
        (f"/settings/inbox/accounts/{world.account_id}/move", {"to": "help_desk"}),
        (f"/settings/inbox/accounts/{world.account_id}/delete", {}),
        (f"/settings/inbox/accounts/{world.account_id}/routing", {"name": "x"}),
        ("/settings/inbox/connect/start", {"channel_id": str(world.channel_id)}),
        (f"/settings/inbox/connect/{world.channel_id}/direct", {"name": "x"}),
    ):
        refused = await admin.client.post(path, data={**data, "csrf_token": "forged"})
        assert refused.status_code == 403, path
    assert await count_rows(db) == before


async def test_move_and_back_then_delete(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    await publish(client, world, "hello")
    base = f"/settings/inbox/accounts/{world.account_id}"
    moved = await admin.client.post(
        f"{base}/move", data={"csrf_token": admin.csrf, "to": "help_desk"}
    )
    assert moved.headers["location"] == "/settings/inbox?done=moved"
    assert (await managed(db, world.account_id)).inbox_kind == "HELP_DESK"
    page = await admin.client.get("/settings/inbox")
    assert "Back to inbox" in page.text
    again = await admin.client.post(
        f"{base}/move", data={"csrf_token": admin.csrf, "to": "help_desk"}
    )
    assert again.status_code == 409
    assert "already in the help desk" in again.text
    back = await admin.client.post(f"{base}/move", data={"csrf_token": admin.csrf, "to": "inbox"})
    assert back.headers["location"] == "/settings/inbox?done=returned"
    assert (await managed(db, world.account_id)).inbox_id == world.inbox_id
    deleted = await admin.client.post(f"{base}/delete", data={"csrf_token": admin.csrf})
    assert deleted.headers["location"] == "/settings/inbox?done=deleted"
    page = await admin.client.get("/settings/inbox")
    assert "Deleted accounts (1)" in page.text
    assert f'data-account-id="{world.account_id}"' not in page.text
    # Its conversation stays readable.
    pane = await admin.client.get(f"/inbox/fragments/threads/{world.thread_id}", headers=FRAGMENT)
    assert pane.status_code == 200


async def test_routing_step_saves_and_shows_errors_next_to_fields(
    db: Database, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    agent = await web_user(teams=[world.team], name="Grace Hopper")
    async with db.read() as uow:
        team_id = await account_service.get_team_id(uow, name=world.team)
    url = f"/settings/inbox/accounts/{world.account_id}/routing"
    page = await admin.client.get(url + "?connected=1")
    assert page.status_code == 200
    assert "Connect another account of Chatterbox" in page.text
    assert "Go to the inbox" in page.text
    assert 'name="prop_priority"' in page.text
    assert f'<option value="{agent.user_id}">Grace Hopper</option>' in page.text
    form = {
        "csrf_token": admin.csrf,
        "name": "Sales line",
        "prop_priority": "URGENT",
        "prop_category": "",
        "assignment_mode": "USERS_AND_TEAMS",
        "user_ids": [str(agent.user_id), "999999"],
        "team_ids": [str(team_id)],
        "closed_thread_policy": "NEW_THREAD",
    }
    refused = await admin.client.post(url, data=form)
    assert refused.status_code == 400
    assert re.search(
        r'id="error-userIds" role="alert">No active user with id 999999<', refused.text
    )
    assert 'value="Sales line"' in refused.text  # the form keeps what was typed
    assert (await managed(db, world.account_id)).name == "Support line"
    form["user_ids"] = [str(agent.user_id)]
    form["prop_priority"] = "SOMEDAY"
    refused = await admin.client.post(url, data=form)
    assert refused.status_code == 400
    assert 'id="error-defaultProperties-priority"' in refused.text
    form["prop_priority"] = "URGENT"
    saved = await admin.client.post(url, data=form)
    assert saved.status_code == 200
    assert 'id="routing-saved"' in saved.text
    stored = await managed(db, world.account_id)
    assert stored.name == "Sales line"
    assert stored.default_properties == {"priority": "URGENT"}
    assert stored.assignment_targets == {"userIds": [agent.user_id], "teamIds": [team_id]}
    assert stored.closed_thread_policy == "NEW_THREAD"


async def test_the_picker_and_its_empty_state(db: Database, web_user: SignIn) -> None:
    admin = await web_user(role="admin")
    await factories.create_inbox(db, name="Support")
    empty = await admin.client.get("/settings/inbox/connect")
    assert 'id="no-channels"' in empty.text
    assert "POST /conversations/v3/custom-channels" in empty.text
    world = await build_world(db)
    picker = await admin.client.get(f"/settings/inbox/connect?inbox={world.inbox_id}")
    card = re.search(rf'data-channel-id="{world.channel_id}">(.*?)</li>', picker.text, re.S)
    assert card, picker.text
    assert "Chatterbox" in card.group(1)
    # No connection URL: the card leads to the direct form, with the chosen inbox.
    direct = f"/settings/inbox/connect/{world.channel_id}/direct?inbox={world.inbox_id}"
    assert f'href="{html.escape(direct)}"' in card.group(1)
    assert 'src="/static/js/connect.js' in picker.text


async def test_start_answers_the_popup_url_and_the_status_fragment_follows(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    async with db.transaction() as uow:
        await uow.execute(
            update(Channel)
            .where(Channel.id == world.channel_id)
            .values(
                connection_url="https://bridge.example.com/connect", logo_url="/static/favicon.svg"
            )
        )
    picker = await admin.client.get("/settings/inbox/connect")
    assert '<img class="channel-logo" src="/static/favicon.svg"' in picker.text
    started = await admin.client.post(
        "/settings/inbox/connect/start",
        data={
            "csrf_token": admin.csrf,
            "channel_id": str(world.channel_id),
            "inbox_id": str(world.inbox_id),
        },
        headers=FRAGMENT,
    )
    assert started.status_code == 200, started.text
    assert started.headers["cache-control"] == "no-store"
    body = started.json()
    query = parse_qs(urlsplit(body["popupUrl"]).query)
    assert query["inboxId"] == [str(world.inbox_id)]
    token = query["accountToken"][0]
    assert token not in body["statusUrl"]
    pending = await admin.client.get(body["statusUrl"], headers=FRAGMENT)
    assert 'data-state="pending"' in pending.text
    other_admin = await web_user(role="admin")
    assert (await other_admin.client.get(body["statusUrl"], headers=FRAGMENT)).status_code == 404
    completed = await client.patch(
        f"{V3}/{world.channel_id}/channel-account-staging-tokens/{token}",
        json={"accountName": "Web line"},
        headers=world.auth,
    )
    assert completed.status_code == 200
    done = await admin.client.get(body["statusUrl"], headers=FRAGMENT)
    assert 'data-state="completed"' in done.text
    match = re.search(r'data-next="/settings/inbox/accounts/(\d+)/routing\?connected=1"', done.text)
    assert match, done.text
    assert (await managed(db, int(match.group(1)))).name == "Web line"
    # Without script: a page with the link to the connection page.
    page = await admin.client.post(
        "/settings/inbox/connect/start",
        data={
            "csrf_token": admin.csrf,
            "channel_id": str(world.channel_id),
            "inbox_id": str(world.inbox_id),
        },
    )
    assert page.status_code == 200
    assert (
        'id="connect-popup-link" href="https://bridge.example.com/connect?accountToken='
        in page.text
    )


async def test_start_refuses_a_channel_without_connection_page(
    db: Database, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    before = await count_rows(db)
    refused = await admin.client.post(
        "/settings/inbox/connect/start",
        data={
            "csrf_token": admin.csrf,
            "channel_id": str(world.channel_id),
            "inbox_id": str(world.inbox_id),
        },
    )
    assert refused.status_code == 400
    assert "no connection page" in refused.text
    assert await count_rows(db) == before


async def test_the_direct_form_creates_the_account_or_shows_errors(
    db: Database, web_user: SignIn
) -> None:
    admin, world = await admin_and_world(db, web_user)
    url = f"/settings/inbox/connect/{world.channel_id}/direct"
    page = await admin.client.get(url + f"?inbox={world.inbox_id}")
    assert page.status_code == 200
    assert f'<option value="{world.inbox_id}" selected>' in page.text
    before = await count_rows(db)
    form = {
        "csrf_token": admin.csrf,
        "inbox_id": str(world.inbox_id),
        "name": "Direct line",
        "deliveryType": "HS_PHONE_NUMBER",
        "deliveryValue": "not a number",
    }
    refused = await admin.client.post(url, data=form)
    assert refused.status_code == 400
    assert 'id="error-deliveryValue"' in refused.text
    assert 'value="Direct line"' in refused.text
    no_inbox = await admin.client.post(url, data={**form, "inbox_id": ""})
    assert 'id="error-inbox_id"' in no_inbox.text
    assert await count_rows(db) == before
    created = await admin.client.post(url, data={**form, "deliveryValue": "+14155550142"})
    assert created.status_code == 303
    match = re.fullmatch(
        r"/settings/inbox/accounts/(\d+)/routing\?connected=1", created.headers["location"]
    )
    assert match
    account = await managed(db, int(match.group(1)))
    assert (account.name, account.delivery_value) == ("Direct line", "+14155550142")
