"""What every benchmark needs: a server to drive, a load generator, process measurements."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Server:
    base_url: str
    pid: int
    env: dict[str, str]


def frontdesk_cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run a `frontdesk ... --json` command against the bench's data and return its object."""
    out = subprocess.run(
        [sys.executable, "-m", "frontdesk", *args, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


@contextlib.contextmanager
def running_server(
    database_url: str | None,
    *,
    extra_env: dict[str, str] | None = None,
    serve_args: list[str] | None = None,
    data_dir: Path | None = None,
) -> Iterator[Server]:
    """`frontdesk serve` in a subprocess on a free port with its own data directory, or on
    `data_dir` (kept afterwards) when given."""
    keep_data = data_dir is not None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data_dir),
        "FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "true",
        **(extra_env or {}),
    }
    if database_url:
        env["FRONTDESK_DATABASE_URL"] = database_url
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--port", str(port), *(serve_args or [])],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process)
        yield Server(base_url, process.pid, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if not keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not become ready in time")


def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    generator_cpu_s: float
    generator: str
    error_detail: str = ""

    @property
    def rate(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_percentile_ms(out: str, percent: int) -> float:
    """A latency percentile from wrk's `--latency` distribution, in ms. Anchored at the start
    of a line: the stdev share of the summary above it ("90.50%") also ends in "50%"."""
    match = re.search(rf"^\s*{percent}%\s+(\S+)", out, re.MULTILINE)
    return _ms(match.group(1)) if match else float("nan")


def run_wrk(
    url: str, *, connections: int, seconds: float, script: str | None = None, threads: int = 2
) -> LoadResult:
    """Drive `url` with wrk; `script` is Lua source for request bodies."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script or "")
        script_path = handle.name
    args = [
        "wrk",
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
    ]
    if script:
        args += ["-s", script_path]
    before = os.times()
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    after = os.times()
    os.unlink(script_path)
    generator_cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    duration_match = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    assert duration_match is not None
    duration = (
        float(duration_match.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[duration_match.group(2)]
    )
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    detail = ", ".join(
        part
        for part in (
            f"{errors_match.group(1)} non-2xx" if errors_match else "",
            f"socket errors {socket_errors.group(0).split(': ', 1)[1]}" if socket_errors else "",
        )
        if part
    )
    return LoadResult(
        requests=requests,
        errors=errors,
        error_detail=detail,
        seconds=duration,
        p50_ms=wrk_percentile_ms(out, 50),
        p99_ms=wrk_percentile_ms(out, 99),
        generator_cpu_s=generator_cpu,
        generator="wrk",
    )


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` 0.95 for p95) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]
