"""Reading wrk's report (the load generator is a process: its output is the boundary)."""

from __future__ import annotations

import math

from frontdesk.bench.harness import wrk_percentile_ms

# wrk 4.1's report, with a stdev share that ends in "50%" and another in "99%".
REPORT = """Running 10s test @ http://127.0.0.1:8000/healthz
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    20.52ms   30.12ms 500.00ms   90.50%
    Req/Sec     1.00k   200.00     1.50k    75.99%
  Latency Distribution
     50%   14.75ms
     75%   18.20ms
     90%   25.00ms
     99%    1.10s
  20000 requests in 10.00s, 3.00MB read
Requests/sec:   2000.00
"""


def test_percentiles_come_from_the_distribution_not_the_stdev_column() -> None:
    assert wrk_percentile_ms(REPORT, 50) == 14.75
    assert wrk_percentile_ms(REPORT, 99) == 1100.0


def test_a_missing_percentile_is_nan() -> None:
    assert math.isnan(wrk_percentile_ms("Running 1s test\n  0 requests in 1.00s\n", 50))
