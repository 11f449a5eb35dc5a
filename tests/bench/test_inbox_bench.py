"""`frontdesk bench inbox` end to end at a tiny size: a real server process, the web sign-in,
the two pages, and the browser watching a paced publisher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from frontdesk.bench import inbox, live
from frontdesk.cli import main

THREADS = 200
MESSAGES = 2_000


def test_render_figures_and_a_reused_corpus(database_url: str, tmp_path: Path) -> None:
    def run() -> dict[str, Any]:
        return inbox.run_inbox(
            data_dir=tmp_path / "bench",
            database_url=database_url,
            threads=THREADS,
            messages=MESSAGES,
            seed=3,
            requests=3,
            warmup=1,
            live_seconds=0,
            live_rate=0,
        )

    first = run()
    assert first["corpusReused"] is False
    page = first["inbox"]
    assert page["path"] == "/inbox"
    assert page["rows"] > 0
    assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["p99_ms"]
    assert first["conversation"]["messages"] > 0
    assert "live" not in first
    assert "GET /inbox:" in inbox.format_report(first)
    second = run()
    assert second["corpusReused"] is True
    built = {k: v for k, v in first["corpus"].items() if k != "buildSeconds"}
    assert second["corpus"] == built


def test_the_corpus_command_prints_one_json_object(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "corpus", "--database-url", database_url, "--threads", "200"]
    argv += ["--messages", "2000", "--seed", "5", "--json"]
    assert main(argv) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["threads"] == THREADS
    assert built["reused"] is False
    assert built["buildSeconds"] >= 0
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["reused"] is True


def test_publish_to_visible_in_the_browser(database_url: str, tmp_path: Path) -> None:
    if not Path(live.CHROMIUM).exists():
        pytest.skip(f"{live.CHROMIUM} is not installed (apt-get install chromium)")
    results = inbox.run_inbox(
        data_dir=tmp_path / "bench",
        database_url=database_url,
        threads=THREADS,
        messages=MESSAGES,
        seed=3,
        requests=1,
        warmup=0,
        live_seconds=1,
        live_rate=20,
    )
    figures = results["live"]
    assert figures["published"] == 20
    assert figures["publish_errors"] == 0
    # Every message showed in the open list (or its thread's row showed a newer one).
    assert (figures["seen"], figures["missed"]) == (20, 0), figures
    assert figures["seen_in_list"] + figures["seen_through_newer"] == 20
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert "publish-to-visible" in inbox.format_report(results)
