"""The search page (issue 6): the form as the person typed it, the filters it offers (what the
viewer may see), and a page of results with the names the rows show. The engine lives in
`frontdesk.search`; this module only reads what the page needs around it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy import func, select

from frontdesk.accounts import service as account_service
from frontdesk.accounts.models import Inbox, User
from frontdesk.api.deps import Principal
from frontdesk.channels.models import Channel, ChannelAccount
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.search import indexer
from frontdesk.search import service as search_service
from frontdesk.search.service import SearchFilters, SearchPage

PAGE_SIZE = 25
FILTER_NAMES = ("channel", "account", "inbox", "status", "assignee", "since", "until")


@dataclass(frozen=True)
class SearchForm:
    """The page's query string, kept as text so the form shows it back as it was typed.
    Shapes were checked by the route; meanings (dates, "me") are resolved in `filters`."""

    q: str = ""
    channel: str = ""
    account: str = ""
    inbox: str = ""
    status: str = ""
    assignee: str = ""
    since: str = ""
    until: str = ""
    attachments: str = ""

    @property
    def has_filters(self) -> bool:
        return any(getattr(self, name) for name in FILTER_NAMES) or self.attachments == "1"

    @property
    def is_empty(self) -> bool:
        return not self.q.strip() and not self.has_filters

    def query_string(self, **extra: str) -> str:
        """The non-empty fields (and `extra`) as a URL query, for links and "Load more"."""
        pairs = [(f.name, getattr(self, f.name)) for f in fields(self)]
        pairs += list(extra.items())
        return urlencode([(k, v) for k, v in pairs if v])

    def without_filters(self) -> str:
        return SearchForm(q=self.q).query_string()

    def filters(self, *, user_id: int | None, zone: tzinfo) -> SearchFilters:
        """What the engine filters by; dates are whole days in the viewer's time zone."""
        since = _day_start_ms(self.since, zone, field_name="since")
        until = _day_start_ms(self.until, zone, field_name="until", next_day=True)
        if since is not None and until is not None and until <= since:
            raise validation_error("The end date is before the start date", field_name="until")
        return SearchFilters(
            channel_id=_id(self.channel),
            channel_account_id=_id(self.account),
            inbox_id=_id(self.inbox),
            status=_status(self.status),
            assignee=_assignee(self.assignee, user_id=user_id),
            since_ms=since,
            until_ms=until,  # exclusive: the start of the day after
            has_attachments=True if self.attachments == "1" else None,
        )


def _id(value: str) -> int | None:
    return int(value) if value else None


def _status(value: str) -> Literal["OPEN", "CLOSED"] | None:
    upper = value.upper()
    if upper == "OPEN":
        return "OPEN"
    if upper == "CLOSED":
        return "CLOSED"
    return None


def _assignee(value: str, *, user_id: int | None) -> int | Literal["unassigned"] | None:
    if value == "unassigned":
        return "unassigned"
    if value == "me":
        return user_id
    return _id(value)


def _day_start_ms(
    value: str, zone: tzinfo, *, field_name: str, next_day: bool = False
) -> int | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise validation_error(
            f"{value} is not a date (YYYY-MM-DD)", field_name=field_name
        ) from exc
    if next_day:
        day += timedelta(days=1)
    return int(datetime.combine(day, time(), zone).timestamp() * 1000)


@dataclass(frozen=True)
class FilterOptions:
    """What the filter dropdowns list: only what the viewer may see."""

    channels: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    inboxes: list[dict[str, Any]]
    users: list[dict[str, Any]]


async def filter_options(uow: UnitOfWork, *, principal: Principal) -> FilterOptions:
    """Channels with an account in a visible inbox (each custom channel once), those accounts,
    the visible inboxes, and the active users an assignee can be."""
    inboxes = await account_service.list_inboxes(uow, inbox_ids=principal.inbox_ids)
    query = (
        select(
            ChannelAccount.id,
            ChannelAccount.name,
            ChannelAccount.channel_id,
            ChannelAccount.archived,
            Channel.name.label("channel_name"),
            Channel.archived.label("channel_archived"),
        )
        .join(Channel, Channel.id == ChannelAccount.channel_id)
        .order_by(func.lower(Channel.name), Channel.id, func.lower(ChannelAccount.name))
    )
    if principal.inbox_ids is not None:
        query = query.where(ChannelAccount.inbox_id.in_(sorted(principal.inbox_ids) or [0]))
    rows = (await uow.execute(query)).all()
    channels: dict[int, dict[str, Any]] = {}
    for r in rows:
        label = r.channel_name + (" (archived)" if r.channel_archived else "")
        channels.setdefault(r.channel_id, {"id": r.channel_id, "name": label})
    users = await uow.execute(
        select(User.id, User.name, User.email)
        .where(User.active.is_(True))
        .order_by(func.lower(User.name), User.id)
    )
    return FilterOptions(
        channels=list(channels.values()),
        accounts=[
            {
                "id": r.id,
                "name": f"{r.name} · {r.channel_name}" + (" (archived)" if r.archived else ""),
                "channel_id": r.channel_id,
            }
            for r in rows
        ],
        inboxes=[{"id": inbox.id, "name": inbox.name} for inbox, _teams in inboxes],
        users=[{"id": u.id, "name": u.name or u.email} for u in users],
    )


async def results_context(
    db: Database,
    *,
    principal: Principal,
    form: SearchForm,
    zone: tzinfo,
    after: str | None = None,
    with_options: bool = False,
) -> dict[str, Any]:
    """A page of results (none when nothing was asked) and, for the whole page, the filters."""
    filters = form.filters(user_id=principal.user_id, zone=zone)
    if not form.is_empty:
        await indexer.catch_up(db)  # what was published a moment ago is found too
    async with db.read() as uow:
        options = await filter_options(uow, principal=principal) if with_options else None
        page = SearchPage(results=[], next_after=None)
        if not form.is_empty:
            page = await search_service.search_threads(
                uow,
                principal_inbox_ids=principal.inbox_ids,
                query=form.q.strip(),
                filters=filters,
                after=after,
                limit=PAGE_SIZE,
            )
        names = await _result_names(uow, page) if options is None else _names(options)
    return {
        "form": form,
        "options": options,
        "page": page,
        "inbox_names": names["inboxes"],
        "user_names": names["users"],
        "viewer_id": principal.user_id,
        "more_query": form.query_string(after=page.next_after) if page.next_after else "",
    }


def _names(options: FilterOptions) -> dict[str, dict[int, str]]:
    return {
        "inboxes": {i["id"]: i["name"] for i in options.inboxes},
        "users": {u["id"]: u["name"] for u in options.users},
    }


async def _result_names(uow: UnitOfWork, page: SearchPage) -> dict[str, dict[int, str]]:
    """The inbox and assignee names a page of results shows (as you type: no dropdowns)."""
    names: dict[str, dict[int, str]] = {"inboxes": {}, "users": {}}
    if not page.results:
        return names
    inbox_ids = sorted({r.inbox_id for r in page.results})
    rows = await uow.execute(select(Inbox.id, Inbox.name).where(Inbox.id.in_(inbox_ids)))
    names["inboxes"] = {i.id: i.name for i in rows}
    user_ids = sorted({r.assignee_id for r in page.results if r.assignee_id is not None})
    if user_ids:
        users = await uow.execute(
            select(User.id, User.name, User.email).where(User.id.in_(user_ids))
        )
        names["users"] = {u.id: u.name or u.email for u in users}
    return names
