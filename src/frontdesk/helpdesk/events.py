"""Events about help-desk tickets (DESIGN 6). Audience: the help-desk inbox.

A single ticket's changes are `conversation.updated` events (`changes.properties`); this one
covers a whole channel account's conversations becoming tickets (or ceasing to be) at once,
so the help-desk view refreshes instead of receiving one event per thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class TicketsMoved(Event):
    name = "helpdesk.tickets_moved"
    description = (
        "A channel account's conversations moved into a help desk (they became tickets) or "
        "out of it; `count` threads of `inboxId` changed."
    )
    inbox_id: int
    channel_account_id: int
    count: int
