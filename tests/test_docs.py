"""Standing tests: every setting and every event type is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk import schema  # noqa: F401  (imports every domain's events, filling the registry)
from frontdesk.config import Settings
from frontdesk.core.events import EVENT_TYPES

README = (Path(__file__).parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`FRONTDESK_{name.upper()}`" in README


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_event_type_is_documented(name: str) -> None:
    assert f"`{name}`" in README


def test_event_registry_is_not_empty() -> None:
    assert len(EVENT_TYPES) >= 8
