"""Search threads by words and filters, and rebuild the index (issue 6).

A result is a thread, anchored on its newest matching message; results come newest anchor
first. Message ids grow with time, so "newest" is the largest id: both backends walk their
matches by id, newest first, and stop after a page instead of ranking every match. A thread
whose contact matches (name, email, phone, identifiers) is anchored on its latest message; a
thread whose contact matches some of the words and a message the others ("ana refund"), on
that message. The cursor is the last anchor's id.
"""

# ruff: noqa: S608 (statements are built from fixed fragments; every user value is bound)

from __future__ import annotations

import contextlib
import functools
import importlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import text

from frontdesk.core.db import UnitOfWork
from frontdesk.core.errors import validation_error
from frontdesk.core.models import INT64_MAX
from frontdesk.core.pagination import decode_cursor, encode_cursor
from frontdesk.search import postgres, sqlite
from frontdesk.search.query import MAX_QUERY_LENGTH, SearchQuery, Term, parse_query
from frontdesk.search.snippets import snippet_of

MAX_LIMIT = 100
BATCH = 200  # matching messages read first while collecting a page of threads
MAX_BATCH = 3200  # the batches double up to this
MAX_MIXED_CONTACTS = 5000  # more contacts named by some of the words: no mixed matches
FEW_THREADS = 2000  # filters leaving no more threads than this: walk their messages only
BASE_THREAD_WHERE = "t.archived = :false"
_VISIBLE_TYPES = "('MESSAGE', 'COMMENT')"


StatusFilter = Literal["OPEN", "CLOSED"] | None
AssigneeFilter = int | Literal["unassigned"] | None


@dataclass(frozen=True)
class SearchFilters:
    channel_id: int | None = None
    channel_account_id: int | None = None
    inbox_id: int | None = None
    status: StatusFilter = None
    assignee: AssigneeFilter = None
    since_ms: int | None = None
    until_ms: int | None = None
    has_attachments: bool | None = None

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()


@dataclass(frozen=True)
class SearchResult:
    thread_id: int
    message_id: int
    inbox_id: int
    channel_id: int
    channel_name: str
    contact_name: str
    status: str
    assignee_id: int | None
    at_ms: int
    # The snippet as parts: (text, is_match). Plain text, never HTML: the caller escapes.
    snippet: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchResult]
    next_after: str | None


@dataclass(frozen=True)
class _Hit:
    key: int  # the anchor message id
    thread_id: int
    by_contact: bool


