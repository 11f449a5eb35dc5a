"""The values a snippet's `{{variables}}` take for one insertion: the thread's contact, the
agent writing (the target's user) and the conversation."""

from __future__ import annotations

from sqlalchemy import select

from frontdesk.accounts.models import User
from frontdesk.contacts.crm_schemas import name_parts
from frontdesk.contacts.models import Contact
from frontdesk.core.db import UnitOfWork
from frontdesk.inserts.registry import Target

# Documented on the snippets page: every name a snippet may use.
NAMES = (
    "contact.firstname",
    "contact.lastname",
    "contact.name",
    "contact.email",
    "contact.phone",
    "agent.name",
    "agent.firstname",
    "agent.lastname",
    "agent.email",
    "conversation.id",
)


def _split(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


async def values_for(uow: UnitOfWork, *, target: Target) -> dict[str, str]:
    """Every variable with a value for `target` (missing ones are simply absent)."""
    values = {"conversation.id": str(target.thread_id)}
    if target.contact_id is not None:
        contact = (
            await uow.execute(select(Contact).where(Contact.id == target.contact_id))
        ).first()
        if contact is not None:
            first, last = name_parts(contact.name or "", contact.properties or {})
            values.update(
                {
                    "contact.firstname": first or "",
                    "contact.lastname": last or "",
                    "contact.name": contact.name or "",
                    "contact.email": contact.email or "",
                    "contact.phone": contact.phone or "",
                }
            )
    agent = (await uow.execute(select(User).where(User.id == target.user_id))).first()
    if agent is not None:
        first, last = _split(agent.name or "")
        values.update(
            {
                "agent.name": agent.name or "",
                "agent.firstname": first,
                "agent.lastname": last,
                "agent.email": agent.email,
            }
        )
    return {name: value for name, value in values.items() if value}
