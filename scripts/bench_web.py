"""Load and scale benchmark for the web app (run through scripts/bench_web).

1. Builds a large data set in PostgreSQL: the demo, then in bulk SQL (INSERT ... SELECT over
   generate_series, never the ORM row by row) 5,000 groups, 200 tables, 12,000 proposals,
   200,000 ballots and 6,000 panel members waiting to vote; and the money as the money code
   writes it: a third of the bench proposals funded (an award each, with its accounts), each
   table's three funders paying their pledges in instalments by bank transfer and by Stripe
   (with Stripe's fee), one to three payments to each group, panel members paid for their time:
   1,000,000 ledger entries in all, every entry group balanced. Then makes the 360Giving files
   as the worker does after a change.
2. Counts each page's SQL queries at the demo's size and again at full size (they must match).
3. Serves the app and a minimal Flask "hello" app with the same gunicorn settings and measures
   each page with wrk: requests per second, p50/p95/p99, errors; and 50 voters casting ballots,
   beside the floor for a ballot: a signed-in form post that does nothing (bench_floor.py).
4. Casting at a city's peak (issue 15's restated goal): ballots arriving at OPEN_LOOP_RATE a
   second whatever the server does (scripts/bench_open_loop.py, an open loop: each time counted
   from when the ballot was due), p95 under 150 ms with no errors and every ballot stored once;
   and one ballot's cost, one voter at a time, within 2.5 times the floor's, one at a time.

BENCH_ONLY=ballots builds the same data but measures only step 4 and the floor (the hello page
too, for scale): a few minutes, for repeating the ballot's figures on a busy machine.
BENCH_APP_PORT and BENCH_HELLO_PORT (default 8301, 8302) choose the ports served on.
"""

from __future__ import annotations

import os
import re
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_open_loop import in_turn, open_loop  # noqa: E402 - beside this script
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/ourtables_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
CONNECTIONS = 50
OPEN_LOOP_RATE = float(os.environ.get("BENCH_OPEN_LOOP_RATE", "100"))  # ballots a second
OPEN_LOOP_SECONDS = float(os.environ.get("BENCH_OPEN_LOOP_SECONDS", "20"))
IN_TURN = int(os.environ.get("BENCH_IN_TURN", "300"))  # ballots taken in turn with the floor
VOTERS = 6000
APP_PORT = int(os.environ.get("BENCH_APP_PORT", "8301"))
HELLO_PORT = int(os.environ.get("BENCH_HELLO_PORT", "8302"))
ONLY_BALLOTS = os.environ.get("BENCH_ONLY", "") == "ballots"
SECRET_KEY = secrets.token_hex(32)
CACHE_REDIS_URL = os.environ.get("BENCH_CACHE_REDIS_URL", "redis://127.0.0.1:6379/3")
SMALL_TABLES, PROPOSALS_PER_TABLE, BIG_TABLE_PROPOSALS = 199, 10, 10_000
GROUPS, BALLOTS_PER_TABLE, LEDGER_ENTRIES = 5000, 1000, 1_000_000
BENCH_FUNDERS, FUNDERS_PER_TABLE, SEATS_PER_TABLE = 60, 3, 5


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


def pounds_sql(pence: str) -> str:
    """SQL text for an amount as people read it (format_pence): £4,200 or £4,200.50."""
    return (
        f"('£' || to_char(({pence}) / 100, 'FM999,999,999,990') "
        f"|| CASE WHEN ({pence}) % 100 <> 0 THEN '.' || lpad((({pence}) % 100)::text, 2, '0') ELSE '' END)"
    )


BENCH_ROUNDS = "SELECT id FROM rounds WHERE slug LIKE 'bench-%'"


def literal_sql(sql: str):  # noqa: ANN201
    """SQL whose colons are text (account codes like 'round:1:available'), not bind parameters."""
    return text(re.sub(r"(?<![:\w\\]):(?=\w)", r"\\:", sql))