async def search_threads(
    uow: UnitOfWork,
    *,
    principal_inbox_ids: frozenset[int] | None,
    query: str,
    filters: SearchFilters,
    after: str | None,
    limit: int,
) -> SearchPage:
    """Threads matching `query` and `filters` that the caller may see, newest activity first.
    Call `indexer.catch_up(db)` before opening `uow`: on SQLite the newest messages may still
    be queued for the index (search/indexer.py)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise validation_error(f"q must be at most {MAX_QUERY_LENGTH} characters", field_name="q")
    if limit < 1 or limit > MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}", field_name="limit")
    parsed = parse_query(query)
    before = _decode_after(after)
    if (parsed.is_empty and filters.is_empty) or principal_inbox_ids == frozenset():
        return SearchPage([], None)  # no words and no filter: nothing to look for
    if uow.is_postgres:
        # Trigram LIKEs on a generic plan (asyncpg prepares every statement) take seconds.
        await uow.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    where, params = _thread_filters(principal_inbox_ids, filters)
    hits = await _collect(uow, parsed, where, params, filters, before, limit)
    page, more = hits[:limit], len(hits) > limit
    results = await _results(uow, parsed, page)
    next_after = encode_cursor({"m": page[-1].key}) if more and page else None
    return SearchPage(results, next_after)


def _rows(result: Any) -> list[Any]:
    return list(result)


def _decode_after(after: str | None) -> int:
    value = decode_cursor(after)
    if value is None:
        return INT64_MAX
    if not isinstance(value, dict) or not isinstance(value.get("m"), int):
        raise validation_error("Invalid paging cursor", field_name="after")
    return int(value["m"])


def _thread_filters(
    inbox_ids: frozenset[int] | None, filters: SearchFilters
) -> tuple[str, dict[str, Any]]:
    """The conditions on the thread `t`: visibility, archived, and the thread-level filters."""
    where = [BASE_THREAD_WHERE]
    params: dict[str, Any] = {"false": False, "true": True}
    if inbox_ids is not None:
        where.append(f"t.inbox_id IN ({', '.join(str(int(i)) for i in sorted(inbox_ids))})")
    for column, value in (
        ("channel_id", filters.channel_id),
        ("channel_account_id", filters.channel_account_id),
        ("inbox_id", filters.inbox_id),
        ("status", filters.status),
    ):
        if value is not None:
            where.append(f"t.{column} = :f_{column}")
            params[f"f_{column}"] = value
    if filters.assignee == "unassigned":
        where.append("t.assignee_id IS NULL")
    elif filters.assignee is not None:
        where.append("t.assignee_id = :f_assignee")
        params["f_assignee"] = filters.assignee
    return " AND ".join(where), params


def _message_filters(filters: SearchFilters, alias: str) -> str:
    where = [f"{alias}.archived = :false", f"{alias}.type IN {_VISIBLE_TYPES}"]
    if filters.since_ms is not None:
        where.append(f"{alias}.created_at >= :since")
    if filters.until_ms is not None:
        where.append(f"{alias}.created_at < :until")
    if filters.has_attachments is not None:
        where.append(f"{alias}.has_attachments = :attachments")
    return " AND ".join(where)


def _filter_params(filters: SearchFilters) -> dict[str, Any]:
    return {
        "since": filters.since_ms,
        "until": filters.until_ms,
        "attachments": filters.has_attachments,
    }


async def _collect(
    uow: UnitOfWork,
    parsed: SearchQuery,
    thread_where: str,
    params: dict[str, Any],
    filters: SearchFilters,
    before: int,
    limit: int,
) -> list[_Hit]:
    """Up to `limit + 1` hits older than `before`, newest first, one per thread."""
    params = {**params, **_filter_params(filters), "before": before}
    if parsed.is_empty:
        return await _thread_hits(uow, thread_where, "", params, filters, limit + 1)
    backend = postgres if uow.is_postgres else sqlite
    params.update(backend.params(parsed))
    contact_ids = postgres.contact_ids(parsed) if backend is postgres else sqlite.CONTACT_IDS
    by_contact = await _thread_hits(
        uow,
        thread_where,
        f"({contact_ids}) AS mc {backend.CONTACT_JOIN} {backend.THREADS_OF_CONTACTS}",
        params,
        filters,
        limit + 1,
    )
    # With a full page of contact matches, only newer message matches can still make the page.
    params["floor"] = by_contact[-1].key if len(by_contact) > limit else 0
    contacts = await _contact_ids(uow, backend, parsed)
    walk = functools.partial(_walk, uow, backend, params, filters, before, limit)
    # Some words may name the contact and the others be in the messages ("ana refund"): the
    # threads of contacts matching the first, anchored on their newest message matching the
    # rest. Those threads are found that way only, so a thread never shows twice.
    mixed: list[_Hit] = []
    split = await _contact_and_message_words(uow, backend, parsed)
    mixed_contacts: set[int] = set()
    if split is not None:
        mixed_contacts = await _contact_ids(uow, backend, split[0]) - contacts
        if len(mixed_contacts) > MAX_MIXED_CONTACTS:  # words naming nobody in particular
            mixed_contacts = set()
    if mixed_contacts and split is not None:
        ids = ", ".join(str(int(c)) for c in sorted(mixed_contacts))
        mixed = await walk(split[1], f"{thread_where} AND t.contact_id IN ({ids})", contacts)
    by_message = await walk(parsed, thread_where, contacts | mixed_contacts)
    merged = sorted([*by_contact, *by_message, *mixed], key=lambda h: h.key, reverse=True)
    return merged[: limit + 1]


async def _contact_ids(uow: UnitOfWork, backend: Any, query: SearchQuery) -> set[int]:
    """The contacts whose fields (or one identifier) hold every word of `query`."""
    sql = postgres.contact_ids(query) if backend is postgres else sqlite.CONTACT_IDS
    return {r[0] for r in _rows(await uow.execute(text(sql), backend.params(query)))}


async def _contact_and_message_words(
    uow: UnitOfWork, backend: Any, parsed: SearchQuery
) -> tuple[SearchQuery, SearchQuery] | None:
    """The query's terms split into those some contact matches and the others, when both
    are there."""
    if len(parsed.terms) < 2:
        return None
    naming: list[Term] = []
    rest: list[Term] = []
    for term in parsed.terms:
        alone = SearchQuery((term,))
        sql = postgres.contact_ids(alone) if backend is postgres else sqlite.CONTACT_IDS
        found = await uow.scalar(text(f"{sql} LIMIT 1"), backend.params(alone))
        (naming if found is not None else rest).append(term)
    if not naming or not rest:
        return None
    return SearchQuery(tuple(naming)), SearchQuery(tuple(rest))


async def _walk(
    uow: UnitOfWork,
    backend: Any,
    params: dict[str, Any],
    filters: SearchFilters,
    before: int,
    limit: int,
    query: SearchQuery,
    thread_where: str,
    contacts: set[int],
) -> list[_Hit]:
    """Threads passing `thread_where`, anchored on their newest message matching `query`,
    leaving out the threads of `contacts`."""
    params = {**params, **backend.params(query)}
    match = backend.message_match(query)
    few = await _few_threads(uow, thread_where, params)
    if few is not None:
        if not few:
            return []  # no thread passes the filters: no message can
        match += f" AND m.thread_id IN ({', '.join(str(int(t)) for t in few)})"
    return await _message_hits(
        uow, backend, match, thread_where, params, filters, before, limit, contacts=contacts
    )


async def _thread_hits(
    uow: UnitOfWork,
    thread_where: str,
    contacts_from: str,
    params: dict[str, Any],
    filters: SearchFilters,
    count: int,
) -> list[_Hit]:
    """Threads anchored on their latest message (of matching contacts, or all)."""
    where = [thread_where, "t.last_message_id < :before"]
    if contacts_from:
        where.append("t.contact_id = mc.id")
    if filters.since_ms is not None or filters.until_ms is not None:
        where.append(
            "EXISTS (SELECT 1 FROM messages a WHERE a.id = t.last_message_id"
            + (" AND a.created_at >= :since" if filters.since_ms is not None else "")
            + (" AND a.created_at < :until" if filters.until_ms is not None else "")
            + ")"
        )
    if filters.has_attachments is not None:
        where.append(
            ("" if filters.has_attachments else "NOT ")
            + "EXISTS (SELECT 1 FROM messages x WHERE x.thread_id = t.id "
            "AND x.has_attachments = :true AND x.archived = :false)"
        )
    sql = (
        f"SELECT t.last_message_id, t.id FROM {contacts_from or 'threads t'} WHERE "
        + " AND ".join(where)
        + " ORDER BY t.last_message_id DESC LIMIT :count"
    )
    rows = _rows(await uow.execute(text(sql), {**params, "count": count}))
    return [_Hit(key=r[0], thread_id=r[1], by_contact=bool(contacts_from)) for r in rows]


async def _few_threads(
    uow: UnitOfWork, thread_where: str, params: dict[str, Any]
) -> list[int] | None:
    """The threads passing the thread filters when they are few (None: many, or no filter).
    Then the walk reads only their messages, instead of every match of the words only to
    find that almost none is in those threads (a filter or the caller's inboxes leaving
    nothing: 2 s to read all the matches of a common word, measured)."""
    if thread_where == BASE_THREAD_WHERE:
        return None
    sql = f"SELECT t.id FROM threads t WHERE {thread_where} LIMIT {FEW_THREADS + 1}"
    ids = [r[0] for r in _rows(await uow.execute(text(sql), params))]
    return ids if len(ids) <= FEW_THREADS else None


async def _message_hits(
    uow: UnitOfWork,
    backend: Any,
    match: str,
    thread_where: str,
    params: dict[str, Any],
    filters: SearchFilters,
    before: int,
    limit: int,
    *,
    contacts: set[int],
) -> list[_Hit]:
    """Threads anchored on their newest matching message, read newest match first.

    The walk reads matching messages alone, in batches that double, and then asks which of
    their threads pass the thread filters. Joining threads in the walk itself made
    PostgreSQL read every match and sort them (a common word: 30,000 rows, 0.6 s); alone,
    it walks the primary key backwards and stops after a batch (measured). Threads of
    `contacts` are left out: they matched by their contact already."""
    hits: list[_Hit] = []
    seen: set[int] = set()
    cursor, batch = before, BATCH
    # The first batch comes from the newest messages alone, if the backend has such a window.
    window = backend.NEWEST_MESSAGES
    while len(hits) <= limit:
        sql = (
            f"SELECT {backend.MESSAGE_KEY}, m.thread_id FROM {window or backend.MESSAGE_FROM} "
            f"WHERE {match} "
            f"AND {backend.MESSAGE_KEY} < :cursor AND {backend.MESSAGE_KEY} > :floor "
            f"AND {_message_filters(filters, 'm')} "
            f"ORDER BY {backend.MESSAGE_KEY} DESC LIMIT :batch"
        )
        rows = _rows(await uow.execute(text(sql), {**params, "cursor": cursor, "batch": batch}))
        fresh = _first_per_thread([(r[0], r[1]) for r in rows if r[1] not in seen])
        seen.update(t for _, t in fresh)
        passing = await _threads_passing(uow, thread_where, params, fresh, contacts)
        fresh = [(k, t) for k, t in fresh if t in passing]
        newer = await _matched_before(uow, backend, match, params, filters, fresh, before)
        hits += [_Hit(k, t, False) for k, t in fresh if t not in newer]
        if len(rows) == batch:
            cursor, batch = rows[-1][0], min(batch * 2, MAX_BATCH)
        elif window:
            # The window held fewer matches than a batch: go on below it, in whatever order
            # the planner picks for matches this rare.
            below = await uow.scalar(text(backend.WINDOW_END), {**params, "cursor": cursor})
            if below is None:
                break
            cursor = below
        else:
            break
        window = None
    return hits[: limit + 1]


async def _threads_passing(
    uow: UnitOfWork,
    thread_where: str,
    params: dict[str, Any],
    rows: list[tuple[int, int]],
    contacts: set[int],
) -> set[int]:
    """Of these threads, those the caller sees that pass the thread filters and whose
    contact is not one of `contacts`."""
    if not rows:
        return set()
    ids = ", ".join(str(int(t)) for _, t in rows)
    sql = f"SELECT t.id, t.contact_id FROM threads t WHERE t.id IN ({ids}) AND {thread_where}"
    return {r[0] for r in _rows(await uow.execute(text(sql), params)) if r[1] not in contacts}


def _first_per_thread(rows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    taken: set[int] = set()
    for key, thread_id in rows:
        if thread_id not in taken:
            taken.add(thread_id)
            out.append((key, thread_id))
    return out


async def _matched_before(
    uow: UnitOfWork,
    backend: Any,
    match: str,
    params: dict[str, Any],
    filters: SearchFilters,
    rows: list[tuple[int, int]],
    before: int,
) -> set[int]:
    """Of these threads, those with a match at or past the cursor: shown on an earlier page."""
    if before == INT64_MAX or not rows:
        return set()
    ids = ", ".join(str(int(t)) for t in {t for _, t in rows})
    sql = (
        f"SELECT DISTINCT m.thread_id FROM {backend.MESSAGE_FROM} "
        f"WHERE {match} AND {backend.MESSAGE_KEY} >= :before "
        f"AND m.thread_id IN ({ids}) AND {_message_filters(filters, 'm')}"
    )
    return {r[0] for r in _rows(await uow.execute(text(sql), params))}


async def _results(uow: UnitOfWork, parsed: SearchQuery, hits: list[_Hit]) -> list[SearchResult]:
    if not hits:
        return []
    ids = ", ".join(str(int(h.key)) for h in hits)
    sql = (
        "SELECT m.id, m.text, m.subject, m.created_at, t.id, t.inbox_id, t.channel_id, "
        "ch.name, c.name, c.email, c.phone, t.status, t.assignee_id "
        "FROM messages m JOIN threads t ON t.id = m.thread_id "
        "JOIN channels ch ON ch.id = t.channel_id JOIN contacts c ON c.id = t.contact_id "
        f"WHERE m.id IN ({ids})"
    )
    rows = {r[0]: r for r in _rows(await uow.execute(text(sql)))}
    out: list[SearchResult] = []
    for hit in hits:
        r = rows.get(hit.key)
        if r is None:
            continue
        if hit.by_contact:
            contact = " · ".join(v for v in (r[8], r[9], r[10]) if v)
            snippet = snippet_of(parsed, contact)
        else:
            snippet = snippet_of(parsed, r[1] or "", fallback=r[2] or "")
        out.append(
            SearchResult(
                thread_id=r[4],
                message_id=r[0],
                inbox_id=r[5],
                channel_id=r[6],
                channel_name=r[7],
                contact_name=r[8] or "",
                status=r[11],
                assignee_id=r[12],
                at_ms=r[3],
                snippet=snippet,
            )
        )
    return out


# --- reindex -------------------------------------------------------------------------------


REINDEX_BATCH = 50_000


@dataclass(frozen=True)
class ReindexResult:
    messages: int
    contacts: int
    seconds: float


async def reindex(db: Any, *, progress: Callable[[int, int], None] | None = None) -> ReindexResult:
    """Rebuild the whole index from the tables; `progress(done, total)` after each batch."""
    started = time.monotonic()
    async with db.read() as uow:
        total = int(await uow.scalar(text("SELECT count(*) FROM messages")))
        contacts = int(await uow.scalar(text("SELECT count(*) FROM contacts")))
        top = int(await uow.scalar(text("SELECT coalesce(max(id), 0) FROM messages")))
    if db.dialect == "postgresql":
        for step, statement in enumerate(postgres.REINDEX, start=1):
            async with db.transaction() as uow:
                await uow.execute(text(statement))
            if progress is not None:
                progress(total * step // len(postgres.REINDEX), total)
    else:
        await _reindex_sqlite(db, top=top, total=total, progress=progress)
    return ReindexResult(total, contacts, round(time.monotonic() - started, 2))


async def _reindex_sqlite(
    db: Any, *, top: int, total: int, progress: Callable[[int, int], None] | None
) -> None:
    async with db.transaction() as uow:
        await uow.execute(text(sqlite.CLEAR_MESSAGES))
        # The passes below index every message up to `top`, queued or not; later ones stay
        # queued for the indexer (search/indexer.py).
        await uow.execute(text(sqlite.DEQUEUE_UPTO), {"top": top})
        for statement in sqlite.REBUILD_CONTACTS:
            await uow.execute(text(statement))
    done, after = 0, 0
    while after < top:
        upto = after + REINDEX_BATCH
        async with db.transaction() as uow:
            result = await uow.execute(text(sqlite.INSERT_MESSAGES), {"after": after, "upto": upto})
            done += max(result.rowcount, 0)
        after = upto
        if progress is not None:
            progress(min(done, total), total)
    async with db.transaction() as uow:
        await uow.execute(text(sqlite.OPTIMIZE))


@contextlib.asynccontextmanager
async def bulk_load(db: Any) -> AsyncIterator[None]:
    """Around a load of many messages (the benchmarks' corpus): messages are not indexed one
    by one meanwhile, and the index is rebuilt in one pass afterwards (SQLite: its insert
    trigger is dropped and put back; PostgreSQL: the GIN index is dropped and built again).
    One pass is several times cheaper than a million single-row updates (measured: the corpus
    loaded in half the time)."""
    if db.dialect == "sqlite":
        # The trigger that queues new messages for the indexer (search/indexer.py).
        queueing = importlib.import_module(
            "frontdesk.migrations.versions.0003_deferred_message_index"
        )
        pause = "DROP TRIGGER IF EXISTS messages_fts_insert"
        resume = queueing.INSERT_TRIGGER.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS")
    else:
        migration = importlib.import_module("frontdesk.migrations.versions.0002_search")
        pause = "DROP INDEX IF EXISTS ix_messages_search"
        create = next(s for s in migration.POSTGRES_UP if "INDEX ix_messages_search" in s)
        resume = create.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")
    async with db.transaction() as uow:
        await uow.execute(text(pause))
    try:
        yield
    finally:
        async with db.transaction() as uow:
            await uow.execute(text(resume))
        if db.dialect == "sqlite":
            await reindex(db)
        else:
            # The planner's choice between the GIN index and a walk by id rests on word
            # frequencies: without fresh statistics a common word read every match (measured).
            async with db.transaction() as uow:
                await uow.execute(text("ANALYZE"))
