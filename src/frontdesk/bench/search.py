"""`frontdesk bench search`: search latency on the corpus (issue 6).

1. Builds the corpus (`bench corpus`) or reuses it, then rebuilds the index from the tables,
   timed: the "index build".
2. Runs 200 searches through the service, one at a time after a warm-up: single words (common
   and rare), two words, prefixes as typed, phrases taken from stored messages, contact names,
   and filters (channel, status, assignee, inbox, date range, attachments, an agent's inboxes)
   on top; p50/p95/p99 of the wall time.
3. Reports the database's size and the index's.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from frontdesk import bootstrap
from frontdesk.bench.corpus import CorpusInfo, corpus_summary, ensure_corpus
from frontdesk.bench.harness import percentile
from frontdesk.bench.vocabulary import FIRST_NAMES
from frontdesk.config import Settings
from frontdesk.core.db import Database, UnitOfWork
from frontdesk.search import service as search_service
from frontdesk.search.query import words_of
from frontdesk.search.service import SearchFilters

SQLITE_TARGET_MS = 50.0
POSTGRES_TARGET_MS = 100.0
BUILD_TARGET_S = 180.0
DAY_MS = 86_400_000


def progress_bar(label: str) -> Any:
    """A callback drawing `label [#####     ] done/total` on stderr (when it is a terminal,
    else one line at the end)."""
    tty = sys.stderr.isatty()

    def draw(done: int, total: int) -> None:
        if not tty and done < total:
            return
        filled = 30 * done // max(total, 1)
        end = "\n" if done >= total else ""
        bar = "#" * filled + " " * (30 - filled)
        print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return draw


def run_search(
    *,
    data_dir: Path | None,
    database_url: str | None,
    threads: int,
    messages: int,
    seed: int,
    queries: int = 200,
    warmup: int = 20,
    quiet: bool = False,
) -> dict[str, Any]:
    temporary = data_dir is None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="frontdesk-bench-search-"))
    try:
        settings = bootstrap.prepare(
            Settings(data_dir=data_dir, database_url=database_url or "", _env_file=None)
        )
        return asyncio.run(
            _run(settings, threads, messages, seed, queries=queries, warmup=warmup, quiet=quiet)
        )
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


async def _run(
    settings: Settings,
    threads: int,
    messages: int,
    seed: int,
    *,
    queries: int,
    warmup: int,
    quiet: bool,
) -> dict[str, Any]:
    db = Database(settings.resolved_database_url(), pool_size=2)
    try:
        if not quiet:
            print("building the corpus (or finding it) ...", file=sys.stderr, flush=True)
        info, corpus_seconds = await ensure_corpus(
            db, threads=threads, messages=messages, seed=seed, files_dir=None
        )
        built = await search_service.reindex(
            db, progress=None if quiet else progress_bar("index build")
        )
        async with db.read() as uow:
            plan = await _plan(uow, info, count=queries + warmup, seed=seed)
            timings, hits = await _measure(uow, plan, warmup=warmup)
            sizes = await _sizes(uow, settings)
        return {
            "database": db.dialect,
            "cores": os.cpu_count(),
            "corpus": corpus_summary(info, corpus_seconds),
            "corpusReused": corpus_seconds is None,
            "indexBuildSeconds": built.seconds,
            "indexedMessages": built.messages,
            "indexedContacts": built.contacts,
            "queries": len(timings),
            "p50_ms": round(percentile(timings, 0.5), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "p99_ms": round(percentile(timings, 0.99), 2),
            "max_ms": round(max(timings), 2) if timings else None,
            "withResults": sum(1 for n in hits if n),
            "kinds": _by_kind(plan[warmup:], timings),
            **sizes,
        }
    finally:
        await db.dispose()


Plan = list[tuple[str, str, SearchFilters, frozenset[int] | None]]


async def _plan(uow: UnitOfWork, info: CorpusInfo, *, count: int, seed: int) -> Plan:
    """`count` searches: (kind, q, filters, visible inboxes), from words the corpus holds."""
    rng = random.Random(seed)
    top = int(await uow.scalar(text("SELECT max(id) FROM messages")))
    ids = ", ".join(str(rng.randint(1, top)) for _ in range(count * 2))
    rows = await uow.execute(
        text(f"SELECT text FROM messages WHERE id IN ({ids}) AND text <> ''")  # noqa: S608
    )
    sample = [str(r[0]) for r in rows] or ["order refund"]
    inboxes = [int(r[0]) for r in await uow.execute(text("SELECT id FROM inboxes"))]
    end_at = info.end_at
    plan: Plan = []
    for n in range(count):
        words = [w for w in words_of(rng.choice(sample)) if len(w) > 2] or ["order"]
        word = rng.choice(words)
        kind = ("word", "two words", "prefix", "phrase", "contact", "filters")[n % 6]
        filters = SearchFilters()
        visible: frozenset[int] | None = None
        if kind == "word":
            q = word + " "
        elif kind == "two words":
            q = f"{word} {rng.choice(words)} "
        elif kind == "prefix":
            q = word[: rng.randint(2, max(2, min(5, len(word))))]
        elif kind == "phrase":
            at = rng.randrange(max(1, len(words) - 1))
            q = '"' + " ".join(words[at : at + 2]) + '"'
        elif kind == "contact":
            q = rng.choice(FIRST_NAMES) + " " + rng.choice("abcdefghijklmnoprstw")
        else:
            q = word + " "
            filters = rng.choice(
                [
                    SearchFilters(channel_id=info.chat_channel_id, status="OPEN"),
                    SearchFilters(status="CLOSED"),
                    SearchFilters(assignee="unassigned"),
                    SearchFilters(inbox_id=rng.choice(inboxes)),
                    SearchFilters(since_ms=end_at - 30 * DAY_MS),
                    SearchFilters(has_attachments=True),
                    SearchFilters(channel_account_id=rng.choice(info.account_ids)),
                ]
            )
            if n % 12 == 5:
                visible = frozenset(rng.sample(inboxes, max(1, len(inboxes) // 2)))
        plan.append((kind, q, filters, visible))
    return plan


async def _measure(uow: UnitOfWork, plan: Plan, *, warmup: int) -> tuple[list[float], list[int]]:
    timings: list[float] = []
    hits: list[int] = []
    for index, (_, q, filters, visible) in enumerate(plan):
        started = time.perf_counter()
        page = await search_service.search_threads(
            uow, principal_inbox_ids=visible, query=q, filters=filters, after=None, limit=20
        )
        elapsed = (time.perf_counter() - started) * 1000
        if index >= warmup:
            timings.append(elapsed)
            hits.append(len(page.results))
    return timings, hits


def _by_kind(plan: Plan, timings: list[float]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for kind in dict.fromkeys(k for k, *_ in plan):
        values = [t for (k, *_), t in zip(plan, timings, strict=True) if k == kind]
        out[kind] = {
            "p50_ms": round(percentile(values, 0.5), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
        }
    return out


async def _sizes(uow: UnitOfWork, settings: Settings) -> dict[str, Any]:
    if uow.is_postgres:
        database = await uow.scalar(text("SELECT pg_database_size(current_database())"))
        index = await uow.scalar(
            text(
                "SELECT sum(pg_relation_size(c)) FROM unnest(ARRAY['ix_messages_search', "
                "'ix_contacts_search', 'ix_contact_identities_search']::regclass[]) AS c"
            )
        )
        return {"databaseBytes": int(database), "indexBytes": int(index or 0)}
    path = Path(settings.resolved_database_url().removeprefix("sqlite:///"))
    database = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    # dbstat (compiled into Debian's and Python's SQLite) sums the pages of the FTS tables.
    index = await uow.scalar(
        text(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_fts%' OR name LIKE 'contacts_fts%'"
        )
    )
    return {"databaseBytes": database, "indexBytes": int(index or 0)}


def format_report(results: dict[str, Any]) -> str:
    target = POSTGRES_TARGET_MS if results["database"] == "postgresql" else SQLITE_TARGET_MS
    corpus = results["corpus"]
    built = (
        "reused"
        if results["corpusReused"]
        else f"built in {corpus.get('buildSeconds', float('nan')):.0f} s"
    )
    verdict = "meets" if results["p95_ms"] < target else "misses"
    build_verdict = "meets" if results["indexBuildSeconds"] < BUILD_TARGET_S else "misses"
    lines = [
        f"frontdesk bench search ({results['database']}, {results['cores']} cores)",
        f"  corpus: {corpus['threads']} threads, {corpus['messages']} messages ({built})",
        f"  index build: {results['indexBuildSeconds']:.1f} s for {results['indexedMessages']} "
        f"messages and {results['indexedContacts']} contacts "
        f"[{build_verdict} < {BUILD_TARGET_S:g} s]",
        f"  {results['queries']} searches: p50 {results['p50_ms']} / p95 {results['p95_ms']} / "
        f"p99 {results['p99_ms']} / max {results['max_ms']} ms, {results['withResults']} with "
        f"results [{verdict} p95 < {target:g} ms]",
    ]
    for kind, stats in results["kinds"].items():
        lines.append(f"    {kind}: p50 {stats['p50_ms']} / p95 {stats['p95_ms']} ms")
    lines.append(
        f"  database: {results['databaseBytes'] / 1e6:.0f} MB, of which the search index "
        f"{results['indexBytes'] / 1e6:.0f} MB"
    )
    return "\n".join(lines)
