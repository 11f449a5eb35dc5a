"""Routing tests run on a database whose routing reads a manual clock: presence expires when
a test advances it, never by waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from frontdesk.app import build_database
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.routing.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest_asyncio.fixture
async def db(settings: Settings, clock: ManualClock) -> AsyncIterator[Database]:
    database, _bus = build_database(settings, clock=clock)
    yield database
    await database.dispose()
