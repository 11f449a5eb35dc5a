"""The `frontdesk` command (DESIGN 8). `--json` prints one JSON object and nothing else;
every failure exits non-zero with a one-line reason on stderr."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from frontdesk import bootstrap
from frontdesk.accounts import service as account_service
from frontdesk.accounts.passwords import hash_password
from frontdesk.apps import service as app_service
from frontdesk.config import Settings
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.core.events import EventBus


class CliError(Exception):
    """A failure to report on one line."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "no_worker", False):
        overrides["run_worker"] = False
    if getattr(args, "publish_every", None):
        overrides["demo_publish_every_s"] = args.publish_every
    return Settings(**overrides)


def _run_with_db(
    args: argparse.Namespace, action: Callable[[Database], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    settings = bootstrap.prepare(_settings(args))

    async def runner() -> dict[str, Any]:
        db = Database(settings.resolved_database_url(), hooks=EventBus(), pool_size=2)
        try:
            return await action(db)
        finally:
            await db.dispose()

    return asyncio.run(runner())


def _print(args: argparse.Namespace, result: dict[str, Any], human: str) -> None:
    print(json.dumps(result) if args.json else human)


def _split_scopes(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [s.strip() for s in raw.split(",") if s.strip()]


async def _create_user(args: argparse.Namespace, db: Database, role: str) -> dict[str, Any]:
    password_hash = await hash_password(args.password)
    async with db.transaction() as uow:
        user_id = await account_service.create_user(
            uow,
            email=args.email,
            password_hash=password_hash,
            name=args.name or "",
            role=role,
            team_names=getattr(args, "team", None) or [],
        )
        user = await account_service.get_user(uow, user_id=user_id)
    return {"id": str(user_id), "email": user.email, "actorId": f"A-{user_id}"}


def cmd_create_admin(args: argparse.Namespace) -> None:
    result = _run_with_db(args, lambda db: _create_user(args, db, "admin"))
    _print(args, result, f"Created admin {result['email']} ({result['actorId']})")


def cmd_users_create(args: argparse.Namespace) -> None:
    result = _run_with_db(args, lambda db: _create_user(args, db, args.role))
    _print(args, result, f"Created {args.role} {result['email']} ({result['actorId']})")


def cmd_teams_create(args: argparse.Namespace) -> None:
    async def action(db: Database) -> dict[str, Any]:
        async with db.transaction() as uow:
            team_id = await account_service.create_team(uow, name=args.name)
        return {"id": str(team_id), "name": args.name.strip()}

    result = _run_with_db(args, action)
    _print(args, result, f"Created team {result['name']} (id {result['id']})")


def cmd_inboxes_create(args: argparse.Namespace) -> None:
    async def action(db: Database) -> dict[str, Any]:
        async with db.transaction() as uow:
            inbox_id = await account_service.create_inbox(
                uow, name=args.name, help_desk=args.help_desk, team_names=args.team or []
            )
        return {"id": str(inbox_id), "name": args.name.strip()}

    result = _run_with_db(args, action)
    kind = "help desk" if args.help_desk else "inbox"
    _print(args, result, f"Created {kind} {result['name']} (id {result['id']})")


def cmd_apps_create(args: argparse.Namespace) -> None:
    async def action(db: Database) -> dict[str, Any]:
        async with db.transaction() as uow:
            app = await app_service.create_app(
                uow, name=args.name, scopes=_split_scopes(args.scopes)
            )
        return {
            "appId": str(app.app_id),
            "developerApiKey": app.developer_api_key,
            "clientSecret": app.client_secret,
            "accessToken": app.access_token,
        }

    result = _run_with_db(args, action)
    human = "\n".join(
        [
            f"Created app {args.name} (appId {result['appId']})",
            f"  developer API key (hapikey): {result['developerApiKey']}",
            f"  client secret (webhook signatures): {result['clientSecret']}",
            f"  access token (Bearer): {result['accessToken']}",
            "Keep these now: Frontdesk stores only digests of the keys and tokens.",
        ]
    )
    _print(args, result, human)


def cmd_tokens_create(args: argparse.Namespace) -> None:
    async def action(db: Database) -> dict[str, Any]:
        async with db.transaction() as uow:
            user = await account_service.get_user_by_email(uow, email=args.user)
            token = await app_service.create_token(
                uow,
                kind="personal",
                user_id=user.id,
                scopes=_split_scopes(args.scopes) or list(app_service.PERSONAL_SCOPES),
            )
        return {"accessToken": token}

    result = _run_with_db(args, action)
    _print(args, result, f"Personal access token for {args.user}: {result['accessToken']}")


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = bootstrap.prepare(_settings(args))
    print(f"Database at {_redacted(settings.resolved_database_url())} is up to date.")


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def _server(settings: Settings) -> Any:
    """The uvicorn server of `serve` and `demo` (a realtime.server.Server)."""
    import uvicorn

    from frontdesk.app import create_app
    from frontdesk.realtime.server import Server

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    # Not uvicorn.run: this server ends the event streams first when shutdown begins.
    server = Server(config)
    _freeze_startup_objects()
    return server


def _freeze_startup_objects() -> None:
    """Keep what was imported and built at startup, which lives as long as the process, out
    of the garbage collector's full collections. Walking it at each of them was most of the
    p99 of `bench ingest` (136-179 ms, 60-100 ms frozen) and 2-18% of its throughput."""
    gc.collect()
    gc.freeze()


def cmd_serve(args: argparse.Namespace) -> None:
    if args.demo:
        cmd_demo(args)
        return
    settings = bootstrap.prepare(_settings(args))

    async def first_admin() -> bootstrap.FirstAdmin | None:
        db = Database(settings.resolved_database_url(), pool_size=1)
        try:
            return await bootstrap.create_first_admin_if_empty(db)
        finally:
            await db.dispose()

    admin = asyncio.run(first_admin())
    base = f"http://{settings.host}:{settings.port}"
    print(f"Frontdesk {_redacted(settings.resolved_database_url())}")
    print(f"  API and its documentation: {base}/docs")
    if admin is not None:
        print("  First start: an admin was created. Sign in with")
        print(f"    email:    {admin.email}")
        print(f"    password: {admin.password}")
        print(f"    API token (Authorization: Bearer): {admin.access_token}")
        print("  Create apps with `frontdesk apps create --name NAME`.")
    else:
        print("  Sign in with your account; add users with `frontdesk users create`.")
    sys.stdout.flush()
    _server(settings).run()


def cmd_demo(args: argparse.Namespace) -> None:
    from frontdesk.app import build_database
    from frontdesk.demo import runner
    from frontdesk.demo.bridge import Bridge
    from frontdesk.demo.seed import ForeignWorkspace, prepare_workspace

    settings = bootstrap.prepare(runner.demo_settings(_settings(args)))
    sock, webhook_url = runner.bind_bridge_socket()

    async def prepare() -> Any:
        db, _bus = build_database(settings)
        try:
            return await prepare_workspace(db, settings, webhook_url=webhook_url)
        finally:
            await db.dispose()

    try:
        workspace = asyncio.run(prepare())
    except ForeignWorkspace as exc:
        sock.close()
        raise CliError(str(exc)) from exc
    _print_demo_banner(settings, seeded=workspace.seeded, webhook_url=webhook_url)
    sys.stdout.flush()
    runner.log_bridge_lines()
    bridge = Bridge(runner.bridge_config(settings, workspace))
    # uvicorn re-raises the Ctrl+C it handled once it has shut down: the demo ends quietly.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(runner.run(_server(settings), bridge, sock))


def cmd_worker(args: argparse.Namespace) -> None:
    import signal

    from frontdesk.app import build_database, build_runner

    settings = bootstrap.prepare(_settings(args))

    async def work() -> None:
        db, _bus = build_database(settings)
        runner = build_runner(settings, db, concurrency=args.concurrency)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await runner.start()
        print(f"frontdesk worker running jobs ({runner.config.concurrency} at once)", flush=True)
        await stop.wait()
        await runner.stop()
        await db.dispose()

    asyncio.run(work())


def _print_demo_banner(settings: Settings, *, seeded: bool, webhook_url: str) -> None:
    from frontdesk.demo import script

    base = f"http://{settings.host}:{settings.port}"
    agent = script.AGENTS[0]
    print(f"Frontdesk demo {_redacted(settings.resolved_database_url())}")
    if seeded:
        print("  Seeded a demo workspace: Northwind Outfitters answering customers on Chatterbox.")
    else:
        print("  The demo workspace exists already (seeded earlier): serving it as it is.")
    print(f"  Open {base} and sign in (API documentation at {base}/docs):")
    print(f"    admin: {script.ADMIN.email}  password: {script.PASSWORD}")
    print(f"    agent: {agent.email}  password: {script.PASSWORD}  ({', '.join(agent.teams)})")
    others = ", ".join(f"{a.email} ({' + '.join(a.teams)})" for a in script.AGENTS[1:])
    print(f"    other agents, same password: {others}")
    print(
        f"  A simulated bridge publishes a message every {settings.demo_publish_every_s:g} s, "
        "and marks agents' replies SENT, then READ."
    )
    print(f"  Its webhook (loopback: webhook_allow_private is on for the demo): {webhook_url}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frontdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate if needed, then serve the UI and the APIs")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir")
    serve.add_argument("--database-url")
    serve.add_argument("--no-worker", action="store_true", help="run no in-process job worker")
    serve.add_argument("--demo", action="store_true", help="the same as `frontdesk demo`")
    serve.add_argument("--publish-every", type=float, help="with --demo: see `demo`")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser(
        "demo", help="seed a demo workspace if empty, then serve it with a simulated bridge"
    )
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    demo.add_argument("--data-dir")
    demo.add_argument("--database-url")
    demo.add_argument(
        "--publish-every", type=float, help="seconds between the bridge's messages (default: 8)"
    )
    demo.set_defaults(func=cmd_demo, demo=True)

    worker = sub.add_parser("worker", help="run jobs (deliveries) only, beside `serve --no-worker`")
    worker.add_argument("--data-dir")
    worker.add_argument("--database-url")
    worker.add_argument("--concurrency", type=int, help="jobs at once (default: setting)")
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    admin = sub.add_parser("create-admin", help="create an admin user")
    _user_args(admin)
    admin.set_defaults(func=cmd_create_admin)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="sub", required=True)
    users_create = users.add_parser("create", help="create a user")
    _user_args(users_create)
    users_create.add_argument("--role", choices=account_service.ROLES, default="agent")
    users_create.add_argument("--team", action="append", help="team name (repeatable)")
    users_create.set_defaults(func=cmd_users_create)

    teams = sub.add_parser("teams", help="manage teams").add_subparsers(dest="sub", required=True)
    teams_create = teams.add_parser("create", help="create a team")
    teams_create.add_argument("--name", required=True)
    teams_create.add_argument("--json", action="store_true")
    teams_create.set_defaults(func=cmd_teams_create)

    inboxes = sub.add_parser("inboxes", help="manage inboxes")
    inboxes_sub = inboxes.add_subparsers(dest="sub", required=True)
    inboxes_create = inboxes_sub.add_parser("create", help="create an inbox or a help desk")
    inboxes_create.add_argument("--name", required=True)
    inboxes_create.add_argument("--help-desk", action="store_true")
    inboxes_create.add_argument("--team", action="append", help="team name (repeatable)")
    inboxes_create.add_argument("--json", action="store_true")
    inboxes_create.set_defaults(func=cmd_inboxes_create)

    apps = sub.add_parser("apps", help="manage apps").add_subparsers(dest="sub", required=True)
    apps_create = apps.add_parser("create", help="register an app (a bridge)")
    apps_create.add_argument("--name", required=True)
    apps_create.add_argument("--scopes", help="comma-separated scopes (default: all)")
    apps_create.add_argument("--json", action="store_true")
    apps_create.set_defaults(func=cmd_apps_create)

    tokens = sub.add_parser("tokens", help="manage tokens")
    tokens_sub = tokens.add_subparsers(dest="sub", required=True)
    tokens_create = tokens_sub.add_parser("create", help="create a personal access token")
    tokens_create.add_argument("--user", required=True, help="the user's email")
    tokens_create.add_argument("--scopes", help="comma-separated scopes (default: all)")
    tokens_create.add_argument("--json", action="store_true")
    tokens_create.set_defaults(func=cmd_tokens_create)

    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="sub", required=True)
    ingest = bench.add_parser("ingest", help="publish throughput against a real server")
    ingest.add_argument("--database-url", help="PostgreSQL URL (default: a fresh SQLite file)")
    ingest.add_argument("--connections", type=int, default=64)
    ingest.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    ingest.add_argument("--threads", type=int, default=2000, help="conversations to spread over")
    ingest.add_argument("--contacts", type=int, default=1000, help="senders to spread over")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(func=cmd_bench_ingest)

    deliver = bench.add_parser("deliver", help="reply delivery latency and backlog drain")
    deliver.add_argument("--database-url", help="PostgreSQL URL (default: a fresh SQLite file)")
    deliver.add_argument("--rate", type=float, default=50.0, help="replies/s for the latency run")
    deliver.add_argument("--connections", type=int, default=4, help="callers, throughput run")
    deliver.add_argument("--duration", type=float, default=10.0, help="seconds of live replies")
    deliver.add_argument("--backlog", type=int, default=10000, help="replies queued in the outage")
    deliver.add_argument("--threads", type=int, default=1000, help="conversations to reply on")
    deliver.add_argument("--workers", type=int, default=2, help="worker processes (PostgreSQL)")
    deliver.add_argument("--json", action="store_true")
    deliver.set_defaults(func=cmd_bench_deliver)

    corpus = bench.add_parser("corpus", help="fill a fresh database with a large corpus")
    _corpus_args(corpus, threads=100_000, messages=1_000_000)
    corpus.set_defaults(func=cmd_bench_corpus)

    inbox = bench.add_parser("inbox", help="inbox and conversation render time, live latency")
    _corpus_args(inbox, threads=100_000, messages=1_000_000)
    inbox.add_argument("--requests", type=int, default=200, help="measured requests per page")
    inbox.add_argument("--warmup", type=int, default=20, help="unmeasured requests per page")
    inbox.add_argument("--live-seconds", type=float, default=20.0, help="0: no browser run")
    inbox.add_argument("--rate", type=float, default=200.0, help="messages/s during the live run")
    inbox.set_defaults(func=cmd_bench_inbox)

    bench_search = bench.add_parser("search", help="search latency and index build on the corpus")
    _corpus_args(bench_search, threads=100_000, messages=1_000_000)
    bench_search.add_argument("--queries", type=int, default=200, help="measured searches")
    bench_search.set_defaults(func=cmd_bench_search)

    search = sub.add_parser("search", help="the search index")
    search_sub = search.add_subparsers(dest="sub", required=True)
    reindex = search_sub.add_parser("reindex", help="rebuild the search index, with a progress bar")
    reindex.add_argument("--data-dir")
    reindex.add_argument("--database-url")
    reindex.add_argument("--json", action="store_true")
    reindex.set_defaults(func=cmd_search_reindex)

    return parser


def cmd_search_reindex(args: argparse.Namespace) -> None:
    from frontdesk.bench.search import progress_bar
    from frontdesk.search import service as search_service

    async def action(db: Database) -> dict[str, Any]:
        done = await search_service.reindex(db, progress=progress_bar("reindex"))
        return {"messages": done.messages, "contacts": done.contacts, "seconds": done.seconds}

    result = _run_with_db(args, action)
    human = (
        f"Reindexed {result['messages']} messages and {result['contacts']} contacts "
        f"in {result['seconds']:.1f} s"
    )
    _print(args, result, human)


def cmd_bench_search(args: argparse.Namespace) -> None:
    from frontdesk.bench import search

    results = search.run_search(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        database_url=args.database_url,
        threads=args.threads,
        messages=args.messages,
        seed=args.seed,
        queries=args.queries,
    )
    _print(args, results, search.format_report(results))


def cmd_bench_deliver(args: argparse.Namespace) -> None:
    from frontdesk.bench import deliver

    results = deliver.run_deliver(
        database_url=args.database_url,
        connections=args.connections,
        rate=args.rate,
        seconds=args.duration,
        backlog=args.backlog,
        threads=args.threads,
        workers=args.workers,
    )
    _print(args, results, deliver.format_report(results))


def _corpus_args(parser: argparse.ArgumentParser, *, threads: int, messages: int) -> None:
    place = parser.add_mutually_exclusive_group()
    place.add_argument("--data-dir", help="keep (and reuse) the corpus here")
    place.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--threads", type=int, default=threads)
    parser.add_argument("--messages", type=int, default=messages)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")


def cmd_bench_corpus(args: argparse.Namespace) -> None:
    from frontdesk.bench import corpus

    settings = bootstrap.prepare(_settings(args))
    result = corpus.run_corpus(
        settings, threads=args.threads, messages=args.messages, seed=args.seed
    )
    _print(args, result, corpus.format_summary(result))


def cmd_bench_inbox(args: argparse.Namespace) -> None:
    from frontdesk.bench import inbox

    results = inbox.run_inbox(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        database_url=args.database_url,
        threads=args.threads,
        messages=args.messages,
        seed=args.seed,
        requests=args.requests,
        warmup=args.warmup,
        live_seconds=args.live_seconds,
        live_rate=args.rate,
    )
    _print(args, results, inbox.format_report(results))


def cmd_bench_ingest(args: argparse.Namespace) -> None:
    from frontdesk.bench import ingest

    results = ingest.run_ingest(
        database_url=args.database_url,
        connections=args.connections,
        seconds=args.duration,
        threads=args.threads,
        contacts=args.contacts,
    )
    _print(args, results, ingest.format_report(results))


def _user_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--name")
    parser.add_argument("--json", action="store_true")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (AppError, CliError) as exc:
        print(f"frontdesk: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a one-line reason, not a trace, for any other failure
        print(f"frontdesk: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
