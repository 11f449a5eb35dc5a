"""`frontdesk demo` and `frontdesk serve --demo` as a user runs them: a real process that
seeds (or finds) the workspace, prints how to sign in, serves with the bridge publishing, and
ends cleanly on Ctrl+C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from frontdesk.cli import main
from frontdesk.demo import script

STARTUP_S = 90.0  # imports, migrations and the seed; generous for a loaded machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_until_published(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the CLI until its bridge has published a message, then Ctrl+C it; its output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "frontdesk", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env, cwd=cwd,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(STARTUP_S):
            while not any("-> Chatterbox" in line for line in lines):
                line = (await process.stdout.readline()).decode()
                assert line, "the demo ended early:\n" + "".join(lines)
                lines.append(line)
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "".join(lines) + rest.decode()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


@pytest.mark.asyncio
async def test_the_demo_seeds_serves_with_its_bridge_and_stops_on_ctrl_c(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(tmp_path / "data"),
        "FRONTDESK_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    port = str(free_port())
    first = await run_until_published(
        ["demo", "--port", port, "--publish-every", "0.2"], env, tmp_path
    )
    assert "Seeded a demo workspace" in first
    assert f"http://127.0.0.1:{port}" in first
    assert f"{script.ADMIN.email}  password: {script.PASSWORD}" in first
    assert f"{script.AGENTS[0].email}  password: {script.PASSWORD}" in first
    assert "publishes a message every 0.2 s" in first

    second = await run_until_published(
        ["serve", "--demo", "--port", port, "--publish-every", "0.2"], env, tmp_path
    )
    assert "The demo workspace exists already" in second
    assert "Seeded" not in second


def test_the_demo_refuses_a_workspace_it_did_not_make(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", database_url)
    assert main(["create-admin", "--email", "me@example.com", "--password", "pw"]) == 0
    capsys.readouterr()
    assert main(["demo", "--port", str(free_port())]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "not made by the demo" in err
