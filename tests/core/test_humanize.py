"""Sizes and durations as the pages, cards and inserted texts show them."""

from __future__ import annotations

from frontdesk.core.humanize import clock_duration, human_size


def test_human_size() -> None:
    assert human_size(None) == ""
    assert human_size(512) == "512 B"
    assert human_size(1536) == "1.5 KB"
    assert human_size(5 * 1024 * 1024) == "5.0 MB"
    assert human_size(3 * 1024**4) == "3072.0 GB"


def test_clock_duration() -> None:
    assert clock_duration(None) == ""
    assert clock_duration(0) == "0:00"
    assert clock_duration(135) == "2:15"
    assert clock_duration(3725) == "1:02:05"  # a call past an hour: hours, not 62 minutes
    assert clock_duration(-5) == "0:00"
