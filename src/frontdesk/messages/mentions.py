"""@mentions in internal comments: who may be mentioned, how the comment stores them, and how
they show.

A comment's `mentions` (user ids, as strings) must name active users who can see the thread's
inbox; any other id refuses the whole comment with a 400 naming it (a silently dropped mention
would leave its author believing a teammate was told). The comment keeps them in
`extra.mentions` as `{"userId", "name"}` (the name as it was, like a sender's name), which the
notifications consumer reads after the comment is stored and the conversation pane renders as
highlighted `@Name`s: the stored text and sanitised rich text are never changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import exists, or_, select

from frontdesk.accounts.models import InboxTeam, TeamMember, User
from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.messages.sanitize import make_cleaner

MAX_MENTIONS = 50
_ID = re.compile(r"^[1-9][0-9]{0,17}$")


async def check_mentions(
    uow: UnitOfWork, *, user_ids: Sequence[str], inbox_id: int
) -> list[dict[str, str]]:
    """The mentions a comment stores, in the order given (repeats dropped); 400 naming the
    first id that is not an active user who can see inbox `inbox_id`."""
    wanted = list(dict.fromkeys(str(u).strip() for u in user_ids))
    if len(wanted) > MAX_MENTIONS:
        raise validation_error(f"At most {MAX_MENTIONS} mentions", field_name="mentions")
    for value in wanted:
        if not _ID.match(value):
            raise validation_error(f"{value!r} is not a user id", field_name="mentions")
    if not wanted:
        return []
    in_team = exists(
        select(TeamMember.user_id)
        .join(InboxTeam, InboxTeam.team_id == TeamMember.team_id)
        .where(TeamMember.user_id == User.id, InboxTeam.inbox_id == inbox_id)
    )
    rows = await uow.execute(
        select(User.id, User.name, User.email).where(
            User.id.in_([int(v) for v in wanted]),
            User.active.is_(True),
            or_(User.role == "admin", in_team),
        )
    )
    found = {str(r.id): str(r.name or r.email) for r in rows}
    for value in wanted:
        if value not in found:
            raise validation_error(
                f"User {value} cannot be mentioned: not an active user who sees this inbox",
                field_name="mentions",
            )
    return [{"userId": value, "name": found[value]} for value in wanted]


def mentioned_user_ids(extra: dict[str, Any] | None) -> list[int]:
    """The user ids a stored comment mentions."""
    out: list[int] = []
    for mention in (extra or {}).get("mentions") or []:
        value = str(mention.get("userId", "")) if isinstance(mention, dict) else ""
        if _ID.match(value):
            out.append(int(value))
    return out


# Display: the comment's HTML with each `@Name` of its mentions wrapped in a span; the result
# goes through the sanitiser again (with that one span shape allowed), so whatever the
# replacement touched, nothing but the allow-list reaches the page.
_DISPLAY_CLEANER = make_cleaner({"span": {"class", "data-user-id"}})


def _pattern(mentions: list[dict[str, str]], *, escaped: bool) -> re.Pattern[str] | None:
    names = sorted({m["name"] for m in mentions if m.get("name")}, key=len, reverse=True)
    if not names:
        return None
    spelled = [re.escape("@" + (str(escape(n)) if escaped else n)) for n in names]
    return re.compile("|".join(spelled))


def _span(label: str, user_id: str) -> str:
    return f'<span class="mention" data-user-id="{escape(user_id)}">{label}</span>'


def comment_html(
    *, text: str, rich_text: str | None, extra: dict[str, Any] | None, plain: Any
) -> Markup | None:
    """The comment's body with its mentions highlighted, or None when it mentions nobody
    (the caller renders it as usual). `plain` renders a piece of plain text (escaping it)."""
    mentions = [m for m in (extra or {}).get("mentions") or [] if isinstance(m, dict)]
    if not mentions:
        return None
    ids = {"@" + m.get("name", ""): str(m.get("userId", "")) for m in mentions}
    if rich_text:
        pattern = _pattern(mentions, escaped=True)
        if pattern is None:
            return None
        by_escaped = {
            "@" + str(escape(m.get("name", ""))): str(m.get("userId", "")) for m in mentions
        }
        marked = pattern.sub(
            lambda found: _span(found.group(0), by_escaped[found.group(0)]), rich_text
        )
        return Markup(_DISPLAY_CLEANER.clean(marked))  # noqa: S704 - sanitised just now
    pattern = _pattern(mentions, escaped=False)
    if pattern is None:
        return None
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(str(plain(text[last : found.start()])))
        out.append(_span(str(escape(found.group(0))), ids[found.group(0)]))
        last = found.end()
    out.append(str(plain(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped
