"""A hostile .pb import is refused with the line or the limit, quickly, and writes nothing.

Seen before: `1e1000000` ran for over a minute, 20,000 projects held SQLite's write lock for
23 s, over-large costs, a field over 128 KB, huge points or min_length gave 500s, and score
points `0.5,2.7` were stored as `0,2`.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from grants.decisions import services
from grants.extensions import db
from tests import factories as f
from tests.conftest import login, text_of
from tests.decisions.test_pabulib_io import GOOD_PB, _upload

CUMULATIVE_PB = """META
key;value
description;Points vote
num_projects;2
num_votes;2
budget;500
vote_type;cumulative
max_sum_points;10
rule;greedy
PROJECTS
project_id;cost;name
p1;300;Community fridge
p2;200;Walking group
VOTES
voter_id;vote;points
V1;p1,p2;6,4
V2;p2;10
"""

SCORING_PB = CUMULATIVE_PB.replace("vote_type;cumulative", "vote_type;scoring").replace(
    "max_sum_points;10", "max_points;10"
)


def _many_projects(n: int) -> str:
    rows = "\n".join(f"q{i};1;Project {i}" for i in range(n))
    data = GOOD_PB.replace("p3;100;Art club", f"p3;100;Art club\n{rows}")
    return data.replace("num_projects;3", f"num_projects;{n + 3}")  # a file true to its own META


def _many_voters(n: int) -> str:
    rows = "\n".join(f"W{i};p1" for i in range(n))
    data = GOOD_PB.replace("V5;p1,p3", f"V5;p1,p3\n{rows}")
    return data.replace("num_votes;5", f"num_votes;{n + 5}")


def _rows() -> dict[str, int]:
    db.session.rollback()
    return {
        t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one() for t in db.metadata.sorted_tables
    }


HOSTILE = {
    "a cost of 1e1000000": (GOOD_PB.replace("p2;200;", "p2;1e1000000;"), "line 14: the cost of project p2"),
    "a budget of 1e1000000": (GOOD_PB.replace("budget;500", "budget;1e1000000"), "line 8: the budget"),
    "a cost of 1e-1000000": (GOOD_PB.replace("p2;200;", "p2;1e-1000000;"), "line 14: the cost of project p2"),
    "a cost over 64 bits": (GOOD_PB.replace("p2;200;", "p2;99999999999999999999;"), "Project p2 costs more than"),
    "a cost over 32-bit pence": (GOOD_PB.replace("p2;200;", "p2;30000000;"), "Project p2 costs more than £10,000,000"),
    "a field over 128 KB": (GOOD_PB.replace("Walking group", "W" * 140_000), "Line 14 is longer than 100,000"),
    "a NUL in a name": (GOOD_PB.replace("Walking group", "Walking\x00group"), "Line 14 has a control character"),
    "more projects than the limit": (_many_projects(501), "an import may have at most 500"),
    "more votes than the limit": (_many_voters(20_001), "an import may have at most 20,000"),
    "a huge min_length": (GOOD_PB.replace("rule;greedy", "rule;greedy\nmin_length;99999999999"), "META min_length"),
    "huge points": (CUMULATIVE_PB.replace("V2;p2;10", "V2;p2;99999999999"), "points must be from 0 to 1,000,000"),
    "huge max_sum_points": (CUMULATIVE_PB.replace("max_sum_points;10", "max_sum_points;99999999999"), "META max_sum"),
    "fractional points": (CUMULATIVE_PB.replace("6,4", "0.5,2.7"), "points must be whole numbers"),
    "fractional score points": (SCORING_PB.replace("6,4", "0.5,2.7"), "points must be whole numbers"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_import_is_refused_quickly_with_its_reason_and_writes_nothing(client, app, name: str) -> None:
    person = f.person("Cara Convenor")
    login(client, person.email)
    data, reason = HOSTILE[name]
    before = _rows()
    started = time.monotonic()
    response = _upload(client, data)
    took = time.monotonic() - started
    assert response.status_code == 400, (response.status_code, text_of(response)[:300])
    assert reason in text_of(response), text_of(response)[:600]
    assert took < 5, f"{name} took {took:.1f} s"
    assert _rows() == before


@pytest.mark.parametrize("data", [CUMULATIVE_PB, SCORING_PB, _many_projects(497), _many_voters(2_000)])
def test_whole_points_in_range_and_files_within_the_limits_still_import(client, app, data: str) -> None:
    person = f.person("Cara Convenor")
    login(client, person.email)
    response = _upload(client, data)
    assert response.status_code == 302, text_of(response)[:600]


def test_the_file_is_read_before_the_write_lock_is_taken(client, app, monkeypatch) -> None:
    """While the file is parsed, another person can write (on SQLite the whole database is one lock)."""
    person = f.person("Cara Convenor")
    other = f.person("Olu Other")
    login(client, person.email)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    writes = []
    real = services.read_pb

    def read_and_try_a_write(data):  # noqa: ANN001, ANN202
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(url.database, timeout=0.2)
            try:
                conn.execute("UPDATE people SET display_name = display_name WHERE id = ?", (other.id,))
                conn.commit()
            finally:
                conn.close()
        else:
            with db.engine.connect() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
                conn.execute(text("UPDATE people SET display_name = display_name WHERE id = :id"), {"id": other.id})
                conn.commit()
        writes.append(True)
        return real(data)

    monkeypatch.setattr(services, "read_pb", read_and_try_a_write)
    response = _upload(client, GOOD_PB)
    assert response.status_code == 302, text_of(response)[:600]
    assert writes == [True]
