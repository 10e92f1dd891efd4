"""Load and scale benchmark for the web app (run through scripts/bench_web).

1. Builds a large data set in PostgreSQL: the demo, then in bulk SQL (INSERT ... SELECT over
   generate_series, never the ORM row by row) 5,000 groups, 200 tables, 12,000 proposals,
   200,000 ballots and 1,000,000 ledger entries, plus 6,000 panel members waiting to vote.
2. Counts each page's SQL queries at the demo's size and again at full size (they must match).
3. Serves the app and a minimal Flask "hello" app with the same gunicorn settings and measures
   each page with wrk: requests per second, p50/p95/p99, errors; and 50 voters casting ballots.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ourtables_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
CONNECTIONS = 50
VOTERS = 6000
APP_PORT, HELLO_PORT = 8301, 8302
SECRET_KEY = secrets.token_hex(32)
CACHE_REDIS_URL = os.environ.get("BENCH_CACHE_REDIS_URL", "redis://127.0.0.1:6379/3")
SMALL_TABLES, PROPOSALS_PER_TABLE, BIG_TABLE_PROPOSALS = 199, 10, 10_000
GROUPS, BALLOTS_PER_TABLE, LEDGER_ENTRIES = 5000, 1000, 1_000_000


def say(message: str) -> None:
    """Progress on stderr, figures on stdout."""
    print(message, file=sys.stderr, flush=True)


def recreate_database() -> None:
    url = make_url(DB)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def make_app():  # noqa: ANN201
    from config import Config
    from grants import create_app

    return create_app(
        Config,
        {
            "SQLALCHEMY_DATABASE_URI": DB,
            "SECRET_KEY": SECRET_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        },
    )


def columns(table, *skip: str) -> list[str]:  # noqa: ANN001
    return [c.name for c in table.columns if c.name not in ("id", *skip)]


def clone_sql(table, source: str, n_expr: str, overrides: dict[str, str], where: str = "") -> str:  # noqa: ANN001
    """INSERT INTO table SELECT every column of `source` rows (alias s), n from a series, with overrides."""
    cols = columns(table)
    values = [overrides.get(c, f"s.{c}") for c in cols]
    return (
        f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {', '.join(values)} "
        f"FROM {source} s CROSS JOIN generate_series(1, {n_expr}) AS n {where}"
    )


def build(app) -> dict:  # noqa: ANN001
    """The demo, then everything else in bulk. Returns names the measurements need."""
    from grants.demo import load_demo
    from grants.extensions import db
    from grants.models import (
        BudgetLine,
        EntryGroup,
        Group,
        PanelMember,
        Person,
        Proposal,
        Round,
        RoundStatus,
    )

    with app.app_context():
        db.create_all()
        load_demo()
        rounds = {r.status: r for r in db.session.execute(select(Round)).scalars()}
        paying, voting = rounds[RoundStatus.PAYING], rounds[RoundStatus.VOTING]
        seed_proposal = db.session.execute(
            select(Proposal.id).where(Proposal.round_id == paying.id).order_by(Proposal.id)
        ).scalar()
        names = {
            "voting_slug": voting.slug,
            "demo_round": paying.slug,
            "demo_group": db.session.execute(select(Group.slug).order_by(Group.id)).scalar(),
            "vote_for": db.session.execute(
                select(Proposal.id).where(Proposal.round_id == voting.id).order_by(Proposal.id)
            ).scalar(),
        }
        paying_id, voting_id = paying.id, voting.id
        db.session.commit()
        engine = db.engine
    steps = [
        (
            "groups",
            clone_sql(
                Group.__table__,
                "(SELECT * FROM groups ORDER BY id LIMIT 1)",
                str(GROUPS),
                {"slug": "'bench-group-' || n", "name": "'Bench group ' || n"},
            ),
        ),
        (
            "tables",
            clone_sql(
                Round.__table__,
                f"(SELECT * FROM rounds WHERE id = {paying_id})",
                str(SMALL_TABLES + 1),
                {
                    "slug": f"CASE WHEN n = {SMALL_TABLES + 1} THEN 'bench-big-table' ELSE 'bench-table-' || n END",
                    "title": "'Bench table ' || n",
                },
            ),
        ),
        (
            "proposals",
            clone_sql(
                Proposal.__table__,
                f"(SELECT p.*, r.id AS rid, r.slug AS rslug FROM proposals p, rounds r "
                f"WHERE p.id = {seed_proposal} AND r.slug LIKE 'bench-%')",
                f"CASE WHEN s.rslug = 'bench-big-table' THEN {BIG_TABLE_PROPOSALS} ELSE {PROPOSALS_PER_TABLE} END",
                {
                    "round_id": "s.rid",
                    "group_id": (
                        f"(SELECT min(id) FROM groups WHERE slug LIKE 'bench-group-%') + (s.rid * 7 + n) % {GROUPS}"
                    ),
                    "title": "'Bench proposal ' || n",
                },
            ),
        ),
        (
            "budget lines",
            f"INSERT INTO budget_lines ({', '.join(columns(BudgetLine.__table__))}) "
            f"SELECT p.id, 1, 'Room hire', 1000 + (p.id % 400) * 100 FROM proposals p "
            f"JOIN rounds r ON r.id = p.round_id WHERE r.slug LIKE 'bench-%'",
        ),
        (
            "ballots",
            # Ballot ids are random text (no order to link a ballot to a voter); md5 stands in here.
            "INSERT INTO ballots (id, round_id, marks, receipt) "
            "SELECT md5('b' || r.id || '-' || n), r.id, b.marks, md5('r' || r.id || '-' || n) "
            "FROM (SELECT * FROM ballots ORDER BY id LIMIT 1) b, rounds r "
            f"CROSS JOIN generate_series(1, {BALLOTS_PER_TABLE}) AS n WHERE r.slug LIKE 'bench-%'",
        ),
        (
            "voters",
            clone_sql(
                Person.__table__,
                "(SELECT * FROM people WHERE email = 'panel2@example.org')",
                str(VOTERS),
                {"email": "'voter-' || n || '@example.org'", "display_name": "'Voter ' || n"},
            ),
        ),
        (
            "voters' seats",
            clone_sql(
                PanelMember.__table__,
                f"(SELECT pm.*, p.id AS voter_id FROM people p, "
                f"(SELECT * FROM panel_members WHERE round_id = {voting_id} ORDER BY id LIMIT 1) pm "
                f"WHERE p.email LIKE 'voter-%')",
                "1",
                {"person_id": "s.voter_id", "is_paused": "false", "stepped_down_at": "NULL", "replaces_id": "NULL"},
            ),
        ),
    ]
    with engine.begin() as conn:
        for label, sql in steps:
            started = time.monotonic()
            conn.execute(text(sql))
            say(f"  {label}: {time.monotonic() - started:.1f}s")
        # The ledger: copies of the demo's balanced entry groups until there are a million entries.
        started = time.monotonic()
        seed_entries = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar()
        seed_groups = conn.execute(text("SELECT max(id) FROM ledger_entry_groups")).scalar()
        copies = -(-(LEDGER_ENTRIES - seed_entries) // seed_entries)
        cols = columns(EntryGroup.__table__)
        values = ["'bench:' || s.id || ':' || n" if c == "reference" else f"s.{c}" for c in cols]
        conn.execute(
            text(
                f"INSERT INTO ledger_entry_groups ({', '.join(cols)}) SELECT {', '.join(values)} "
                f"FROM (SELECT * FROM ledger_entry_groups WHERE id <= {seed_groups}) s "
                f"CROSS JOIN generate_series(1, {copies}) AS n"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) "
                "SELECT g.id, e.account_id, e.amount_pence FROM ledger_entry_groups g "
                "JOIN ledger_entries e ON e.entry_group_id = split_part(g.reference, ':', 2)::int "
                "WHERE g.reference LIKE 'bench:%'"
            )
        )
        # Bulk SQL bypasses `ledger.post`, so the running balances are recomputed from the entries.
        conn.execute(text("DELETE FROM ledger_balances"))
        conn.execute(
            text(
                "INSERT INTO ledger_balances (account_id, entry_kind, amount_pence) "
                "SELECT e.account_id, g.kind, SUM(e.amount_pence) FROM ledger_entries e "
                "JOIN ledger_entry_groups g ON g.id = e.entry_group_id GROUP BY e.account_id, g.kind"
            )
        )
        say(f"  ledger: {time.monotonic() - started:.1f}s")
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("groups", "rounds", "proposals", "ballots", "ledger_entries", "panel_members")
        }
    names["counts"] = counts
    return names


def query_counts(app, pages: dict[str, str]) -> dict[str, int]:  # noqa: ANN001
    """SQL statements each page runs, counted in process."""
    from grants.extensions import db

    counts = {}
    with app.app_context():
        statements = []

        def count(*_args) -> None:  # noqa: ANN002
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        client = app.test_client()
        for name, url in pages.items():
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            counts[name] = len(statements)
        event.remove(db.engine, "before_cursor_execute", count)
    return counts


def voter_bodies(app, voting_slug: str, proposal_id: int, path: Path) -> None:
    """One line per voter: a signed session cookie and a ballot form with its CSRF token."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from grants.extensions import db
    from grants.models import Person

    with app.app_context():
        ids = db.session.execute(select(Person.id).where(Person.email.like("voter-%")).order_by(Person.id)).scalars()
        ids = list(ids)
    serializer = app.session_interface.get_signing_serializer(app)
    with path.open("w") as out:
        for person_id in ids:
            with app.test_request_context():
                session["_user_id"] = str(person_id)
                session["_fresh"] = True
                token = generate_csrf()
                cookie = serializer.dumps(dict(session))
            out.write(f"session={cookie}\tcsrf_token={quote(token)}&proposal={proposal_id}\n")


