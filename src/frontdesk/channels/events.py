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


@register
@dataclass(frozen=True)
class StagingTokenCompleted(Event):
    """Token-free on purpose: the event log is read by every stream of its audience, and the
    staging token is the bridge's credential. `connection_id` is a digest of the token that the
    admin's connect page computed when it started the flow (see `connection_id`)."""

    name = "staging_token.completed"
    description = "A bridge completed the staging token an admin started; its account exists."
    channel_id: int
    channel_account_id: int
    inbox_id: int
    connection_id: str
