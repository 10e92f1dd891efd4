"""The 360Giving files are made by the worker after a change, stored, and sent as stored.

Jobs wait in a real (SQLite) huey queue until a test runs the worker's loop, as in
tests/money/test_background_work.py, on each database the suite runs on.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update

from grants.core import transaction
from grants.extensions import db
from grants.jobs import huey
from grants.jobs.outbox import run_job
from grants.models import Group, OpenDataFile, OutboxJob
from grants.models._base import utcnow
from grants.money.payouts import record_payment
from grants.opendata import files, threesixty
from grants.opendata.services import REMAKE_JOB, SOURCE_TABLES, make_open_data_files, remake_after_change
from tests import factories
from tests.conftest import Client, make_app, text_of
from tests.money.conftest import Scenario, awarded_round
from tests.money.test_background_work import _work_the_queue
from tests.public.test_query_counts import counting

JSON = "/open-data/360giving.json"


@contextmanager
def _app(database_url: str, tmp_path, **settings) -> Iterator[Flask]:  # noqa: ANN001, ANN003
    app = make_app(
        database_url,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        OPEN_DATA_FOLDER=str(tmp_path / "open-data"),
        JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        **settings,
    )
    app.test_client_class = Client
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """Jobs wait in a real queue until the test works it; a remake may start at once."""
    with _app(database_url, tmp_path, OPEN_DATA_REMAKE_SECONDS=0) as app:
        yield app


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()


def _remakes(state: str | None = None) -> int:
    db.session.rollback()
    where = [OutboxJob.kind == REMAKE_JOB] + ([OutboxJob.state == state] if state else [])
    return db.session.execute(select(func.count()).select_from(OutboxJob).where(*where)).scalar_one()


def _awarded() -> Scenario:
    """A table with two awards; the worker has done everything it was given."""
    scenario = awarded_round(100_000, [30_000, 20_000])
    _work_the_queue()
    return scenario


def _pay(scenario: Scenario, pence: int, reference: str) -> None:
    record_payment(
        person=scenario.funder_person,
        award_id=scenario.awards[0].id,
        amount_pence=pence,
        paid_on=date.today(),
        bank_reference=reference,
    )


def _disbursed(client: Client) -> list:
    grant = client.get(JSON).get_json()["grants"][0]
    return [t["value"] for t in grant.get("disbursementTransaction", [])]


def test_a_payment_queues_one_remake_and_after_the_worker_the_file_shows_it(client):
    scenario = _awarded()
    assert _remakes() >= 1 and _remakes("pending") == 0  # the awards' own remake has run
    before = client.get(JSON)
    assert before.status_code == 200 and _disbursed(client) == []

    _pay(scenario, 12_345, "PAY-1")
    assert _remakes("pending") == 1
    assert _disbursed(client) == []  # until the worker remakes it, the stored file is sent
    assert _work_the_queue() >= 1
    assert _remakes("pending") == 0 and _remakes("failed") == 0
    after = client.get(JSON)
    assert _disbursed(client) == [123.45]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert len(db.session.execute(select(OpenDataFile)).scalars().all()) == len(files.FILES)


def test_a_ballot_queues_no_remake(client):
    from grants.ballots.services import cast_ballot

    convenor, lead, voter = factories.person(), factories.person(), factories.person()
    rnd = factories.open_round(convenor, title="Table while voting")
    factories.funded(rnd.id, 10_000)
    bid = factories.proposal(lead, rnd.id, factories.group(lead), 5_000)
    factories.seat(convenor, rnd.id, voter)
    factories.to_voting(convenor, rnd.id)
    _work_the_queue()
    jobs_before = _remakes()
    cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[bid.id])
    assert _remakes() == jobs_before and _remakes("pending") == 0


def test_a_hundred_changes_in_a_row_are_one_remake(client):
    scenario = _awarded()
    jobs_before = _remakes()
    for n in range(100):
        _pay(scenario, 100, f"PAY-{n}")
    assert _remakes() == jobs_before + 1 and _remakes("pending") == 1
    assert _work_the_queue() >= 1
    assert _remakes("pending") == 0 and _remakes("done") == jobs_before + 1
    assert _disbursed(client) == [1] * 100


def test_the_remake_waits_a_few_seconds_for_the_rest_of_a_burst(database_url, tmp_path):  # noqa: ANN001
    with _app(database_url, tmp_path, OPEN_DATA_REMAKE_SECONDS=10):
        factories.open_round(factories.person(), title="A table")  # writes `rounds`
        _work_the_queue()
        job = db.session.execute(select(OutboxJob).where(OutboxJob.kind == REMAKE_JOB)).scalar_one()
        assert job.state == "pending"
        assert 8 < (job.next_attempt_at - utcnow()).total_seconds() <= 10
        assert huey.scheduled_count() == 1  # the worker's scheduler hands it on when the time comes
        assert run_job(job.id) == ("not_due", None)
        [task] = huey.read_schedule((utcnow() + timedelta(seconds=11)).replace(tzinfo=None))
        assert task.args == (job.id,)


def test_gzip_is_sent_only_to_clients_that_accept_it(client):
    _awarded()
    plain = client.get(JSON)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    package = json.loads(plain.data)
    assert package["grants"]
    for header in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*"):
        zipped = client.get(JSON, headers={"Accept-Encoding": header})
        assert zipped.headers["Content-Encoding"] == "gzip", header
        assert gzip.decompress(zipped.data) == plain.data
        assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
        assert zipped.headers["ETag"] != plain.headers["ETag"]
    for header in ("br", "identity", "gzip;q=0", "deflate"):
        refused = client.get(JSON, headers={"Accept-Encoding": header})
        assert "Content-Encoding" not in refused.headers and refused.data == plain.data, header
    for response in (plain, zipped):
        assert response.mimetype == "application/json"
        assert "Accept-Encoding" in response.vary
        assert response.headers["Content-Disposition"] == 'attachment; filename="our-tables-360giving.json"'
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "no-cache"  # kept, but asked about again each time
    sheet = client.get("/open-data/360giving.csv")
    assert sheet.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert sheet.headers["Content-Disposition"] == 'attachment; filename="our-tables-360giving-grants.csv"'


def test_a_client_with_this_version_gets_304_and_with_an_older_one_the_file(client):
    scenario = _awarded()
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        first = client.get(JSON, headers=headers)
        etag = first.headers["ETag"]
        again = client.get(JSON, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag and "Accept-Encoding" in again.vary
        assert "Content-Encoding" not in again.headers
    plain_etag = client.get(JSON).headers["ETag"]
    # The other encoding's version is another file.
    assert client.get(JSON, headers={"Accept-Encoding": "gzip", "If-None-Match": plain_etag}).status_code == 200
    _pay(scenario, 500, "PAY-NEW")
    _work_the_queue()
    newer = client.get(JSON, headers={"If-None-Match": plain_etag})
    assert newer.status_code == 200 and newer.headers["ETag"] != plain_etag


def test_the_first_download_on_a_new_site_makes_the_files(database_url, tmp_path):  # noqa: ANN001
    with _app(database_url, tmp_path, OPEN_DATA_REMAKE_SECONDS=3600) as app:  # the worker is far off
        awarded_round(100_000, [30_000])
        assert db.session.execute(select(OpenDataFile)).first() is None
        client = app.test_client()
        assert "Made when first downloaded" in text_of(client.get("/open-data/"))
        response = client.get("/open-data/360giving-disbursements.csv")
        assert response.status_code == 200 and response.data.startswith(b"Grant Identifier,")
        stored = db.session.execute(select(OpenDataFile.name)).scalars().all()
        assert sorted(stored) == sorted(files.FILES)
        assert len(client.get(JSON).get_json()["grants"]) == 1


def test_the_stored_files_are_what_threesixty_makes_now(client, app):
    scenario = _awarded()
    _pay(scenario, 1_000, "PAY-A")
    made_at = make_open_data_files()
    stored = {f.name: f for f in db.session.execute(select(OpenDataFile)).scalars()}
    assert {f.made_at for f in stored.values()} == {made_at}
    with app.test_request_context("/", base_url=app.config["SITE_URL"]):
        fresh = json.dumps(threesixty.package(), ensure_ascii=False, indent=1).encode()
        header, rows = threesixty.transaction_rows(threesixty.grants())
    assert stored["360giving.json"].body == fresh
    assert gzip.decompress(stored["360giving.json"].body_gzip) == fresh
    assert client.get(JSON).data == fresh
    assert client.get(JSON, headers={"Accept-Encoding": "gzip"}).data == stored["360giving.json"].body_gzip
    payments = stored["360giving-disbursements.csv"].body.decode().splitlines()
    assert payments[0] == ",".join(header) and len(payments) == 1 + len(rows) == 2
    for name, row in stored.items():
        assert client.get(f"/open-data/{name}").data == row.body, name


def test_a_download_reads_one_small_row(client):
    _awarded()
    client.get(JSON)  # this server's copy is written the first time
    with counting() as seen:
        assert client.get(JSON).status_code == 200
    queries = [s for s in seen if s not in ("BEGIN",)]
    assert len(queries) == 1 and "open_data_files.etag" in queries[0] and "body" not in queries[0]


def test_an_older_reading_never_replaces_a_newer_file(app):
    newer, older = utcnow(), utcnow() - timedelta(seconds=5)
    with transaction():
        files.store({"360giving.json": b"newer"}, newer)
    with transaction():
        files.store({"360giving.json": b"older"}, older)
    db.session.rollback()
    row = db.session.execute(select(OpenDataFile)).scalar_one()
    assert (row.body, row.made_at) == (b"newer", newer)


def test_old_copies_on_disk_are_tidied_once_no_request_can_still_be_opening_them(client, app, tmp_path):
    scenario = _awarded()
    client.get(JSON)
    folder = tmp_path / "open-data"
    [first] = folder.glob("360giving-*.json")
    _pay(scenario, 700, "PAY-B")
    _work_the_queue()
    client.get(JSON)
    assert first.exists()  # a request may have just looked it up
    past = time.time() - files.KEEP_OLD_COPIES_SECONDS - 1
    os.utime(first, (past, past))
    _pay(scenario, 800, "PAY-C")
    _work_the_queue()
    client.get(JSON)
    assert not first.exists()
    assert len(list(folder.glob("360giving-*.json"))) == 2
    assert not list(folder.glob(".making-*"))


def test_the_files_are_made_from_exactly_the_source_tables(app):
    """SOURCE_TABLES is every table the files are read from, so no change to them is missed."""
    _awarded()
    names = {t.name for t in db.metadata.sorted_tables}
    read: set[str] = set()

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        read.update(n for n in names if re.search(rf"\b{n}\b", statement))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        files.make_bodies()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert read == SOURCE_TABLES


def test_a_change_committing_while_its_remake_waits_is_in_the_file(app, client):
    """A remake the change joined cannot start until the change has committed (PostgreSQL: the
    share lock on the job; SQLite: the write lock), so the worker always reads it."""
    scenario = _awarded()
    client.get(JSON)
    _pay(scenario, 100, "PAY-W")  # a remake is waiting
    job_id = db.session.execute(
        select(OutboxJob.id).where(OutboxJob.kind == REMAKE_JOB, OutboxJob.state == "pending")
    ).scalar_one()
    db.session.rollback()
    group_id = scenario.groups[0].id
    joined, release = threading.Event(), threading.Event()
    moments: dict[str, float] = {}

    def change() -> None:
        with app.app_context():
            with transaction() as session:
                session.execute(update(Group).where(Group.id == group_id).values(name="Renamed While Waiting"))
                session.flush()
                remake_after_change(session, frozenset({"groups"}))  # joins the waiting remake
                joined.set()
                release.wait(10)
                moments["committed"] = time.monotonic()
            db.session.remove()

    def worker() -> None:
        with app.app_context():
            moments["outcome"] = run_job(job_id)
            moments["ran"] = time.monotonic()
            db.session.remove()

    changing = threading.Thread(target=change)
    changing.start()
    assert joined.wait(10)
    working = threading.Thread(target=worker)
    working.start()
    time.sleep(0.5)
    assert "ran" not in moments  # the worker waits for the change
    release.set()
    changing.join(10)
    working.join(30)
    assert moments["outcome"] == ("done", None) and moments["ran"] > moments["committed"]
    assert _remakes("pending") == 0  # the change joined the remake: no other was recorded
    names = [g["recipientOrganization"][0]["name"] for g in client.get(JSON).get_json()["grants"]]
    assert "Renamed While Waiting" in names


def test_the_open_data_page_says_when_the_files_were_made(client):
    _awarded()
    made_at = make_open_data_files()
    page = text_of(client.get("/open-data/"))
    said = f"Made at {made_at:%H:%M} UTC on {made_at.day} {made_at:%B %Y}; remade within a minute of any change."
    assert said in page


def test_the_command_remakes_the_files_at_once(app, client):
    scenario = _awarded()
    client.get(JSON)
    before = db.session.execute(select(OpenDataFile.made_at).where(OpenDataFile.name == "360giving.json")).scalar()
    _pay(scenario, 250, "PAY-CLI")
    result = app.test_cli_runner().invoke(args=["open-data", "rebuild"])
    assert result.exit_code == 0 and "Made the 360Giving files from the data as at" in result.output
    db.session.rollback()
    after = db.session.execute(select(OpenDataFile.made_at).where(OpenDataFile.name == "360giving.json")).scalar()
    assert after > before
    assert _disbursed(client) == [2.5]