def build_money(conn, names: dict) -> None:  # noqa: ANN001
    """The bench tables' money, as the money code writes it, in bulk SQL.

    A third of the bench proposals are funded: an award each (committed in the ledger on its
    table's award day) with its committed and paid accounts, paid to the group in one to three
    tranches (every fourth award with more than one still has its last tranche to come). Each
    table has three funders (from a pool of 60) whose pledges are paid in instalments, by bank
    transfer and by Stripe with Stripe's fee from the pot, a quarter more than the table awards;
    five panel members per table are paid for four meetings each. The instalments make up the
    rest of the million entries. Every event is one entry group that sums to zero."""
    from grants.models import Funder, PanelMember

    started = time.monotonic()
    conn.execute(text("SET LOCAL work_mem = '256MB'"))  # sorts a million entries in memory
    person = {
        key: conn.execute(text("SELECT id FROM people WHERE email = :e"), {"e": f"{key}@example.org"}).scalar()
        for key in ("funder", "treasurer", "convenor")
    }
    steps: list[tuple[str, str]] = [
        (
            "funders",
            clone_sql(
                Funder.__table__,
                "(SELECT * FROM funders ORDER BY id LIMIT 1)",
                str(BENCH_FUNDERS),
                {
                    "slug": "'bench-funder-' || n",
                    "name": "'Bench Community Trust ' || n",
                    "registered_number": "(1100000 + n)::text",
                    "website": "'https://trust-' || n || '.example.org'",
                },
            ),
        ),
        (
            "each table's award day",
            "CREATE TEMP TABLE bench_tables ON COMMIT DROP AS SELECT r.id AS round_id, "
            "CURRENT_DATE - 200 - (r.id % 100) AS award_day FROM rounds r WHERE r.slug LIKE 'bench-%'",
        ),
        (
            "funded proposals",
            "UPDATE proposals p SET status = CASE WHEN p.id % 3 = 0 THEN 'funded' ELSE 'not_funded' END "
            f"WHERE p.round_id IN ({BENCH_ROUNDS})",
        ),
        (
            "awards",
            "INSERT INTO awards (reference, round_id, proposal_id, group_id, amount_pence, awarded_on, report_due_on) "
            "SELECT 'OT-' || p.round_id || '-' || p.id, p.round_id, p.id, p.group_id, b.total, t.award_day, "
            "t.award_day + 365 FROM proposals p JOIN bench_tables t ON t.round_id = p.round_id "
            "JOIN (SELECT proposal_id, sum(amount_pence)::int AS total FROM budget_lines GROUP BY proposal_id) b "
            "ON b.proposal_id = p.id WHERE p.status = 'funded' ORDER BY p.id",
        ),
        (
            "pledges",
            "INSERT INTO pledges (round_id, funder_id, amount_pence, pledged_by_id, pledged_at) "
            f"SELECT t.round_id, f.id, 0, {person['funder']}, (t.award_day - 400)::timestamp AT TIME ZONE 'UTC' "
            "FROM bench_tables t CROSS JOIN generate_series(0, "
            f"{FUNDERS_PER_TABLE - 1}) AS k JOIN funders f "
            f"ON f.slug = 'bench-funder-' || ((t.round_id * {FUNDERS_PER_TABLE} + k) % {BENCH_FUNDERS} + 1) "
            "ORDER BY t.round_id, k",
        ),
        (
            "panel seats",
            clone_sql(
                PanelMember.__table__,
                "(SELECT pm.*, t.round_id AS rid, t.ord FROM "
                "(SELECT round_id, row_number() OVER (ORDER BY round_id) - 1 AS ord FROM bench_tables) t, "
                "(SELECT * FROM panel_members ORDER BY id LIMIT 1) pm)",
                str(SEATS_PER_TABLE),
                {
                    "round_id": "s.rid",
                    "person_id": f"(SELECT id FROM people WHERE email = 'voter-' || "
                    f"((s.ord * {SEATS_PER_TABLE} + n - 1) % {VOTERS} + 1) || '@example.org')",
                    "role": "'member'",
                    "is_paused": "false",
                    "stepped_down_at": "NULL",
                    "replaces_id": "NULL",
                },
            ),
        ),
        (
            "accounts",
            "INSERT INTO ledger_accounts (code, kind, round_id, funder_id, award_id, group_id) "
            "SELECT code, kind, round_id, funder_id, award_id, group_id FROM ("
            "SELECT 'round:' || round_id || ':' || k.part AS code, k.kind, round_id, NULL::int AS funder_id, "
            "NULL::int AS award_id, NULL::int AS group_id FROM bench_tables CROSS JOIN (VALUES "
            "('available', 'round_available'), ('fees', 'round_fees'), ('panel_budget', 'panel_budget')) k(part, kind) "
            "UNION ALL SELECT 'funder:' || funder_id || ':round:' || round_id, 'funder_giving', round_id, funder_id, "
            f"NULL, NULL FROM pledges WHERE round_id IN ({BENCH_ROUNDS}) "
            "UNION ALL SELECT 'award:' || a.id || ':' || k.part, k.kind, a.round_id, NULL, a.id, a.group_id "
            "FROM awards a JOIN bench_tables t ON t.round_id = a.round_id CROSS JOIN (VALUES "
            "('committed', 'award_committed'), ('paid', 'award_paid')) k(part, kind) "
            "UNION ALL SELECT 'panel:' || pm.id || ':' || k.part, k.kind, NULL, NULL, NULL, NULL "
            "FROM panel_members pm JOIN bench_tables t ON t.round_id = pm.round_id "
            "CROSS JOIN (VALUES ('owed', 'panel_owed'), ('paid', 'panel_paid')) k(part, kind) "
            "UNION ALL SELECT * FROM (VALUES ('external:bank', 'bank', NULL::int, NULL::int, NULL::int, NULL::int), "
            "('external:stripe', 'stripe_balance', NULL, NULL, NULL, NULL), "
            "('external:held', 'held_for_others', NULL, NULL, NULL, NULL)) x"
            ") accounts ON CONFLICT (code) DO NOTHING",
        ),
        (
            "events table",
            # One row per entry group to write: its lines as parallel arrays of accounts and pence,
            # and what row points at it (a contribution, a tranche, a panel member's time).
            "CREATE TEMP TABLE bench_events (kind text, description text, occurred_on date, reference text, "
            "round_id int, funder_id int, group_id int, award_id int, recorded_by_id int, "
            "accounts int[], amounts int[], link text, link_id int, link_n int) ON COMMIT DROP",
        ),
        (
            "award events",
            "INSERT INTO bench_events SELECT 'award', "
            f"{pounds_sql('a.amount_pence')} || ' awarded to ' || g.name || ' for ' || p.title, a.awarded_on, "
            "a.reference, a.round_id, NULL, a.group_id, a.id, NULL, ARRAY[av.id, cm.id], "
            "ARRAY[-a.amount_pence, a.amount_pence], 'award', a.id, 0 "
            "FROM awards a JOIN bench_tables t ON t.round_id = a.round_id JOIN groups g ON g.id = a.group_id "
            "JOIN proposals p ON p.id = a.proposal_id "
            "JOIN ledger_accounts av ON av.code = 'round:' || a.round_id || ':available' "
            "JOIN ledger_accounts cm ON cm.code = 'award:' || a.id || ':committed'",
        ),
        (
            "tranches",
            # Parts 1..k of each award (k = 1 to 3), the last part taking the odd pence; paid 14, 90 and
            # 180 days after the award, except the last of several on every fourth award: still to come.
            "INSERT INTO tranches (award_id, number, amount_pence, status, idempotency_key, bank_reference, "
            "paid_on, released_by_id, method, payee_name, due_on, reversed_pence, needs_second_person, created_at) "
            "SELECT a.id, i, CASE WHEN i < k THEN a.amount_pence / k "
            "ELSE a.amount_pence - (k - 1) * (a.amount_pence / k) END, "
            "CASE WHEN a.id % 4 = 0 AND k > 1 AND i = k THEN 'scheduled' ELSE 'paid' END, "
            "'grant-' || a.reference || '-tranche-' || i, "
            "CASE WHEN a.id % 4 = 0 AND k > 1 AND i = k THEN NULL ELSE 'BACS-' || a.id || '-' || i END, "
            "CASE WHEN a.id % 4 = 0 AND k > 1 AND i = k THEN NULL ELSE a.awarded_on + (ARRAY[14, 90, 180])[i] END, "
            f"{person['treasurer']}, 'bank', g.name, a.awarded_on + (ARRAY[14, 90, 400])[i], 0, false, "
            "(a.awarded_on + (ARRAY[14, 90, 180])[i])::timestamp AT TIME ZONE 'UTC' "
            "FROM awards a JOIN bench_tables t ON t.round_id = a.round_id JOIN groups g ON g.id = a.group_id "
            "CROSS JOIN LATERAL (SELECT 1 + a.id % 3 AS k) parts CROSS JOIN LATERAL generate_series(1, k) AS i "
            "ORDER BY a.id, i",
        ),
        (
            "payment events",
            "INSERT INTO bench_events SELECT 'payment', 'Paid ' || "
            f"{pounds_sql('tr.amount_pence')} || ' to ' || g.name || ' (award ' || a.reference || ', part ' "
            "|| tr.number || ')', tr.paid_on, tr.bank_reference, a.round_id, NULL, a.group_id, a.id, "
            f"{person['treasurer']}, ARRAY[cm.id, pd.id, bank.id, held.id], "
            "ARRAY[-tr.amount_pence, tr.amount_pence, -tr.amount_pence, tr.amount_pence], 'tranche', tr.id, 0 "
            "FROM tranches tr JOIN awards a ON a.id = tr.award_id JOIN bench_tables t ON t.round_id = a.round_id "
            "JOIN groups g ON g.id = a.group_id "
            "JOIN ledger_accounts cm ON cm.code = 'award:' || a.id || ':committed' "
            "JOIN ledger_accounts pd ON pd.code = 'award:' || a.id || ':paid' "
            "JOIN ledger_accounts bank ON bank.code = 'external:bank' "
            "JOIN ledger_accounts held ON held.code = 'external:held' WHERE tr.status = 'paid'",
        ),
        (
            "panel pay events",
            # Four meetings at £25 each, approved by the convenor, then paid in one go.
            "INSERT INTO bench_events SELECT 'panel_pay', 'Panel time approved: £25', "
            "t.award_day - 60 + 7 * j, NULL, pm.round_id, NULL::int, NULL::int, NULL::int, "
            f"{person['convenor']}, ARRAY[budget.id, owed.id], ARRAY[-2500, 2500], 'time', pm.id, j "
            "FROM panel_members pm JOIN bench_tables t ON t.round_id = pm.round_id "
            "CROSS JOIN generate_series(1, 4) AS j "
            "JOIN ledger_accounts budget ON budget.code = 'round:' || pm.round_id || ':panel_budget' "
            "JOIN ledger_accounts owed ON owed.code = 'panel:' || pm.id || ':owed' "
            "UNION ALL SELECT 'panel_settled', 'Panel member paid £100', t.award_day - 20, "
            f"'PANEL-' || pm.id, pm.round_id, NULL::int, NULL::int, NULL::int, {person['treasurer']}, "
            "ARRAY[owed.id, paid.id], "
            "ARRAY[-10000, 10000], 'settled', pm.id, 0 "
            "FROM panel_members pm JOIN bench_tables t ON t.round_id = pm.round_id "
            "JOIN ledger_accounts owed ON owed.code = 'panel:' || pm.id || ':owed' "
            "JOIN ledger_accounts paid ON paid.code = 'panel:' || pm.id || ':paid'",
        ),
    ]
    for label, sql in steps:
        step_started = time.monotonic()
        conn.execute(literal_sql(sql))
        say(f"  {label}: {time.monotonic() - step_started:.1f}s")

    # The instalments make up the rest: every other one by Stripe, which adds a fee group.
    so_far = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar() + conn.execute(
        text("SELECT coalesce(sum(cardinality(accounts)), 0) FROM bench_events")
    ).scalar()
    instalments = max((LEDGER_ENTRIES - so_far) // 6, 0)
    pledges = conn.execute(text(f"SELECT count(*) FROM pledges WHERE round_id IN ({BENCH_ROUNDS})")).scalar()
    per_pledge = -(-instalments // pledges)
    fee = "(c.amount_pence * 15 / 1000 + 20)"  # Stripe's 1.5% + 20p
    steps = [
        (
            "instalments",
            # Each pledge paid in `per_pledge` instalments over the year before the award day; the
            # table's instalments add up to a quarter more than it awards (at least £5 each).
            "CREATE TEMP TABLE bench_instalments ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY pl.id, n) AS id, pl.id AS pledge_id, pl.round_id, pl.funder_id, n, "
            "CASE WHEN n % 2 = 0 THEN 'stripe' ELSE 'bank_transfer' END AS method, "
            "greatest(500, ceil(1.25 * need.total / "
            f"({FUNDERS_PER_TABLE * per_pledge}))::int + (n % 5) * 100) AS amount_pence, "
            f"t.award_day - 1 - (n * 365 / {per_pledge + 1}) AS received_on "
            "FROM pledges pl JOIN bench_tables t ON t.round_id = pl.round_id "
            "JOIN (SELECT t2.round_id, coalesce(sum(a.amount_pence), 0) AS total FROM bench_tables t2 "
            "LEFT JOIN awards a ON a.round_id = t2.round_id GROUP BY t2.round_id) need "
            f"ON need.round_id = pl.round_id CROSS JOIN generate_series(1, {per_pledge}) AS n",
        ),
        (
            "instalment events",
            "INSERT INTO bench_events SELECT 'contribution', f.name || ' paid ' || "
            f"{pounds_sql('c.amount_pence')} || ' into ' || r.title || "
            "CASE WHEN c.method = 'stripe' THEN ' by card or Direct Debit' ELSE '' END, c.received_on, "
            "CASE WHEN c.method = 'stripe' THEN 'ch_bench_' || c.id ELSE 'BANK-' || c.pledge_id || '-' || c.n END, "
            f"c.round_id, c.funder_id, NULL::int, NULL::int, "
            f"CASE WHEN c.method = 'stripe' THEN NULL ELSE {person['funder']} END, "
            "ARRAY[giving.id, av.id, CASE WHEN c.method = 'stripe' THEN stripe.id ELSE bank.id END, held.id], "
            "ARRAY[-c.amount_pence, c.amount_pence, c.amount_pence, -c.amount_pence], 'contribution', c.id, 0 "
            "FROM bench_instalments c JOIN funders f ON f.id = c.funder_id JOIN rounds r ON r.id = c.round_id "
            "JOIN ledger_accounts giving ON giving.code = 'funder:' || c.funder_id || ':round:' || c.round_id "
            "JOIN ledger_accounts av ON av.code = 'round:' || c.round_id || ':available' "
            "JOIN ledger_accounts bank ON bank.code = 'external:bank' "
            "JOIN ledger_accounts stripe ON stripe.code = 'external:stripe' "
            "JOIN ledger_accounts held ON held.code = 'external:held' "
            "UNION ALL SELECT 'fee', 'Stripe''s fee of ' || "
            f"{pounds_sql(fee)} || ' on a payment into ' || r.title || ' paid from the pot', c.received_on, "
            "'ch_bench_' || c.id, c.round_id, NULL::int, NULL::int, NULL::int, NULL::int, "
            "ARRAY[av.id, fees.id, stripe.id, held.id], "
            f"ARRAY[-{fee}, {fee}, -{fee}, {fee}], 'fee', c.id, 1 "
            "FROM bench_instalments c JOIN rounds r ON r.id = c.round_id "
            "JOIN ledger_accounts av ON av.code = 'round:' || c.round_id || ':available' "
            "JOIN ledger_accounts fees ON fees.code = 'round:' || c.round_id || ':fees' "
            "JOIN ledger_accounts stripe ON stripe.code = 'external:stripe' "
            "JOIN ledger_accounts held ON held.code = 'external:held' WHERE c.method = 'stripe'",
        ),
        (
            "entry groups",
            # Ids in the order things happened, as if each had been posted on its day.
            "CREATE TEMP TABLE bench_numbered ON COMMIT DROP AS SELECT (SELECT coalesce(max(id), 0) FROM "
            "ledger_entry_groups) + row_number() OVER (ORDER BY occurred_on, link, link_id, link_n) AS id, e.* "
            "FROM bench_events e; "
            "INSERT INTO ledger_entry_groups (id, kind, description, occurred_on, created_at, reference, round_id, "
            "funder_id, group_id, award_id, recorded_by_id) SELECT id, kind, description, occurred_on, "
            "(occurred_on + time '12:00') AT TIME ZONE 'UTC', reference, round_id, funder_id, group_id, award_id, "
            "recorded_by_id FROM bench_numbered ORDER BY id; "
            "SELECT setval(pg_get_serial_sequence('ledger_entry_groups', 'id'), "
            "(SELECT max(id) FROM ledger_entry_groups))",
        ),
        (
            "entries",
            "INSERT INTO ledger_entries (entry_group_id, account_id, amount_pence) "
            "SELECT n.id, line.account_id, line.amount FROM bench_numbered n "
            "CROSS JOIN LATERAL unnest(n.accounts, n.amounts) AS line(account_id, amount) ORDER BY n.id",
        ),
        (
            "contributions and what points at the ledger",
            "INSERT INTO contributions (pledge_id, amount_pence, method, reference, received_on, recorded_by_id, "
            "entry_group_id) SELECT c.pledge_id, c.amount_pence, c.method, n.reference, c.received_on, "
            "n.recorded_by_id, n.id FROM bench_instalments c JOIN bench_numbered n "
            "ON n.link = 'contribution' AND n.link_id = c.id ORDER BY n.id; "
            "UPDATE pledges pl SET amount_pence = paid.total FROM (SELECT pledge_id, sum(amount_pence) AS total "
            "FROM bench_instalments GROUP BY pledge_id) paid WHERE paid.pledge_id = pl.id; "
            "UPDATE tranches tr SET entry_group_id = n.id FROM bench_numbered n "
            "WHERE n.link = 'tranche' AND n.link_id = tr.id; "
            "INSERT INTO panel_time_logs (panel_member_id, activity, worked_on, units, note, status, amount_pence, "
            "decided_by_id, entry_group_id, created_at) SELECT n.link_id, 'meeting', n.occurred_on, 1, '', "
            "'approved', 2500, n.recorded_by_id, n.id, (n.occurred_on + time '18:00') AT TIME ZONE 'UTC' "
            "FROM bench_numbered n WHERE n.link = 'time' ORDER BY n.id",
        ),
        (
            "running balances",
            # Bulk SQL bypasses `books.post`, so the running balances are recomputed from the entries.
            "DELETE FROM ledger_balances; "
            "INSERT INTO ledger_balances (account_id, entry_kind, amount_pence) "
            "SELECT e.account_id, g.kind, SUM(e.amount_pence) FROM ledger_entries e "
            "JOIN ledger_entry_groups g ON g.id = e.entry_group_id GROUP BY e.account_id, g.kind",
        ),
    ]
    for label, sql in steps:
        step_started = time.monotonic()
        for statement in sql.split("; "):
            conn.execute(literal_sql(statement))
        say(f"  {label}: {time.monotonic() - step_started:.1f}s")
    check_money(conn)
    say(f"  money: {time.monotonic() - started:.1f}s")
    names["awards"] = conn.execute(text("SELECT count(*) FROM awards")).scalar()


def check_money(conn) -> None:  # noqa: ANN001
    """Refuse to measure a ledger the app could never have written."""
    problems = {
        "entry groups that do not sum to zero": "SELECT count(*) FROM (SELECT entry_group_id FROM ledger_entries "
        "GROUP BY entry_group_id HAVING sum(amount_pence) <> 0) x",
        "awards paid more than awarded": "SELECT count(*) FROM awards a JOIN ledger_accounts p "
        "ON p.code = 'award:' || a.id || ':paid' WHERE (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entries "
        "WHERE account_id = p.id) > a.amount_pence",
        "awards whose committed and paid differ from the award": "SELECT count(*) FROM awards a "
        "JOIN ledger_accounts c ON c.code = 'award:' || a.id || ':committed' "
        "JOIN ledger_accounts p ON p.code = 'award:' || a.id || ':paid' WHERE (SELECT coalesce(sum(amount_pence), 0) "
        "FROM ledger_entries WHERE account_id IN (c.id, p.id)) <> a.amount_pence",
        "tables whose pot is overspent": "SELECT count(*) FROM ledger_accounts av WHERE av.kind = 'round_available' "
        "AND (SELECT coalesce(sum(amount_pence), 0) FROM ledger_entries WHERE account_id = av.id) < 0",
        "running balances that differ from the entries": "SELECT count(*) FROM (SELECT e.account_id, g.kind, "
        "sum(e.amount_pence) AS total FROM ledger_entries e JOIN ledger_entry_groups g ON g.id = e.entry_group_id "
        "GROUP BY 1, 2) s FULL JOIN ledger_balances b ON b.account_id = s.account_id AND b.entry_kind = s.kind "
        "WHERE coalesce(s.total, 0) <> coalesce(b.amount_pence, 0)",
    }
    found = {what: conn.execute(literal_sql(sql)).scalar() for what, sql in problems.items()}
    if any(found.values()):
        raise SystemExit(f"The bench's ledger is not one the app could write: {found}")


def check_public_ledger(app) -> None:  # noqa: ANN001
    """The public ledger adds up to the totals it shows, for the whole site and every table
    (the same check `flask reconcile` runs and the tests run on the demo)."""
    from grants.ledger.published import public_ledger_mismatches

    with app.app_context():
        checking_started = time.monotonic()
        problems = public_ledger_mismatches()
        if problems:
            raise SystemExit(f"The bench's public ledger does not add up: {problems[:10]}")
        say(f"The public ledger adds up for every table ({time.monotonic() - checking_started:.1f}s)")


# The people-figure walk reads at most this much of each open-data file (the ledger's are 40 and 90 MB here).
WALK_FILE_BYTES = 2_000_000


def check_people_figures(app) -> int:  # noqa: ANN001
    """Every public page and file of the bench data (the 40 newest tables, groups and funders of
    each kind, and every open-data file: its first WALK_FILE_BYTES) gives no count of people under
    5: the same walk and detector as tests/public/test_people_figures_walk.py runs on the demo
    (whole). Returns how many pages and files showed one (each is printed)."""
    from tests.people_figures import public_urls, walk

    started = time.monotonic()
    site = app.config.get("SITE_URL") or "http://127.0.0.1:5000"
    with app.app_context():  # the walk reads which panel-pay amounts are held back (held_panel_amounts)
        urls = public_urls(app, most_per_kind=40)
        walked, leaks = walk(app.test_client(), [site + url for url in urls], most_file_bytes=WALK_FILE_BYTES)
    for url, found in sorted(leaks.items()):
        say(f"  a count of people under 5 on {url}: {found[:3]}")
    say(f"People figures: walked {len(walked)} public pages and files ({len(urls)} URLs; open-data files "
        f"to {WALK_FILE_BYTES / 1e6:.0f} MB each) in {time.monotonic() - started:.0f}s, "
        f"{len(leaks)} with a count of people under 5")  # fmt: skip
    return len(leaks)


def build(app) -> dict:  # noqa: ANN001
    """The demo, then everything else in bulk. Returns names the measurements need."""
    from grants.demo import load_demo
    from grants.extensions import db
    from grants.models import (
        BudgetLine,
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
                {
                    "slug": "'bench-group-' || n",
                    "name": "'Bench group ' || n",
                    # One group in four is a registered charity (its 360Giving id is GB-CHC-...).
                    "registered_number": "CASE WHEN n % 4 = 0 THEN (1200000 + n)::text END",
                },
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
            f"SELECT p.id, 1, 'Room hire', 50000 + (p.id % 400) * 1000 FROM proposals p "
            f"JOIN rounds r ON r.id = p.round_id WHERE r.slug LIKE 'bench-%'",
        ),
        (
            "ballots",
            # Ballots of counted tables, as the close writes them: plain rows with random ids (md5
            # stands in here). Ballots of a table still voting are sealed envelopes (counted below).
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
        build_money(conn, names)
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


# Light pages (issue 17): at this size no page is over 500 KB and a render without the cache is under 300 ms.
PAGE_BYTES_LIMIT, UNCACHED_MS_LIMIT = 500_000, 300


def page_weights(pages: dict[str, str], renders: int = 5) -> dict[str, tuple[int, float]]:
    """Each page's HTML size in bytes and its median render time in ms with the cache off, in process
    (an app of its own with CACHE_TYPE NullCache: every request is made afresh)."""
    from config import Config
    from grants import create_app
    from grants.extensions import db

    app = create_app(
        Config,
        {
            "SQLALCHEMY_DATABASE_URI": DB,
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "CACHE_TYPE": "NullCache",
            "PUBLIC_CACHE_SECONDS": 0,
        },
    )
    weights = {}
    with app.app_context():
        client = app.test_client()
        for name, url in pages.items():
            response = client.get(url)  # warm: templates compiled, connections open
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(renders):
                started = time.perf_counter()
                response = client.get(url)
                times.append(1000 * (time.perf_counter() - started))
            weights[name] = (len(response.get_data()), sorted(times)[len(times) // 2])
        db.engine.dispose()
    return weights


def voter_bodies(app, voting_slug: str, proposal_id: int, path: Path) -> None:
    """One line per voter: a signed session cookie and a ballot form with its CSRF token.

    The session is the one signing in makes: the person and their session generation
    (Person.get_id), and when it was last used (an idle session is signed out)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy.orm import undefer

    from grants.extensions import db
    from grants.models import Person
    from grants.security import SEEN_KEY

    with app.app_context():
        people = db.session.execute(
            select(Person)
            .options(undefer(Person.session_epoch))
            .where(Person.email.like("voter-%"))
            .order_by(Person.id)
        ).scalars()
        ids = [person.get_id() for person in people]
    serializer = app.session_interface.get_signing_serializer(app)
    with path.open("w") as out:
        for person_id in ids:
            with app.test_request_context():
                session["_user_id"] = person_id
                session["_fresh"] = True
                session[SEEN_KEY] = int(time.time())
                token = generate_csrf()
                cookie = serializer.dumps(dict(session))
            out.write(f"session={cookie}\tcsrf_token={quote(token)}&proposal={proposal_id}\n")


def check_signed_in(app, voting_slug: str, bodies: Path) -> None:  # noqa: ANN001
    """The voters' cookies sign them in: else every post measured would be a redirect to sign in,
    and the ballot and its floor would measure nothing (as they did once, unnoticed)."""
    from flask import url_for

    cookie = bodies.read_text().splitlines()[0].split("\t")[0]
    with app.test_request_context():
        url = url_for("ballots.vote", slug=voting_slug)
    response = app.test_client(use_cookies=False).get(url, headers={"Cookie": cookie})
    if response.status_code != 200:
        raise SystemExit(f"The bench's voters are not signed in: {url} gave {response.status_code} {response.location}")


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


def wrk(
    url: str,
    bodies: Path | None = None,
    seconds: int = SECONDS,
    connections: int = CONNECTIONS,
    accept_encoding: str | None = None,
) -> dict:
    threads = min(2, connections)
    env = dict(os.environ, BENCH_THREADS=str(threads))
    if bodies:
        env["BENCH_BODIES"] = str(bodies)
    if accept_encoding:
        env["BENCH_ACCEPT_ENCODING"] = accept_encoding
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


def stored_ballots(round_id: int) -> int:
    """Ballots stored for a table still voting: sealed envelopes (grants/ballots/sealing.py), one per
    ballot cast online, plus any plain ballots (none until the close)."""
    from grants.extensions import db
    from grants.models import Ballot, CountKey, SealedEnvelope

    sealed = db.session.execute(
        select(func.count(SealedEnvelope.id))
        .join(CountKey, CountKey.id == SealedEnvelope.key_id)
        .where(CountKey.round_id == round_id, CountKey.purpose == "ballots")
    ).scalar()
    plain = db.session.execute(select(func.count(Ballot.id)).where(Ballot.round_id == round_id)).scalar()
    return sealed + plain


def main() -> None:
    started = time.monotonic()
    say(f"Building the data set in {make_url(DB).render_as_string(hide_password=True)} ...")
    recreate_database()
    app = make_app()
    from grants.extensions import db
    from grants.models import Round

    names = build(app)
    build_seconds = time.monotonic() - started
    say(f"Built in {build_seconds:.0f}s: {names['counts']}")
    if ONLY_BALLOTS:
        ballots_only(app, names, build_seconds)
        return
    check_public_ledger(app)
    people_leaks = check_people_figures(app)
    # The 360Giving files, made as the worker makes them after a change.
    from grants.models import OpenDataFile
    from grants.opendata.services import make_open_data_files

    with app.app_context():
        making_started = time.monotonic()
        make_open_data_files()
        making_seconds = time.monotonic() - making_started
        sizes = {
            name: (plain, zipped)
            for name, plain, zipped in db.session.execute(
                select(OpenDataFile.name, func.length(OpenDataFile.body), func.length(OpenDataFile.body_gzip))
            )
        }
    say(f"Made the 360Giving files in {making_seconds:.1f}s")

    export = "/open-data/360giving.json"
    pages = {
        "home": "/",
        "round": "/tables/bench-table-1",
        "group": f"/groups/{names['demo_group']}",
        "ledger": "/ledger",
        "360Giving export": export,  # gzipped, as a browser asks for it
    }
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
            "360Giving export": export,
        },
    )

    # Size and uncached render of each page (the 360Giving export is a stored file: its size is printed below),
    # with the table of 10,000 proposals too, the page that was 3.2 MB before its long lists were paged.
    weighed = {name: url for name, url in pages.items() if url != export}
    weighed["round, 10,000 proposals"] = "/tables/bench-big-table"
    weighed["round, 10,000 proposals, page 2"] = "/tables/bench-big-table?page=2"
    weights = page_weights(weighed)

    bodies, env = voters_and_server_env(app, names)
    work = bodies.parent
    import redis

    redis.Redis.from_url(CACHE_REDIS_URL).flushdb()
    results = {}

    def measure(name: str, target: str, port: int, cwd: Path, url: str, **kwargs) -> None:  # noqa: ANN003
        # A fresh server for each page, so requests queued by the previous page cannot slow this one.
        process = serve(target, port, kwargs.pop("env", env), cwd)
        try:
            warm = {k: v for k, v in kwargs.items() if k == "accept_encoding"}
            # Warm up every worker (a form post's lines are used once: warm it up on the home page).
            wrk(f"http://127.0.0.1:{port}{'/' if 'bodies' in kwargs else url}", seconds=2, **warm)
            time.sleep(1)
            results[name] = wrk(f"http://127.0.0.1:{port}{url}", **kwargs)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

    measure("hello", "bench_hello:app", HELLO_PORT, ROOT / "scripts", "/")
    for name, url in pages.items():
        measure(name, "wsgi:app", APP_PORT, ROOT, url, accept_encoding="gzip" if url == export else None)
    measure("360Giving export, not gzipped", "wsgi:app", APP_PORT, ROOT, export)
    # The same pages with the cache off: what each visit costs when it must be made afresh. (The
    # export is a stored file either way: what making it costs is the worker's time, printed below.)
    for name, url in pages.items():
        if url != export:
            measure(f"{name} (uncached)", "wsgi:app", APP_PORT, ROOT, url, env=dict(env, PUBLIC_CACHE_SECONDS="0"))
    with app.app_context():
        voting_id = db.session.execute(select(Round.id).where(Round.slug == names["voting_slug"])).scalar()
        before = stored_ballots(voting_id)
    with app.test_request_context():
        from flask import url_for

        cast_path = url_for("ballots.cast", slug=names["voting_slug"])
    # The floor: a signed-in form post that does no work (scripts/bench_floor.py), by the same
    # voters (nobody votes; each line is used once, so the list is given three times).
    floor_bodies = work / "floor.tsv"
    floor_bodies.write_text(bodies.read_text() * 3)
    measure(
        "signed-in post doing nothing",
        "scripts.bench_floor:app",
        APP_PORT,
        ROOT,
        "/bench/signed-in-post",
        bodies=floor_bodies,
        seconds=5,
    )
    # The floor one request at a time, as the ballot below is: what any signed-in post costs here.
    floor_alone = work / "floor-alone.tsv"
    floor_alone.write_text(bodies.read_text())
    measure(
        "signed-in post, one at a time",
        "scripts.bench_floor:app",
        APP_PORT,
        ROOT,
        "/bench/signed-in-post",
        bodies=floor_alone,
        seconds=5,
        connections=1,
    )
    process = serve("wsgi:app", APP_PORT, env, ROOT)
    floor_process = serve("scripts.bench_floor:app", HELLO_PORT, env, ROOT)
    try:
        wrk(f"http://127.0.0.1:{APP_PORT}/tables/{names['voting_slug']}", seconds=2)  # warm up
        wrk(f"http://127.0.0.1:{HELLO_PORT}/", seconds=2)
        # The ballot and the floor in turn, request by request, one at a time, by voters from the
        # end of the list (bench_open_loop.in_turn): the ratio the goal is judged on.
        from_the_end = list(reversed(bodies.read_text().splitlines(keepends=True)))
        paired = in_turn(
            (f"http://127.0.0.1:{APP_PORT}", cast_path),
            (f"http://127.0.0.1:{HELLO_PORT}", "/bench/signed-in-post"),
            from_the_end[:IN_TURN],
        )
        results["cast a ballot, in turn with the floor"] = paired["ballot"]
        results["signed-in post, in turn with a ballot"] = paired["floor"]
        floor_process.send_signal(signal.SIGTERM)
        floor_process.wait(timeout=60)
        results["cast a ballot"] = wrk(f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=bodies, seconds=5)
        # One voter at a time (other voters, from the end of the list): what one ballot costs
        # with no queue, for comparison with 50 at once.
        alone = work / "voters-from-the-end.tsv"
        alone.write_text("".join(from_the_end[IN_TURN + 2 :]))
        results["cast a ballot, one at a time"] = wrk(
            f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=alone, seconds=5, connections=1
        )
        # Voters from the middle of the list, none of whom has voted: an open loop at a fixed rate.
        voters = bodies.read_text().splitlines()
        middle = voters[len(voters) // 3 : len(voters) // 3 + int(OPEN_LOOP_RATE * OPEN_LOOP_SECONDS)]
        results[f"cast, {OPEN_LOOP_RATE:.0f}/s open loop"] = open_loop(
            f"http://127.0.0.1:{APP_PORT}", cast_path, middle, OPEN_LOOP_RATE, OPEN_LOOP_SECONDS, expect="/receipt"
        )
    finally:
        for running in (process, floor_process):
            if running.poll() is None:
                running.send_signal(signal.SIGTERM)
                running.wait(timeout=60)
    with app.app_context():
        after = stored_ballots(voting_id)
    open_name = f"cast, {OPEN_LOOP_RATE:.0f}/s open loop"
    cast = sum(
        int(results[k]["requests"])
        for k in ("cast a ballot", "cast a ballot, one at a time", "cast a ballot, in turn with the floor", open_name)
    )

    hello = results["hello"]["rps"]
    print()
    print(
        f"Data: {names['counts']}; built in {build_seconds:.0f}s. gunicorn: {WORKERS} sync workers; "
        f"wrk: 2 threads, {CONNECTIONS} connections, {SECONDS}s per page; {os.cpu_count()} cores."
    )
    print(
        f"{'page':<31} {'req/s':>8} {'% hello':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'HTML KB':>8} {'uncached ms':>12}"
    )
    for name, r in results.items():
        errors = int(r["status_errors"] + r["socket_errors"])
        size, ms = weights.get(name, (None, None))
        weight = f"{size / 1000:>8.1f} {ms:>12.1f}" if size is not None else f"{'':>8} {'':>12}"
        print(
            f"{name:<31} {r['rps']:>8.0f} {100 * r['rps'] / hello:>7.1f}% {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['p99']:>8.1f} {errors:>7} {weight}"
        )
    for name, (size, ms) in weights.items():
        if name not in results:  # weighed only, not loaded with wrk
            print(f"{name:<31} {'':>8} {'':>8} {'':>8} {'':>8} {'':>8} {'':>7} {size / 1000:>8.1f} {ms:>12.1f}")
    print(f"360Giving files ({names['awards']:,} awards), made by the worker in {making_seconds:.1f}s:")
    for name, (plain, zipped) in sorted(sizes.items()):
        print(f"  {name:<28} {plain / 1e6:>6.2f} MB, gzipped {zipped / 1e6:>5.2f} MB")
    for name in ("360Giving export", "360Giving export, not gzipped"):
        r = results[name]
        print(f"  {name}: {r['bytes'] / r['seconds'] / 1e6:,.0f} MB/s sent")
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
    # 50 ballots always in flight measures a queue on this machine, not a voter's wait: issue 15
    # restated that goal as the open loop below, so the closed loop's p95 is printed, not judged.
    opened = results[open_name]
    print(
        f"Open loop: {opened['requests']:.0f} ballots at {OPEN_LOOP_RATE:.0f} a second due, "
        f"{opened['rps']:.1f} a second answered; p95 {opened['p95']:.1f} ms from when each was due; "
        f"{opened['late']:.0f} started late by the client."
    )
    if opened["p95"] >= 150:
        failures.append(f"ballot p95 at {OPEN_LOOP_RATE:.0f} a second (open loop) is not under 150 ms")
    ballot_cost = results["cast a ballot, one at a time"]["p50"]
    floor_cost = results["signed-in post, one at a time"]["p50"]
    print(
        f"One ballot, one at a time: {ballot_cost:.1f} ms (p50), "
        f"{ballot_cost / floor_cost:.2f} x the floor's {floor_cost:.1f} ms (each 5 s, one after the other)."
    )
    # Judged on the ballots taken in turn with the floor: the same moments of a machine whose load moves.
    ballot_cost = results["cast a ballot, in turn with the floor"]["p50"]
    floor_cost = results["signed-in post, in turn with a ballot"]["p50"]
    print(
        f"One ballot, in turn with the floor: {ballot_cost:.1f} ms (p50), "
        f"{ballot_cost / floor_cost:.2f} x the floor's {floor_cost:.1f} ms."
    )
    if ballot_cost > 2.5 * floor_cost:
        failures.append("a ballot costs more than 2.5 times the signed-in post that does nothing")
    if any(r["status_errors"] + r["socket_errors"] for r in results.values()):
        failures.append("there were errors")
    if not cast <= stored <= cast + CONNECTIONS + 1:
        failures.append("ballots were lost or stored twice")
    if people_leaks:
        failures.append(f"{people_leaks} public pages or files gave a count of people under 5")
    for name, (size, ms) in weights.items():
        if size > PAGE_BYTES_LIMIT:
            failures.append(f"{name} is {size / 1000:,.0f} KB, over {PAGE_BYTES_LIMIT / 1000:,.0f} KB")
        if ms > UNCACHED_MS_LIMIT:
            failures.append(f"{name} takes {ms:,.0f} ms to make without the cache, over {UNCACHED_MS_LIMIT} ms")
    # Must not grow with the data. The 10-proposal table may run one more: with 12 groups or fewer
    # its chart reads every award, where a bigger table's adds its groups up in SQL (round_money_flows).
    if counts["round, 10,000 proposals"] > counts["round, 10 proposals"]:
        failures.append("the round page's query count grows with proposals")
    print("Goals met." if not failures else "Goals NOT met: " + "; ".join(failures))


def voters_and_server_env(app, names: dict) -> tuple[Path, dict]:  # noqa: ANN001
    """The voters' file (a line per voter who has not voted, checked to be signed in) and the
    servers' environment: as in production, public pages kept in a Redis shared by every worker
    (grants/caching.py)."""
    bodies = Path(tempfile.mkdtemp(prefix="ot-bench-")) / "voters.tsv"
    voter_bodies(app, names["voting_slug"], names["vote_for"], bodies)
    check_signed_in(app, names["voting_slug"], bodies)
    env = dict(
        os.environ,
        DATABASE_URL=DB,
        SECRET_KEY=SECRET_KEY,
        OUR_TABLES_ENV="development",
        RATELIMIT_ENABLED="0",
        CACHE_REDIS_URL=CACHE_REDIS_URL,
        PUBLIC_CACHE_SECONDS="30",
    )
    return bodies, env


def ballots_only(app, names: dict, build_seconds: float) -> None:  # noqa: ANN001
    """BENCH_ONLY=ballots: the hello page for scale, the floor and the ballot, one at a time and 50 at
    once, and the open loop; the same measurements and goals as the full run's, in the same minutes."""
    from flask import url_for

    from grants.extensions import db
    from grants.models import Round

    bodies, env = voters_and_server_env(app, names)
    work = bodies.parent
    results: dict[str, dict] = {}
    loads: dict[str, str] = {}

    def load() -> str:
        one, five, _fifteen = os.getloadavg()
        return f"load {one:.1f} / {five:.1f}"

    def measure(name: str, target: str, port: int, cwd: Path, url: str, **kwargs) -> None:  # noqa: ANN003
        process = serve(target, port, env, cwd)
        try:
            wrk(f"http://127.0.0.1:{port}/", seconds=2)  # warm up every worker
            time.sleep(1)
            results[name] = wrk(f"http://127.0.0.1:{port}{url}", **kwargs)
            loads[name] = load()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

    measure("hello", "bench_hello:app", HELLO_PORT, ROOT / "scripts", "/")
    with app.app_context():
        voting_id = db.session.execute(select(Round.id).where(Round.slug == names["voting_slug"])).scalar()
        before = stored_ballots(voting_id)
    with app.test_request_context():
        cast_path = url_for("ballots.cast", slug=names["voting_slug"])
    voters = bodies.read_text().splitlines(keepends=True)
    floor_bodies = work / "floor.tsv"
    floor_bodies.write_text("".join(voters) * 3)
    measure("signed-in post doing nothing", "scripts.bench_floor:app", APP_PORT, ROOT, "/bench/signed-in-post",
            bodies=floor_bodies, seconds=5)  # fmt: skip
    # The ballot and the floor one at a time, in turn, request by request (bench_open_loop.in_turn),
    # by voters from the end of the list; then the same with wrk, 5 s each, as the full run does.
    process = serve("wsgi:app", APP_PORT, env, ROOT)
    floor_process = serve("scripts.bench_floor:app", HELLO_PORT, env, ROOT)
    try:
        wrk(f"http://127.0.0.1:{APP_PORT}/tables/{names['voting_slug']}", seconds=2)  # warm up
        wrk(f"http://127.0.0.1:{HELLO_PORT}/", seconds=2)
        paired = in_turn(
            (f"http://127.0.0.1:{APP_PORT}", cast_path),
            (f"http://127.0.0.1:{HELLO_PORT}", "/bench/signed-in-post"),
            list(reversed(voters))[:IN_TURN],
        )
        results["cast a ballot, in turn with the floor"] = paired["ballot"]
        results["signed-in post, in turn with a ballot"] = paired["floor"]
        loads["cast a ballot, in turn with the floor"] = loads["signed-in post, in turn with a ballot"] = load()
        alone = work / "voters-from-the-end.tsv"
        alone.write_text("".join(list(reversed(voters))[IN_TURN + 2 :]))
        floor_alone = work / "floor-alone.tsv"
        floor_alone.write_text("".join(voters))
        results["signed-in post, one at a time"] = wrk(
            f"http://127.0.0.1:{HELLO_PORT}/bench/signed-in-post", bodies=floor_alone, seconds=5, connections=1
        )
        loads["signed-in post, one at a time"] = load()
        results["cast a ballot, one at a time"] = wrk(
            f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=alone, seconds=5, connections=1
        )
        loads["cast a ballot, one at a time"] = load()
        results["cast a ballot"] = wrk(f"http://127.0.0.1:{APP_PORT}{cast_path}", bodies=bodies, seconds=5)
        loads["cast a ballot"] = load()
        first = len(voters) // 3  # voters from the middle of the list, none of whom has voted
        middle = [line.rstrip("\n") for line in voters[first : first + int(OPEN_LOOP_RATE * OPEN_LOOP_SECONDS)]]
        open_name = f"cast, {OPEN_LOOP_RATE:.0f}/s open loop"
        results[open_name] = open_loop(
            f"http://127.0.0.1:{APP_PORT}", cast_path, middle, OPEN_LOOP_RATE, OPEN_LOOP_SECONDS, expect="/receipt"
        )
        loads[open_name] = load()
    finally:
        for running in (process, floor_process):
            running.send_signal(signal.SIGTERM)
            running.wait(timeout=60)
    with app.app_context():
        after = stored_ballots(voting_id)
    casts = [k for k in results if k.startswith("cast")]
    cast = sum(int(results[k]["requests"]) for k in casts)
    stored = after - before
    hello = results["hello"]["rps"]
    print()
    print(
        f"Data: {names['counts']}; built in {build_seconds:.0f}s. "
        f"gunicorn: {WORKERS} sync workers; {os.cpu_count()} cores."
    )
    print(f"{'measured':<38} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7}  load 1 / 5 min")
    for name, r in results.items():
        errors = int(r["status_errors"] + r["socket_errors"])
        print(
            f"{name:<38} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p95']:>9.1f} {r['p99']:>9.1f} {errors:>7}  {loads[name]}"
        )
    print(f"Ballots: {cast} requests answered, {stored} ballots stored (each voter once).")
    failures = []
    opened = results[open_name]
    print(
        f"Open loop: {opened['requests']:.0f} ballots at {OPEN_LOOP_RATE:.0f} a second due, "
        f"{opened['rps']:.1f} a second answered; p95 {opened['p95']:.1f} ms from when each was due; "
        f"{opened['late']:.0f} started late by the client."
    )
    if opened["p95"] >= 150:
        failures.append(f"ballot p95 at {OPEN_LOOP_RATE:.0f} a second (open loop) is not under 150 ms")
    for ballot_name, floor_name in (
        ("cast a ballot, in turn with the floor", "signed-in post, in turn with a ballot"),
        ("cast a ballot, one at a time", "signed-in post, one at a time"),
    ):
        ballot_cost, floor_cost = results[ballot_name]["p50"], results[floor_name]["p50"]
        print(
            f"{ballot_name}: {ballot_cost:.1f} ms (p50), {ballot_cost / floor_cost:.2f} x the floor's "
            f"{floor_cost:.1f} ms; hello {hello:.0f} req/s."
        )
    # The goal is judged on the ballots taken in turn with the floor (the same moments of the machine).
    ballot_cost = results["cast a ballot, in turn with the floor"]["p50"]
    if ballot_cost > 2.5 * results["signed-in post, in turn with a ballot"]["p50"]:
        failures.append("a ballot costs more than 2.5 times the signed-in post that does nothing")
    if any(r["status_errors"] + r["socket_errors"] for r in results.values()):
        failures.append("there were errors")
    if not cast <= stored <= cast + CONNECTIONS + 1:
        failures.append("ballots were lost or stored twice")
    print("Goals met." if not failures else "Goals NOT met: " + "; ".join(failures))


if __name__ == "__main__":
    main()
