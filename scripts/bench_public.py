"""Benchmark the public pages: queries and time per page for rounds of growing size.

Usage: .venv/bin/python scripts/bench_public.py [SIZES...]   (default 10 1000 5000)
Builds each round in a throw-away SQLite database (or DATABASE_URL), then prints, per page,
the number of SQL statements and the median time of 5 requests.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from config import TestConfig  # noqa: E402
from grants import create_app  # noqa: E402
from grants.extensions import db  # noqa: E402


def main(sizes: list[int]) -> None:
    """Print a table of queries and milliseconds per public page for each round size."""
    from tests import factories
    from tests.public.test_query_counts import _pages, _round_with  # the same builder the tests use

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            db.create_all()
            convenor = factories.person("Cara Convenor")
            client = app.test_client()
            print(f"{'proposals':>9}  {'page':<14} {'queries':>7} {'median ms':>9}")
            for n in sizes:
                rnd, group = _round_with(n, convenor)
                for name, url in _pages(rnd, group).items():
                    seen: list[str] = []

                    def count(*_args, seen=seen) -> None:  # noqa: ANN002
                        seen.append("q")

                    client.get(url)
                    event.listen(db.engine, "before_cursor_execute", count)
                    client.get(url)
                    event.remove(db.engine, "before_cursor_execute", count)
                    times = []
                    for _ in range(5):
                        start = time.perf_counter()
                        assert client.get(url).status_code == 200, url
                        times.append((time.perf_counter() - start) * 1000)
                    print(f"{n:>9}  {name:<14} {len(seen):>7} {statistics.median(times):>9.1f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 1000, 5000])
