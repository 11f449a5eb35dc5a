"""GET /frontdesk/v1/helpdesk/tickets: the tickets of the help-desk inboxes the caller sees,
filtered, sorted by each column and keyset paged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from tests import factories
from tests.factories import bearer
from tests.helpdesk.helpers import (
    TICKETS,
    Desk,
    agent_reply,
    build_desk,
    new_conversation,
    patch_thread,
)
from tests.web.thread_world import THREADS

pytestmark = pytest.mark.asyncio


async def _tickets(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(TICKETS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def _ids(client: httpx.AsyncClient, desk: Desk, **params: Any) -> list[int]:
    return [int(t["id"]) for t in await _tickets(client, desk.agent, **params)]


async def _desk_with_tickets(
    client: httpx.AsyncClient, db: Database
) -> tuple[Desk, dict[str, int]]:
    """Four tickets: `low` (LOW, billing, answered, mine), `urgent` (URGENT, product,
    unassigned), `closed` (HIGH, closed), `plain` (no priority or category, new)."""
    desk = await build_desk(db)
    ids = {name: await new_conversation(client, desk, name) for name in ("low", "urgent")}
    ids["closed"] = await new_conversation(client, desk, "closed")
    ids["plain"] = await new_conversation(client, desk, "plain")
    for name, props in (
        ("low", {"priority": "LOW", "category": "BILLING_ISSUE"}),
        ("urgent", {"priority": "URGENT", "category": "PRODUCT_ISSUE"}),
        ("closed", {"priority": "HIGH", "ticket_status": "CLOSED"}),
    ):
        response = await patch_thread(client, desk, ids[name], {"properties": props})
        assert response.status_code == 200, response.text
    await agent_reply(client, desk, ids["low"])
    assigned = await client.put(
        f"{THREADS}/{ids['low']}/assignee",
        json={"actorId": f"A-{desk.agent_id}"},
        headers=desk.agent,
    )
    assert assigned.status_code == 200, assigned.text
    return desk, ids


async def test_the_list_shows_each_column(client: httpx.AsyncClient, db: Database) -> None:
    desk, ids = await _desk_with_tickets(client, db)
    tickets = {int(t["id"]): t for t in await _tickets(client, desk.agent)}
    assert set(tickets) == set(ids.values())
    low = tickets[ids["low"]]
    assert low["ticketStatus"] == "WAITING_ON_CONTACT"
    assert (low["priority"], low["category"]) == ("LOW", "BILLING_ISSUE")
    assert (low["assignedTo"], low["ownerName"]) == (f"A-{desk.agent_id}", "Ada Agent")
    assert low["contactName"] == desk.world.contact_name
    assert low["firstResponseAt"] is not None
    assert low["responseTimeMs"] >= 0
    assert low["inboxId"] == str(desk.world.inbox_id)
    plain = tickets[ids["plain"]]
    assert (plain["ticketStatus"], plain["priority"], plain["firstResponseAt"]) == (
        "NEW",
        None,
        None,
    )
    assert tickets[ids["closed"]]["threadStatus"] == "CLOSED"


async def test_filters(client: httpx.AsyncClient, db: Database) -> None:
    desk, ids = await _desk_with_tickets(client, db)
    assert await _ids(client, desk, status="CLOSED") == [ids["closed"]]
    assert set(await _ids(client, desk, status=["NEW", "CLOSED"])) == {
        ids["urgent"],
        ids["closed"],
        ids["plain"],
    }
    assert await _ids(client, desk, priority="URGENT") == [ids["urgent"]]
    assert await _ids(client, desk, category="BILLING_ISSUE") == [ids["low"]]
    assert await _ids(client, desk, owner="me") == [ids["low"]]
    assert await _ids(client, desk, owner=str(desk.agent_id)) == [ids["low"]]
    assert set(await _ids(client, desk, owner="unassigned")) == {
        ids["urgent"],
        ids["closed"],
        ids["plain"],
    }
    assert await _ids(client, desk, owner="unassigned", priority="HIGH") == [ids["closed"]]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("priority", ["plain", "low", "closed", "urgent"]),
        ("-priority", ["urgent", "closed", "low", "plain"]),
        ("category", ["closed", "plain", "low", "urgent"]),
        ("ticketStatus", ["urgent", "plain", "low", "closed"]),
        ("createdAt", ["low", "urgent", "closed", "plain"]),
        ("-createdAt", ["plain", "closed", "urgent", "low"]),
        ("firstResponse", ["low", "urgent", "closed", "plain"]),
        ("-owner", ["low", "plain", "closed", "urgent"]),
        ("contact", ["low", "urgent", "closed", "plain"]),  # one contact: then by id
    ],
)
async def test_sorting_by_each_column(
    client: httpx.AsyncClient, db: Database, sort: str, expected: list[str]
) -> None:
    desk, ids = await _desk_with_tickets(client, db)
    assert await _ids(client, desk, sort=sort) == [ids[name] for name in expected]


async def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: httpx.AsyncClient, db: Database
) -> None:
    desk, ids = await _desk_with_tickets(client, db)
    seen: list[int] = []
    params: dict[str, Any] = {"sort": "-priority", "limit": 1}
    for _ in range(10):
        response = await client.get(TICKETS, params=params, headers=desk.agent)
        body = response.json()
        seen += [int(t["id"]) for t in body["results"]]
        if "paging" not in body:
            break
        assert "after=" in body["paging"]["next"]["link"]
        params["after"] = body["paging"]["next"]["after"]
    assert seen == [ids[n] for n in ("urgent", "closed", "low", "plain")]
    wrong = await client.get(
        TICKETS, params={"sort": "category", "after": params["after"]}, headers=desk.agent
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["in"] == "after"


async def test_only_help_desks_the_caller_sees(client: httpx.AsyncClient, db: Database) -> None:
    _desk, ids = await _desk_with_tickets(client, db)
    ordinary = await build_desk(db, help_desk=False)
    await new_conversation(client, ordinary)
    outsider = await factories.create_user(db, teams=[ordinary.world.team])
    outsider_auth = bearer(await factories.create_personal_token(db, user_id=outsider))
    assert await _tickets(client, outsider_auth) == []
    assert await _tickets(client, ordinary.agent) == []
    admin = await factories.create_user(db, role="admin")
    admin_auth = bearer(await factories.create_personal_token(db, user_id=admin))
    seen = {int(t["id"]) for t in await _tickets(client, admin_auth, limit=500)}
    assert set(ids.values()) <= seen
    assert ordinary.world.thread_id not in seen


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "SOLVED"}, "status"),
        ({"priority": "SOMEDAY"}, "priority"),
        ({"category": "NOPE"}, "category"),
        ({"owner": "someone"}, "owner"),
        ({"sort": "subject"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
async def test_bad_parameters_are_400(
    client: httpx.AsyncClient, db: Database, params: dict[str, Any], field: str
) -> None:
    desk = await build_desk(db)
    response = await client.get(TICKETS, params=params, headers=desk.agent)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["in"] == field


async def test_owner_me_needs_a_user(client: httpx.AsyncClient, db: Database) -> None:
    desk = await build_desk(db)
    response = await client.get(TICKETS, params={"owner": "me"}, headers=desk.world.auth)
    assert response.status_code in (400, 403), response.text
