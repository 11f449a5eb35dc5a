"""Every source of the composer's insert menu, imported here for its registration side effect
(`registry.register` at import). The inserts API imports this module, so a source is in the
menu as soon as its module is listed below. Add one import line per source module."""

from __future__ import annotations

from frontdesk.inserts import meeting_source, snippet_source
from frontdesk.library import sources as library_sources

__all__ = ["library_sources", "meeting_source", "snippet_source"]
