"""Profile casting ONE ballot, end to end, and print where its time goes (issue 15's ballot cost).

Each profiled request is a POST of a ballot, with its CSRF token, by a voter who has not voted
yet (a fresh voter per request), through the whole app in this process (no gunicorn, no wrk):
the same request scripts/bench_web sends. Each one must be answered with a redirect to the
receipt, and the receipt page must then show a receipt code: a run where the voters had
already voted (a redirect back to the panel page) measured nothing, once, unnoticed.

Beside it, the same way, the floor: scripts/bench_floor.py's signed-in post that does nothing.

    .venv/bin/python scripts/profile_ballot.py postgres   # the bench's data (scripts/bench_web's build)
    .venv/bin/python scripts/profile_ballot.py sqlite     # the demo plus the bench's 6,000 voters
    options: --reuse (PostgreSQL: keep a database built before), --ballots N (default 30), --top N

PostgreSQL: PROFILE_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/ourtables_profile)
is dropped and built as scripts/bench_web builds its data (1,000,000 ledger entries, 200,000 ballots,
6,000 voters with a seat on the demo's voting table) unless --reuse. SQLite: a file in a
temporary folder with the demo, 6,000 voters and their seats (the bench's bulk SQL is
PostgreSQL's own); the cast reads only the voting table's rows, by index.

Prints: wall time per request (median and mean, profiler off) for the ballot, the receipt page
and the floor, the ballot's ratio to the floor, SQL statements per ballot and their time, and
the top functions by cumulative and by own time with the profiler on.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

RECEIPT = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")
VOTERS = 6000


def make_app(url: str, key_folder: str):  # noqa: ANN201
    from bench_floor import add_floor

    from config import Config
    from grants import create_app

    return add_floor(
        create_app(
            Config,
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": secrets.token_hex(32),
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "RATELIMIT_ENABLED": False,
                "COUNT_KEY_FOLDER": key_folder,
                "CACHE_TYPE": "SimpleCache",
            },
        )
    )


def build_postgres(url: str, reuse: bool) -> None:
    os.environ["BENCH_DATABASE_URL"] = url
    import bench_web

    bench_web.DB = url
    if reuse:
        return
    bench_web.recreate_database()
    app = bench_web.make_app()
    started = time.monotonic()
    names = bench_web.build(app)
    print(f"Built the bench's data in {time.monotonic() - started:.0f}s: {names['counts']}", file=sys.stderr)


def build_sqlite(app) -> None:  # noqa: ANN001
    """The demo, then the bench's 6,000 voters, each with a seat on the demo's voting table."""
    from grants.demo import load_demo
    from grants.extensions import db
    from grants.models import PanelMember, Person, Round, RoundStatus

    with app.app_context():
        db.create_all()
        load_demo()
        voting_id = db.session.execute(select(Round.id).where(Round.status == RoundStatus.VOTING)).scalar()
        person_cols = [c.name for c in Person.__table__.columns if c.name != "id"]
        seat_cols = [c.name for c in PanelMember.__table__.columns if c.name != "id"]
        series = f"WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {VOTERS}) "
        people = {c: f"s.{c}" for c in person_cols}
        people.update(email="'voter-' || n || '@example.org'", display_name="'Voter ' || n")
        db.session.execute(
            text(
                f"{series}INSERT INTO people ({', '.join(person_cols)}) SELECT {', '.join(people.values())} "
                "FROM (SELECT * FROM people WHERE email = 'panel2@example.org') s CROSS JOIN n"
            )
        )
        seats = {c: f"s.{c}" for c in seat_cols}
        seats.update(person_id="p.id", is_paused="0", stepped_down_at="NULL", replaces_id="NULL")
        db.session.execute(
            text(
                f"INSERT INTO panel_members ({', '.join(seat_cols)}) SELECT {', '.join(seats.values())} "
                f"FROM (SELECT * FROM panel_members WHERE round_id = {voting_id} ORDER BY id LIMIT 1) s, "
                "people p WHERE p.email LIKE 'voter-%'"
            )
        )
        db.session.commit()


def voters(app, count: int) -> tuple[str, int, list[str]]:  # noqa: ANN001
    """The voting table's slug, the proposal to vote for, and `count` voters who have not voted."""
    from grants.extensions import db
    from grants.models import PanelMember, Participation, Person, Proposal, Round, RoundStatus

    with app.app_context():
        rnd = db.session.execute(select(Round).where(Round.status == RoundStatus.VOTING)).scalar_one()
        proposal = db.session.execute(
            select(Proposal.id).where(Proposal.round_id == rnd.id).order_by(Proposal.id)
        ).scalar()
        voted = select(Participation.person_id).where(Participation.round_id == rnd.id)
        people = db.session.execute(
            select(Person)
            .join(PanelMember, (PanelMember.person_id == Person.id) & (PanelMember.round_id == rnd.id))
            .where(Person.email.like("voter-%"), Person.id.not_in(voted))
            .order_by(Person.id)
            .limit(count)
        ).scalars()
        ids = [person.get_id() for person in people]
        if len(ids) < count:
            raise SystemExit(f"Only {len(ids)} voters have not voted; build the data afresh (without --reuse).")
        return rnd.slug, proposal, ids