def serve(target: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    process = subprocess.Popen(command, cwd=cwd, env=env)  # noqa: S603
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
            return process
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def wrk(url: str, bodies: Path | None = None, seconds: int = SECONDS, connections: int = CONNECTIONS) -> dict:
    threads = min(2, connections)
    env = dict(os.environ, BENCH_THREADS=str(threads))
    if bodies:
        env["BENCH_BODIES"] = str(bodies)
    out = subprocess.run(  # noqa: S603
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "scripts/bench_wrk.lua"),
            url,
        ],  # noqa: S607
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    figures = dict(pair.split("=") for pair in line.split()[1:])
    result = {k: float(v) for k, v in figures.items()}
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    started = time.monotonic()
    say(f"Building the data set in {make_url(DB).render_as_string(hide_password=True)} ...")
    recreate_database()
    app = make_app()
    from grants.extensions import db
    from grants.models import Ballot, Round

    names = build(app)
    build_seconds = time.monotonic() - started
    say(f"Built in {build_seconds:.0f}s: {names['counts']}")

    export = next((r.rule for r in app.url_map.iter_rules() if "360" in r.rule or "threesixty" in r.endpoint), None)
    pages = {
        "home": "/",
        "round": "/tables/bench-table-1",
        "group": f"/groups/{names['demo_group']}",
        "ledger": "/ledger",
    }
    if export and "<" not in export:
        pages["360Giving export"] = export
    # Same page at 10 and at 10,000 proposals: a table with 10 bids and the big one.
    counts = query_counts(
        app,
        {
            "round, 10 proposals": "/tables/bench-table-1",
            "round, 10,000 proposals": "/tables/bench-big-table",
            "group, few proposals": f"/groups/{names['demo_group']}",
            "group, bench group": "/groups/bench-group-1",
            "home": "/",
            "ledger": "/ledger",
        },
    )

    work = Path(tempfile.mkdtemp(prefix="ot-bench-"))
    bodies = work / "voters.tsv"
    voter_bodies(app, names["voting_slug"], names["vote_for"], bodies)

    # As in production: public pages kept in a Redis shared by every worker (grants/caching.py).
    env = dict(
        os.environ,
        DATABASE_URL=DB,
        SECRET_KEY=SECRET_KEY,
        OUR_TABLES_ENV="development",
        RATELIMIT_ENABLED="0",
        CACHE_REDIS_URL=CACHE_REDIS_URL,
        PUBLIC_CACHE_SECONDS="30",
    )
    import redis

    redis.Redis.from_url(CACHE_REDIS_URL).flushdb()
    results = {}

    def measure(name: str, target: str, port: int, cwd: Path, url: str, **kwargs) -> None:  # noqa: ANN003
        # A fresh server for each page, so requests queued by the previous page cannot slow this one.
        process = serve(target, port, kwargs.pop("env", env), cwd)
        try:
            wrk(f"http://127.0.0.1:{port}{url}", seconds=2)  # warm up every worker
            time.sleep(1)
            results[name] = wrk(f"http://127.0.0.1:{port}{url}", **kwargs)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

    measure("hello", "bench_hello:app", HELLO_PORT, ROOT / "scripts", "/")
    for name, url in pages.items():
        measure(name, "wsgi:app", APP_PORT, ROOT, url)
    # The same pages with the cache off: what each visit costs when it must be made afresh.
    for name, url in pages.items():
        measure(f"{name} (uncached)", "wsgi:app", APP_PORT, ROOT, url, env=dict(env, PUBLIC_CACHE_SECONDS="0"))
    with app.app_context():
        voting_id = db.session.execute(select(Round.id).where(Round.slug == names["voting_slug"])).scalar()
        before = db.session.execute(select(func.count(Ballot.id)).where(Ballot.round_id == voting_id)).scalar()
    with app.test_request_context():
        from flask import url_for

        cast_path = url_for("ballots.cast", slug=names["voting_slug"])
    process = serve("wsgi:app", APP_PORT, env, ROOT)
    try:
        wrk(f"http://127.0.0.1:{APP_PORT}/tables/{names['voting_slug']}", seconds=2)  # warm up
        results["cast a ballot"] = wrk(f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=bodies, seconds=5)
        # One voter at a time (other voters, from the end of the list): what one ballot costs
        # with no queue, for comparison with 50 at once.
        alone = work / "voters-from-the-end.tsv"
        alone.write_text("".join(reversed(bodies.read_text().splitlines(keepends=True))))
        results["cast a ballot, one at a time"] = wrk(
            f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=alone, seconds=5, connections=1
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    with app.app_context():
        after = db.session.execute(select(func.count(Ballot.id)).where(Ballot.round_id == voting_id)).scalar()
    cast = int(results["cast a ballot"]["requests"]) + int(results["cast a ballot, one at a time"]["requests"])

    hello = results["hello"]["rps"]
    print()
    print(
        f"Data: {names['counts']}; built in {build_seconds:.0f}s. gunicorn: {WORKERS} sync workers; "
        f"wrk: 2 threads, {CONNECTIONS} connections, {SECONDS}s per page; {os.cpu_count()} cores."
    )
    print(f"{'page':<31} {'req/s':>8} {'% hello':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        errors = int(r["status_errors"] + r["socket_errors"])
        print(
            f"{name:<31} {r['rps']:>8.0f} {100 * r['rps'] / hello:>7.1f}% {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['p99']:>8.1f} {errors:>7}"
        )
    if not export:
        print("360Giving export: no such route on this branch yet (it comes from feature/public); skipped.")
    stored = after - before
    # wrk counts the requests answered within its time; those still in flight when it stops are
    # cast too, so up to one per connection more may be stored, never fewer.
    print(f"Ballots: {cast} requests answered, {stored} ballots stored (each voter once).")
    print("Queries per page (must not grow with the data):")
    for name, n in counts.items():
        print(f"  {name:<26} {n}")
    failures = []
    for name in pages:
        if results[name]["rps"] < 0.2 * hello:
            failures.append(f"{name} is below 20% of hello")
    if results["cast a ballot"]["p95"] >= 150:
        failures.append("ballot p95 is not under 150 ms")
    if any(r["status_errors"] + r["socket_errors"] for r in results.values()):
        failures.append("there were errors")
    if not cast <= stored <= cast + CONNECTIONS + 1:
        failures.append("ballots were lost or stored twice")
    if counts["round, 10 proposals"] != counts["round, 10,000 proposals"]:
        failures.append("the round page's query count grows with proposals")
    print("Goals met." if not failures else "Goals NOT met: " + "; ".join(failures))


if __name__ == "__main__":
    main()
