"""`frontdesk bench search` end to end at a tiny size, and `frontdesk search reindex`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.bench import search
from frontdesk.cli import main


def test_search_figures_on_a_tiny_corpus(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = search.run_search(
        data_dir=tmp_path / "bench",
        database_url=database_url,
        threads=200,
        messages=2_000,
        seed=3,
        queries=24,
        warmup=2,
        quiet=True,
    )
    assert results["queries"] == 24
    assert 0 < results["p50_ms"] <= results["p95_ms"] <= results["p99_ms"]
    assert results["indexedMessages"] >= 2_000
    assert results["withResults"] > 12  # the words come from the corpus: most searches find
    assert results["indexBytes"] > 0
    assert results["databaseBytes"] > results["indexBytes"]
    assert set(results["kinds"]) == {"word", "two words", "prefix", "phrase", "contact", "filters"}
    assert "searches: p50" in search.format_report(results)
    # The reindex command on the same database.
    argv = ["search", "reindex", "--json", "--database-url", database_url]
    argv += ["--data-dir", str(tmp_path / "bench")]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["messages"] >= 2_000
    assert out["contacts"] > 0
    assert out["seconds"] >= 0
