"""The CLI against a real database: outputs of --json, failures on one line, exit codes."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from frontdesk.cli import _server, main
from frontdesk.config import Settings


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", database_url)
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_commands_print_one_json_object(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "teams", "create", "--name", "Support", "--json")
    assert code == 0
    assert json.loads(out) == {"id": "1", "name": "Support"}
    code, out, _ = run(
        capsys, "create-admin", "--email", "boss@example.com", "--password", "pw", "--json"
    )
    assert json.loads(out) == {"id": "1", "email": "boss@example.com", "actorId": "A-1"}
    code, out, _ = run(
        capsys,
        "users", "create", "--email", "ada@example.com", "--password", "pw",
        "--team", "Support", "--role", "agent", "--json",
    )  # fmt: skip
    assert json.loads(out)["actorId"] == "A-2"
    code, out, _ = run(
        capsys, "inboxes", "create", "--name", "Desk", "--help-desk", "--team", "Support", "--json"
    )
    assert json.loads(out) == {"id": "1", "name": "Desk"}
    code, out, _ = run(capsys, "apps", "create", "--name", "Bridge", "--json")
    app = json.loads(out)
    assert set(app) == {"appId", "developerApiKey", "clientSecret", "accessToken"}
    code, out, _ = run(
        capsys, "tokens", "create", "--user", "ada@example.com", "--scopes", "files", "--json"
    )
    assert set(json.loads(out)) == {"accessToken"}
    assert (cli_env / "secret_key").stat().st_mode & 0o777 == 0o600


def test_failures_exit_nonzero_with_one_line(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "tokens", "create", "--user", "nobody@example.com", "--json")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "nobody@example.com" in err
    code, _, err = run(capsys, "apps", "create", "--name", "B", "--scopes", "bogus")
    assert code == 1
    assert "Unknown scopes: bogus" in err
    code, _, err = run(capsys, "users", "create", "--email", "x", "--password", "pw")
    assert code == 1
    assert "Not an email address" in err


def test_the_server_keeps_startup_objects_out_of_full_collections(settings: Settings) -> None:
    gc.unfreeze()
    try:
        _server(settings)
        # The app, its routes and every imported module: collected again, they would be walked
        # at every full collection of the server's life.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
