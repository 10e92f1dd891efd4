"""Open-loop load for scripts/bench_web: ballots arrive at a fixed rate, whatever the server does.

wrk keeps N requests in flight and sends the next only when one comes back (a closed loop), so a
slow server is sent less and its queue never shows in the figures ("coordinated omission"). Voters
do not wait for each other: here request i is due at start + i / rate, and its time is counted
from when it was due, not from when it could be sent. So a server that falls behind shows it in
p95, as a voter would feel it. Each line of the voters' file ("cookie<TAB>body") is one voter,
used once: every ballot a different person, as on the day.

Run on its own against a running server:
    .venv/bin/python scripts/bench_open_loop.py http://127.0.0.1:5000 /vote/<table>/cast voters.tsv
"""

from __future__ import annotations

import http.client
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def open_loop(
    base: str, path: str, lines: list[str], rate: float = 100.0, seconds: float = 10.0, expect: str | None = None
) -> dict:
    """POST one line per request at `rate` a second for `seconds`; latencies in ms from when each was due.

    With `expect`, a redirect whose Location does not contain it (to sign in, or back to the form
    with an error) counts as a status error, not as a ballot cast.

    Returns the same keys as scripts/bench_web's wrk(): requests, seconds, p50, p95, p99,
    status_errors, socket_errors, rps; plus `late` (requests the client itself could not start
    within 10 ms of when they were due: if many, the machine running this is the bottleneck)."""
    target = urlsplit(base)
    total = int(rate * seconds)
    if len(lines) < total:
        raise SystemExit(f"open loop: {total} voters needed, {len(lines)} given")
    latencies: list[float] = []
    status_errors = socket_errors = late = 0
    lock = threading.Lock()

    def one(line: str, due: float) -> None:
        nonlocal status_errors, socket_errors, late
        cookie, body = line.rstrip("\n").split("\t", 1)
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Host": target.netloc},
            )
            response = conn.getresponse()
            response.read()
            conn.close()
            ok = response.status < 400 and (
                expect is None or response.status >= 300 and expect in (response.getheader("Location") or "")
            )
        except OSError:
            with lock:
                socket_errors += 1
            return
        finished = time.monotonic()
        with lock:
            latencies.append((finished - due) * 1000)
            late += started - due > 0.010
            if not ok:
                status_errors += 1

    # Enough threads that the client never waits for a free one below a few seconds of backlog.
    with ThreadPoolExecutor(max_workers=max(32, int(rate * 2))) as pool:
        start = time.monotonic() + 0.2
        for i in range(total):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, lines[i], due)
    elapsed = time.monotonic() - start
    return {
        "requests": float(len(latencies)),
        "seconds": elapsed,
        "bytes": 0.0,
        "p50": _percentile(latencies, 0.50),
        "p95": _percentile(latencies, 0.95),
        "p99": _percentile(latencies, 0.99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "status_errors": float(status_errors),
        "socket_errors": float(socket_errors),
        "late": float(late),
        "rps": len(latencies) / elapsed,
    }


def in_turn(
    ballot: tuple[str, str], floor: tuple[str, str], lines: list[str], expect: str = "/receipt"
) -> dict[str, dict]:
    """One ballot, then one floor post, one at a time, for each line: (base, path) of each server.

    On a machine whose load moves by the second, a ballot measured for 5 s and the floor for the
    next 5 s can meet different machines (on 6 December the floor's p50 was 258 ms in one 5 s and
    6 ms in the next). Taken in turn, request by request, both meet the same moments, so the ratio
    of their medians is fair. Each line is one voter; the floor post casts nothing. A ballot not
    answered with a redirect to the receipt (`expect`) is counted as an error."""
    times: dict[str, list[float]] = {"ballot": [], "floor": []}
    errors = dict.fromkeys(times, 0)
    connections = {}
    for name, (base, _path) in (("ballot", ballot), ("floor", floor)):
        target = urlsplit(base)
        connections[name] = (target, http.client.HTTPConnection(target.hostname, target.port, timeout=30))
    for line in lines:
        cookie, body = line.rstrip("\n").split("\t", 1)
        for name, path, wanted in (("ballot", ballot[1], expect), ("floor", floor[1], None)):
            target, conn = connections[name]
            started = time.perf_counter()
            try:
                headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Host": target.netloc}
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except OSError:
                errors[name] += 1
                conn.close()
                continue
            times[name].append((time.perf_counter() - started) * 1000)
            if response.status >= 400 or wanted and wanted not in (response.getheader("Location") or ""):
                errors[name] += 1
    for _target, conn in connections.values():
        conn.close()
    return {
        name: {
            "requests": float(len(values)),
            "seconds": sum(values) / 1000,
            "p50": _percentile(values, 0.50),
            "p95": _percentile(values, 0.95),
            "p99": _percentile(values, 0.99),
            "status_errors": float(errors[name]),
            "socket_errors": 0.0,
            "rps": len(values) / (sum(values) / 1000) if values else 0.0,
        }
        for name, values in times.items()
    }


if __name__ == "__main__":
    base_url, cast_path, voters = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    rate_arg = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
    seconds_arg = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    figures = open_loop(base_url, cast_path, voters.read_text().splitlines(), rate_arg, seconds_arg)
    print(" ".join(f"{k}={v:.1f}" for k, v in figures.items()))
