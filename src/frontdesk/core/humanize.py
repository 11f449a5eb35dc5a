"""Numbers as people read them, the same wherever they are shown or sent."""

from __future__ import annotations


def human_size(size: int | None) -> str:
    """1536 -> "1.5 KB"; None -> ""."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def clock_duration(seconds: int | None) -> str:
    """135 -> "2:15"; 3725 -> "1:02:05"; None -> ""."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
