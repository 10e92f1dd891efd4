"""The 10,000-proposal table page at `scripts/bench_web` size: its uncached render time (issue 17:
under 300 ms), and with --profile where the time goes.

    .venv/bin/python scripts/bench_page.py            # build the bench data (as bench_web does), then time
    .venv/bin/python scripts/bench_page.py --reuse    # time again on the data already built
    .venv/bin/python scripts/bench_page.py --reuse --profile   # and print cProfile's top costs

BENCH_DATABASE_URL names the PostgreSQL database (default .../ourtables_bench_page, so it never
clashes with a bench_web run). Prints the page's size, the median of 7 renders with the cache off,
and the machine's load average (renders on a loaded machine are slower: compare like with like).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ourtables_bench_page")

import bench_web  # noqa: E402 - after the database is named

PAGES = {
    "round, 10,000 proposals": "/tables/bench-big-table",
    "round, 10,000 proposals, page 2": "/tables/bench-big-table?page=2",
}


def main() -> None:
    """Build (unless --reuse), then weigh each page; --profile prints the costs of one render."""
    if "--reuse" not in sys.argv:
        started = time.monotonic()
        bench_web.recreate_database()
        names = bench_web.build(bench_web.make_app())
        bench_web.say(f"Built in {time.monotonic() - started:.0f}s: {names['counts']}")
    weights = bench_web.page_weights(PAGES, renders=int(os.environ.get("RENDERS", "7")))
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    renders = int(os.environ.get("RENDERS", "7"))
    for name, (size, ms) in weights.items():
        cpu, sql, statements = work(PAGES[name], renders)
        print(f"{name:<34} {size / 1000:5.0f} KB {ms:6.0f} ms uncached (median of {renders}); "
              f"of which app CPU {cpu:.0f} ms, waiting on {statements} SQL statements {sql:.0f} ms")  # fmt: skip
    if "--profile" in sys.argv:
        profile(PAGES["round, 10,000 proposals"])


def _app():  # noqa: ANN202
    from config import Config
    from grants import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": bench_web.DB, "SECRET_KEY": bench_web.SECRET_KEY, "RATELIMIT_ENABLED": False,
                "CACHE_TYPE": "NullCache", "PUBLIC_CACHE_SECONDS": 0}  # fmt: skip
    return create_app(Config, settings)


def work(url: str, renders: int) -> tuple[float, float, int]:
    """Less hostage to a loaded machine than the wall clock: per render (median), this process's CPU
    ms (Python and templates) and the ms spent waiting for the database, and the statements run."""
    from sqlalchemy import event

    from grants.extensions import db

    with _app().app_context() as ctx:
        client = ctx.app.test_client()
        client.get(url)
        waited, statements = [0.0], [0]

        def before(*_args) -> None:  # noqa: ANN002
            waited.append(-time.perf_counter())

        def after(*_args) -> None:  # noqa: ANN002
            waited[-1] += time.perf_counter()
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        cpu, sql = [], []
        for _ in range(renders):
            waited[:], statements[0] = [], 0
            started = time.process_time()
            client.get(url)
            cpu.append(1000 * (time.process_time() - started))
            sql.append(1000 * sum(waited))
        db.engine.dispose()
    return sorted(cpu)[renders // 2], sorted(sql)[renders // 2], statements[0]


def profile(url: str) -> None:
    """cProfile one uncached render (after a warm one), the top 30 by cumulative time."""
    with _app().app_context() as ctx:
        client = ctx.app.test_client()
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
