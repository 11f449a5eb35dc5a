"""Custom channels, channel accounts and staging tokens (reference 3, 4, 7.2, 7.3).

One module per use case; this package is the service the routes and other domains import
(`from frontdesk.channels import service as channel_service`).
"""

from frontdesk.channels.service.accounts import (
    create_channel_account,
    get_channel_account,
    list_channel_accounts,
    update_channel_account,
)
from frontdesk.channels.service.conversations_views import (
    get_public_channel,
    get_visible_channel_account,
    list_public_channels,
    list_visible_channel_accounts,
)
from frontdesk.channels.service.custom_channels import (
    archive_channel,
    check_webhook_url,
    create_channel,
    get_channel,
    list_channels,
    update_channel,
    webhook_target,
)
from frontdesk.channels.service.paging import Page, page_size
from frontdesk.channels.service.staging_tokens import (
    complete_staging_token,
    create_staging_token,
    get_staging_token,
)

__all__ = [
    "Page",
    "archive_channel",
    "check_webhook_url",
    "complete_staging_token",
    "create_channel",
    "create_channel_account",
    "create_staging_token",
    "get_channel",
    "get_channel_account",
    "get_public_channel",
    "get_staging_token",
    "get_visible_channel_account",
    "list_channel_accounts",
    "list_channels",
    "list_public_channels",
    "list_visible_channel_accounts",
    "page_size",
    "update_channel",
    "update_channel_account",
    "webhook_target",
]