def signed_in(app, person_id: str) -> tuple[str, str]:  # noqa: ANN001
    """A session cookie signing `person_id` in, as signing in makes it, and its CSRF token."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from grants.security import SEEN_KEY

    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context():
        session["_user_id"] = person_id
        session["_fresh"] = True
        session[SEEN_KEY] = int(time.time())
        token = generate_csrf()
        return serializer.dumps(dict(session)), token


class Statements:
    """Counts the SQL statements run and the time spent in the driver."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.count, self.seconds, self._started = 0, 0.0, 0.0
        self.shown: list[str] | None = None  # set to a list to keep each statement's text and time
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:  # noqa: ANN002
        self._started = time.perf_counter()

    def _after(self, _conn, _cursor, statement: str, *_args) -> None:  # noqa: ANN001, ANN002
        took = time.perf_counter() - self._started
        self.count += 1
        self.seconds += took
        if self.shown is not None:
            self.shown.append(f"{1000 * took:7.2f} ms  {' '.join(statement.split())[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", choices=("postgres", "sqlite"))
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: use the database built before")
    parser.add_argument("--ballots", type=int, default=30, help="ballots timed and profiled (each a new voter)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print each SQL statement of one ballot")
    parser.add_argument("--dump", help="also save the profile to this file (for pstats or snakeviz)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ot-profile-"))
    if args.database == "postgres":
        url = os.environ.get(
            "PROFILE_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ourtables_profile"
        )
        build_postgres(url, args.reuse)
        app = make_app(url, str(work / "keys"))
        if args.reuse:  # the count key's private half was in the folder of the run that built it
            app.config["COUNT_KEY_FOLDER"] = os.environ.get("PROFILE_KEY_FOLDER", str(work / "keys"))
    else:
        url = f"sqlite:///{work / 'profile.sqlite3'}"
        app = make_app(url, str(work / "keys"))
        build_sqlite(app)

    from flask import url_for

    from grants.extensions import db

    # Warm-up (imports, templates compiled, connections opened) + timed without the profiler + profiled.
    warm, n = 3, args.ballots
    slug, proposal, people = voters(app, warm + 2 * n)
    with app.test_request_context():
        cast_path = url_for("ballots.cast", slug=slug)
    client = app.test_client(use_cookies=False)
    with app.app_context():
        statements = Statements(db.engine)

    def ballot(person_id: str) -> tuple[float, float, str]:
        cookie, token = signed_in(app, person_id)
        started = time.perf_counter()
        response = client.post(
            cast_path, data={"csrf_token": token, "proposal": str(proposal)}, headers={"Cookie": f"session={cookie}"}
        )
        cast_seconds = time.perf_counter() - started
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/receipt" not in location:
            raise SystemExit(f"The ballot was not cast: {response.status_code} to {location!r}")
        # The receipt page, with the session the cast set (the receipt is in it, once).
        new_cookie = response.headers["Set-Cookie"].split(";")[0]
        started = time.perf_counter()
        page = client.get(urlsplit(location).path, headers={"Cookie": new_cookie})
        receipt_seconds = time.perf_counter() - started
        found = RECEIPT.search(page.get_data(as_text=True))
        if page.status_code != 200 or not found:
            raise SystemExit("The receipt page showed no receipt code: the ballot measured nothing.")
        return cast_seconds, receipt_seconds, found.group(0)

    def floor(person_id: str) -> float:
        cookie, token = signed_in(app, person_id)
        started = time.perf_counter()
        response = client.post(
            "/bench/signed-in-post", data={"csrf_token": token}, headers={"Cookie": f"session={cookie}"}
        )
        seconds = time.perf_counter() - started
        if response.status_code != 302 or urlsplit(response.headers["Location"]).path != "/":
            raise SystemExit(f"The floor's post was not signed in: {response.status_code}")
        return seconds

    for person_id in people[:warm]:
        ballot(person_id)
        floor(person_id)
    timed, profiled = people[warm : warm + n], people[warm + n :]

    casts, pages, floors, receipts = [], [], [], set()
    ballot_statements, ballot_sql = 0, 0.0
    # Each ballot, then the floor by the same person (the floor reads no vote): taken in turn, so a
    # machine whose load changes during the run slows both alike and the ratio stays fair.
    for person_id in timed:
        before = statements.count, statements.seconds
        cast_s, page_s, code = ballot(person_id)
        ballot_statements += statements.count - before[0]
        ballot_sql += statements.seconds - before[1]
        casts.append(cast_s)
        pages.append(page_s)
        receipts.add(code)
        floors.append(floor(person_id))
    if args.sql:  # one more voter's ballot, statement by statement (cast, then the receipt page)
        statements.shown = []
        ballot(profiled.pop())
        print("The SQL of one ballot (the cast, then the receipt page):")
        print("\n".join(statements.shown))
        statements.shown = None
    if len(receipts) != n:
        raise SystemExit("Receipt codes repeated: the ballots measured were not all new.")

    profile = cProfile.Profile()
    for person_id in profiled:
        cookie, token = signed_in(app, person_id)
        profile.enable()
        response = client.post(
            cast_path, data={"csrf_token": token, "proposal": str(proposal)}, headers={"Cookie": f"session={cookie}"}
        )
        profile.disable()
        if "/receipt" not in response.headers.get("Location", ""):
            raise SystemExit("A profiled ballot was not cast.")

    if args.dump:
        profile.dump_stats(args.dump)

    def ms(values: list[float]) -> str:
        return f"median {1000 * statistics.median(values):6.2f} ms, mean {1000 * statistics.mean(values):6.2f} ms"

    load = os.getloadavg()
    print(f"{args.database}: {n} ballots, each by a voter who had not voted, each given a receipt code.")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(f"  cast (POST, profiler off)   {ms(casts)}")
    print(f"  receipt page (GET)          {ms(pages)}")
    print(f"  floor (signed-in no-op)     {ms(floors)}")
    print(f"  ballot / floor (medians)    {statistics.median(casts) / statistics.median(floors):.2f} x")
    print(
        f"  SQL per ballot (cast + receipt page): {ballot_statements / n:.1f} statements, "
        f"{1000 * ballot_sql / n:.2f} ms in the driver"
    )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\nTop {args.top} by {order} time over {n} profiled ballots (POST only):")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])


if __name__ == "__main__":
    main()
