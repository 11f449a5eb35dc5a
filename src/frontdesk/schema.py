"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from frontdesk.accounts import events as account_events
from frontdesk.accounts import models as accounts_models
from frontdesk.apps import models as apps_models
from frontdesk.channels import events as channel_events
from frontdesk.channels import models as channels_models
from frontdesk.contacts import events as contact_events
from frontdesk.contacts import models as contacts_models
from frontdesk.conversations import events as conversation_events
from frontdesk.conversations import models as conversations_models
from frontdesk.core import events, jobs
from frontdesk.core.models import Base
from frontdesk.files import models as files_models
from frontdesk.inserts import models as inserts_models
from frontdesk.library import models as library_models
from frontdesk.messages import events as message_events
from frontdesk.messages import models as messages_models
from frontdesk.notifications import events as notification_events
from frontdesk.notifications import models as notifications_models
from frontdesk.properties import models as properties_models
from frontdesk.routing import models as routing_models
from frontdesk.webhooks import models as webhooks_models

metadata = Base.metadata

__all__ = [
    "account_events",
    "accounts_models",
    "apps_models",
    "channel_events",
    "channels_models",
    "contact_events",
    "contacts_models",
    "conversation_events",
    "conversations_models",
    "events",
    "files_models",
    "inserts_models",
    "jobs",
    "library_models",
    "message_events",
    "messages_models",
    "metadata",
    "notification_events",
    "notifications_models",
    "properties_models",
    "routing_models",
    "webhooks_models",
]
