"""Events about channel accounts (DESIGN 6). Audience: admins."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.events import Event, register


@register
@dataclass(frozen=True)
class ChannelAccountCreated(Event):
    name = "channel_account.created"
    description = "A channel account was connected to an inbox."
    channel_id: int
    channel_account_id: int
    inbox_id: int


@register
@dataclass(frozen=True)
class ChannelAccountUpdated(Event):
    name = "channel_account.updated"
    description = "A channel account was renamed, (de)authorized or archived."
    channel_id: int
    channel_account_id: int
    inbox_id: int
