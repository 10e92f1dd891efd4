"""A large .pb file is read and imported by the worker, never during the request, and never
while holding the database's write lock; its page says it is being imported, then shows the
table or the reason with its line (issue 16). A small file is still imported at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from grants.decisions import services
from grants.extensions import db
from grants.jobs import huey
from grants.models import Ballot, OutboxJob, PbImport, Round
from tests import factories as f
from tests.conftest import Client, login, make_app, text_of
from tests.decisions.test_pabulib_io import GOOD_PB, _upload
from tests.decisions.test_pb_import_limits import _many_voters

LARGE = 4096  # bytes: files above this go to the worker in these tests
BIG_PB = _many_voters(1_000)  # about 9 KB


@pytest.fixture
def queued_app(database_url, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """Jobs wait in a real (SQLite) huey queue until the test runs the worker's loop."""
    app = make_app(
        database_url,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        PB_IMPORT_INLINE_BYTES=LARGE,
    )
    app.test_client_class = Client
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(queued_app: Flask):  # noqa: ANN201
    return queued_app.test_client()


def _work_the_queue() -> int:
    """What `flask worker` does: take each queued task and run it. Returns how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _count(model) -> int:  # noqa: ANN001
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_large_file_is_imported_by_the_worker_and_its_page_says_how_it_went(client, queued_app) -> None:
    assert len(BIG_PB.encode()) > LARGE
    person = f.person("Cara Convenor")
    login(client, person.email)
    response = _upload(client, BIG_PB, title="Hebden by post")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert status_url.startswith("/manage/tables/import/")
    page = client.get(status_url)
    assert page.status_code == 200 and "Your file is being imported" in text_of(page)
    assert "Reload this page" in text_of(page)
    assert _count(Round) == 0  # nothing was read or written during the request

    assert _work_the_queue() >= 1
    page = client.get(status_url)
    assert "The file is imported" in text_of(page), text_of(page)[:500]
    rnd = db.session.execute(select(Round)).scalar_one()
    assert rnd.title == "Hebden by post"
    assert f'href="/manage/tables/{rnd.slug}"' in page.get_data(as_text=True)
    assert _count(Ballot) == 1_005
    row = db.session.execute(select(PbImport)).scalar_one()
    assert (row.state, row.round_id, row.data) == ("imported", rnd.id, None)  # the file is not kept
    assert db.session.execute(select(OutboxJob.kind).where(OutboxJob.key.like("pb-import-%"))).scalar_one() == (
        "decisions.import_pb"
    )

    # Only the person who sent it sees its page.
    other = f.person("Olu Other")
    login(client, other.email)
    assert client.get(status_url).status_code == 404


def test_a_small_file_is_still_imported_at_once(client, queued_app) -> None:
    person = f.person("Cara Convenor")
    login(client, person.email)
    response = _upload(client, GOOD_PB)
    assert response.status_code == 302
    rnd = db.session.execute(select(Round)).scalar_one()
    assert response.headers["Location"] == f"/manage/tables/{rnd.slug}"
    assert _count(PbImport) == 0
    assert _count(select(OutboxJob).where(OutboxJob.kind == "decisions.import_pb").subquery()) == 0


def test_a_large_file_that_is_wrong_shows_the_reason_with_its_line(client, queued_app) -> None:
    person = f.person("Cara Convenor")
    login(client, person.email)
    bad = BIG_PB.replace("p2;200;", "p2;1e1000000;")
    response = _upload(client, bad)
    status_url = response.headers["Location"]
    _work_the_queue()
    page = client.get(status_url)
    assert "The file was not imported" in text_of(page)
    assert "line 14: the cost of project p2" in text_of(page), text_of(page)[:600]
    assert _count(Round) == 0 and _count(Ballot) == 0
    assert db.session.execute(select(PbImport.state)).scalar_one() == "refused"


def test_a_large_file_with_warnings_lists_them(client, queued_app) -> None:
    person = f.person("Cara Convenor")
    login(client, person.email)
    response = _upload(client, BIG_PB.replace("num_votes;1005", "num_votes;7"))
    status_url = response.headers["Location"]
    _work_the_queue()
    page = client.get(status_url)
    assert "The file breaks its own rules" in text_of(page), text_of(page)[:600]
    assert "num_votes" in text_of(page)
    assert _count(Round) == 0


def test_while_the_worker_reads_the_file_nothing_is_locked_and_another_person_can_write(
    client, queued_app, monkeypatch
) -> None:
    """No transaction is open while the file is parsed, so another person's post is not kept waiting."""
    person = f.person("Cara Convenor")
    other = f.person("Olu Other")
    login(client, person.email)
    url = make_url(queued_app.config["SQLALCHEMY_DATABASE_URI"])
    seen = []
    real = services.read_pb

    def read_and_try_a_write(data):  # noqa: ANN001, ANN202
        seen.append(db.session().in_transaction())  # the worker's own session holds nothing
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(url.database, timeout=0.2)  # fails at once if the write lock is held
            try:
                conn.execute("UPDATE people SET display_name = 'Olu' WHERE id = ?", (other.id,))
                conn.commit()
            finally:
                conn.close()
        else:
            with db.engine.connect() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
                conn.execute(text("UPDATE people SET display_name = 'Olu' WHERE id = :id"), {"id": other.id})
                conn.commit()
        return real(data)

    monkeypatch.setattr(services, "read_pb", read_and_try_a_write)
    status_url = _upload(client, BIG_PB).headers["Location"]
    assert seen == []  # not read during the request
    _work_the_queue()
    assert seen == [False]
    assert "The file is imported" in text_of(client.get(status_url))
