"""Prepared statements (core/db.py): the hot paths' statements, run on SQLite's driver.

Each test runs on both databases: on PostgreSQL the same calls go through SQLAlchemy, and the
answers must not differ.
"""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from frontdesk.core.db import Database, Prepared
from frontdesk.core.events import EventRow

EVENT_COLUMNS = ("id", "name", "payload", "inbox_id", "user_ids", "admins", "created_at")
INSERT_EVENT = Prepared(insert(EventRow), column_keys=EVENT_COLUMNS)
# A literal ("probe") beside a parameter, JSON and Boolean columns to convert on the way out.
PROBES = Prepared(
    select(EventRow.id, EventRow.payload, EventRow.user_ids, EventRow.admins)
    .where(EventRow.name == "probe", EventRow.created_at >= bindparam("since"))
    .order_by(EventRow.id)
)


def event(event_id: int, *, admins: bool, name: str = "probe") -> dict[str, object]:
    return {
        "id": event_id,
        "name": name,
        "payload": {"threadId": str(event_id), "nested": {"ok": True}},
        "inbox_id": None,
        "user_ids": [event_id],
        "admins": admins,
        "created_at": 1000 + event_id,
    }


async def count_events(db: Database) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(EventRow)))


@pytest.mark.asyncio
async def test_run_many_then_fetch_converts_values_like_sqlalchemy(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.run(
            INSERT_EVENT,
            [event(1, admins=True), event(2, admins=False), event(3, admins=True, name="other")],
        )
    async with db.read() as uow:
        rows = await uow.fetch(PROBES, {"since": 1002})
        assert [(r.id, r.payload, r.user_ids, r.admins) for r in rows] == [
            (2, {"threadId": "2", "nested": {"ok": True}}, [2], False)
        ]
        everything = await uow.fetch(PROBES, {"since": 0})
        assert [r.admins for r in everything] == [True, False]
        assert everything[0].admins is True  # a bool, as SQLAlchemy gives it, not SQLite's 1
        assert everything[0]._mapping["payload"] == everything[0][1]


@pytest.mark.asyncio
async def test_a_constraint_violation_is_sqlalchemys_integrity_error(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.run(INSERT_EVENT, event(1, admins=False))

    async def insert_new_then_taken_id() -> None:
        async with db.transaction() as uow:
            await uow.run(INSERT_EVENT, event(2, admins=False))
            await uow.run(INSERT_EVENT, event(1, admins=False))

    with pytest.raises(IntegrityError):
        await insert_new_then_taken_id()
    # The failed transaction left nothing behind, not even the statement that succeeded.
    assert await count_events(db) == 1


@pytest.mark.asyncio
async def test_prepared_statements_roll_back_with_their_transaction(db: Database) -> None:
    async def write_then_fail() -> None:
        async with db.transaction() as uow:
            await uow.run(INSERT_EVENT, event(1, admins=False))
            assert len(await uow.fetch(PROBES, {"since": 0})) == 1  # seen inside
            raise RuntimeError("the service failed after its write")

    with pytest.raises(RuntimeError):
        await write_then_fail()
    assert await count_events(db) == 0


def test_statements_sqlalchemy_would_finish_at_execution_are_refused() -> None:
    # created_at and user_ids have Python-side defaults that a missing key would need.
    missing_defaults = Prepared(insert(EventRow), column_keys=("name", "payload"))
    with pytest.raises(ValueError, match="every value from its parameters"):
        _ = missing_defaults.sqlite
    expanding = Prepared(
        select(EventRow.id).where(EventRow.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="every value from its parameters"):
        _ = expanding.sqlite
