from __future__ import annotations

from typing import Any

import httpx
import pytest

from frontdesk.core.db import Database
from frontdesk.core.models import ms_to_iso
from tests.conversations.factories import (
    Setup,
    add_inbox,
    create_contact,
    create_setup,
    create_thread,
)
from tests.factories import bearer

BASE = "/conversations/v3/conversations/threads"


async def _ids(client: httpx.AsyncClient, setup: Setup, params: Any) -> list[int]:
    response = await client.get(BASE, params=params, headers=bearer(setup.app_token))
    assert response.status_code == 200, response.text
    return [int(r["id"]) for r in response.json()["results"]]


@pytest.mark.asyncio
async def test_list_shape_order_and_no_total(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    first = await create_thread(db, setup)
    second = await create_thread(db, setup, status="CLOSED", latest_message_at=5000)
    response = await client.get(BASE, headers=bearer(setup.app_token))
    body = response.json()
    assert set(body) == {"results"}
    open_thread, closed = body["results"]
    assert open_thread["id"] == str(first)
    assert set(open_thread) == {
        "id",
        "createdAt",
        "status",
        "inboxId",
        "associatedContactId",
        "originalChannelId",
        "originalChannelAccountId",
        "spam",
        "archived",
    }
    assert open_thread["inboxId"] == str(setup.inbox_id)
    assert open_thread["originalChannelId"] == str(setup.channel_id)
    assert open_thread["originalChannelAccountId"] == str(setup.account_id)
    assert closed["id"] == str(second)
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"].endswith("Z")
    assert closed["latestMessageTimestamp"] == "1970-01-01T00:00:05.000Z"
    assert closed["latestMessageReceivedTimestamp"] == "1970-01-01T00:00:05.000Z"
    assert "latestMessageSentTimestamp" not in closed


@pytest.mark.asyncio
async def test_filter_by_inbox_ids(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    inbox_b, account_b = await add_inbox(db, setup)
    inbox_c, account_c = await add_inbox(db, setup)
    in_a = await create_thread(db, setup)
    in_b = await create_thread(db, setup, inbox_id=inbox_b, account_id=account_b)
    in_c = await create_thread(db, setup, inbox_id=inbox_c, account_id=account_c)
    assert await _ids(client, setup, {}) == [in_a, in_b, in_c]
    assert await _ids(client, setup, {"inboxId": inbox_b}) == [in_b]
    assert await _ids(client, setup, {"inboxId": [setup.inbox_id, inbox_c]}) == [in_a, in_c]


@pytest.mark.asyncio
async def test_contact_filter_requires_thread_status(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    contact = await create_contact(db)
    await create_thread(db, setup, contact_id=contact)
    response = await client.get(
        BASE, params={"associatedContactId": contact}, headers=bearer(setup.app_token)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "threadStatus"


@pytest.mark.asyncio
async def test_contact_filter_with_status_and_combined_with_inbox(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    inbox_b, account_b = await add_inbox(db, setup)
    contact = await create_contact(db)
    open_a = await create_thread(db, setup, contact_id=contact)
    closed_a = await create_thread(db, setup, contact_id=contact, status="CLOSED")
    open_b = await create_thread(
        db, setup, contact_id=contact, inbox_id=inbox_b, account_id=account_b
    )
    await create_thread(db, setup)  # another contact
    by_contact = {"associatedContactId": contact, "threadStatus": "OPEN"}
    assert await _ids(client, setup, by_contact) == [open_a, open_b]
    closed = {"associatedContactId": contact, "threadStatus": "CLOSED"}
    assert await _ids(client, setup, closed) == [closed_a]
    # The v3 spec says inboxId cannot be combined with a contact; HubSpot's CLI combines them.
    # We accept both: the filters apply together.
    assert await _ids(client, setup, {**by_contact, "inboxId": inbox_b}) == [open_b]
    # threadStatus alone filters too (the spec only makes it mandatory with a contact).
    assert await _ids(client, setup, {"threadStatus": "CLOSED"}) == [closed_a]


@pytest.mark.asyncio
async def test_archived_lists_only_archived_threads(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    live = await create_thread(db, setup)
    gone = await create_thread(db, setup, archived=True)
    assert await _ids(client, setup, {}) == [live]
    assert await _ids(client, setup, {"archived": "true"}) == [gone]


@pytest.mark.asyncio
async def test_sort_by_latest_message_timestamp(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    late = await create_thread(db, setup, latest_message_at=3000)
    early = await create_thread(db, setup, latest_message_at=2000)
    await create_thread(db, setup, latest_message_at=1000)  # not after the bound
    await create_thread(db, setup)  # no message at all
    params = {"sort": "latestMessageTimestamp", "latestMessageTimestampAfter": ms_to_iso(1000)}
    assert await _ids(client, setup, params) == [early, late]


@pytest.mark.asyncio
async def test_latest_after_filters_with_id_sort(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    late = await create_thread(db, setup, latest_message_at=3000)
    await create_thread(db, setup, latest_message_at=1000)
    params = {"latestMessageTimestampAfter": "1970-01-01T00:00:02Z"}
    assert await _ids(client, setup, params) == [late]


@pytest.mark.asyncio
async def test_descending_sorts_with_contact(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    contact = await create_contact(db)
    one = await create_thread(db, setup, contact_id=contact, latest_message_at=3000)
    two = await create_thread(db, setup, contact_id=contact, latest_message_at=1000)
    three = await create_thread(db, setup, contact_id=contact, latest_message_at=2000)
    base = {"associatedContactId": contact, "threadStatus": "OPEN"}
    assert await _ids(client, setup, {**base, "sort": "-id"}) == [three, two, one]
    by_latest = {
        **base,
        "sort": "-latestMessageTimestamp",
        "latestMessageTimestampAfter": ms_to_iso(0),
    }
    assert await _ids(client, setup, by_latest) == [one, three, two]


@pytest.mark.asyncio
async def test_association_ticket_is_accepted_without_associations(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    thread = await create_thread(db, setup)
    headers = bearer(setup.app_token)
    body = (await client.get(BASE, params={"association": "TICKET"}, headers=headers)).json()
    assert [r["id"] for r in body["results"]] == [str(thread)]
    assert "threadAssociations" not in body["results"][0]
    single = await client.get(f"{BASE}/{thread}", params={"association": "TICKET"}, headers=headers)
    assert single.status_code == 200
    assert "threadAssociations" not in single.json()
    # No thread is linked to a ticket yet, so a ticket filter matches nothing.
    assert await _ids(client, setup, {"associatedTicketId": 5}) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "latestMessageTimestamp"}, "latestMessageTimestampAfter"),
        ({"sort": "-id"}, "sort"),
        (
            {"sort": "-latestMessageTimestamp", "latestMessageTimestampAfter": ms_to_iso(0)},
            "sort",
        ),
        ({"sort": "createdAt"}, "sort"),
        ({"sort": ["id", "latestMessageTimestamp"]}, "sort"),
        ({"associatedContactId": 1, "threadStatus": "PENDING"}, "threadStatus"),
        ({"associatedContactId": "abc", "threadStatus": "OPEN"}, "associatedContactId"),
        ({"inboxId": "abc"}, "inboxId[0]"),
        ({"inboxId": 2**63}, "inboxId[0]"),
        ({"association": "DEAL"}, "association[0]"),
        ({"latestMessageTimestampAfter": "yesterday"}, "latestMessageTimestampAfter"),
        ({"archived": "perhaps"}, "archived"),
        ({"limit": 0}, "limit"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
async def test_list_rejects_bad_parameters(
    client: httpx.AsyncClient, db: Database, params: dict[str, Any], field: str
) -> None:
    setup = await create_setup(db)
    response = await client.get(BASE, params=params, headers=bearer(setup.app_token))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert [e["in"] for e in body["errors"]] == [field]


@pytest.mark.asyncio
async def test_id_cursor_cannot_page_a_latest_sort(client: httpx.AsyncClient, db: Database) -> None:
    setup = await create_setup(db)
    await create_thread(db, setup, latest_message_at=1000)
    await create_thread(db, setup, latest_message_at=2000)
    headers = bearer(setup.app_token)
    first = (await client.get(BASE, params={"limit": 1}, headers=headers)).json()
    params = {
        "sort": "latestMessageTimestamp",
        "latestMessageTimestampAfter": ms_to_iso(0),
        "after": first["paging"]["next"]["after"],
    }
    response = await client.get(BASE, params=params, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["in"] == "after"


async def _walk(
    client: httpx.AsyncClient,
    setup: Setup,
    params: dict[str, Any],
    between_pages: list[Any],
) -> list[list[int]]:
    """Every page of a list, running `between_pages[i]()` after page i is fetched."""
    pages: list[list[int]] = []
    params = {**params}
    while True:
        response = await client.get(BASE, params=params, headers=bearer(setup.app_token))
        body = response.json()
        assert "total" not in body
        pages.append([int(r["id"]) for r in body["results"]])
        if "paging" not in body:
            return pages
        if len(pages) <= len(between_pages):
            await between_pages[len(pages) - 1]()
        params["after"] = body["paging"]["next"]["after"]


@pytest.mark.asyncio
async def test_id_paging_over_three_pages_with_inserts_between(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    threads = [await create_thread(db, setup) for _ in range(7)]

    async def insert_one() -> None:
        threads.append(await create_thread(db, setup))

    pages = await _walk(client, setup, {"limit": 3}, [insert_one, insert_one])
    assert len(pages) == 3
    seen = [thread for page in pages for thread in page]
    assert seen == threads  # every thread once, in id order, the new ones included


@pytest.mark.asyncio
async def test_latest_paging_over_three_pages_with_inserts_between(
    client: httpx.AsyncClient, db: Database
) -> None:
    setup = await create_setup(db)
    at: dict[int, int] = {}
    for ts in (1000, 2000, 3000, 3000, 5000, 6000):
        at[await create_thread(db, setup, latest_message_at=ts)] = ts

    def inserting(*stamps: int) -> Any:
        async def insert() -> None:
            for ts in stamps:
                at[await create_thread(db, setup, latest_message_at=ts)] = ts

        return insert

    params = {
        "limit": 3,
        "sort": "latestMessageTimestamp",
        "latestMessageTimestampAfter": ms_to_iso(500),
    }
    # Page 1 ends at the first 3000. Threads inserted before the cursor (1500, 2500) never
    # shift a page; one tying the cursor's timestamp (3000, higher id) or after it shows up.
    pages = await _walk(client, setup, params, [inserting(1500, 3000), inserting(2500, 8000)])
    seen = [thread for page in pages for thread in page]
    assert len(pages) == 3
    assert [at[t] for t in seen] == [1000, 2000, 3000, 3000, 3000, 5000, 6000, 8000]
    expected = sorted((ts, t) for t, ts in at.items() if ts not in (1500, 2500))
    assert seen == [t for _ts, t in expected]
