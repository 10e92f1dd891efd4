"""The secret ballot holds in storage, not only in live rows (issue 15).

These tests look where someone holding the database's files would: on PostgreSQL every
tuple, live or dead, in every table's pages (pageinspect) and every WAL record (pg_walinspect,
with the record's raw bytes read from pg_wal); on SQLite every frame of the -wal file. A
transaction that wrote something naming a person's part in the vote (their participation row,
their used voting code, their reflection response, a paper batch naming its voters) must have
written nothing that shows what they chose: no receipt, no marks, no comment, no answer.

Everything a person does goes through the web with CSRF on, as in tests/e2e.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from grants.ballots import sealing
from grants.extensions import db
from grants.models import BallotType, CountingRule, CountKey, Participation, SealedEnvelope, VotingCode
from tests import factories as f
from tests.ballots.test_community_vote import vote_with_code
from tests.ballots.test_decision_ballots import as_person, build, close, vote
from tests.conftest import post_form, text_of

PAGE = 8192


@pytest.fixture(autouse=True)
def _wal_kept(app) -> Iterator[None]:  # noqa: ANN001
    """On PostgreSQL, every WAL segment written from the test's start is kept until it ends.

    The server removes a segment once a checkpoint no longer needs it, and the suite's other
    worker writes plenty of WAL (every database it copies): a test once read a record whose
    segment had just been removed ("requested WAL segment ... has already been removed"). A
    temporary replication slot, held on a connection of its own, keeps every segment from its
    creation on, and goes when that connection closes."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    holder = create_engine(db.engine.url)
    try:
        with holder.connect() as conn:
            conn.execute(
                text("SELECT pg_create_physical_replication_slot(:name, true, true)"),
                {"name": f"ot_wal_kept_{uuid.uuid4().hex[:12]}"},
            )
            conn.commit()
            yield
    finally:
        holder.dispose()


# Looking where an attacker with the files would ------------------------------------------------


def _pg_linked(xids: set[str], needles: list[bytes], since_lsn: str) -> list[str]:
    """Tuples (live or dead, any table) and WAL records written by `xids` that hold a needle."""
    found = []
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_walinspect"))
    tables = db.session.execute(
        text("SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = 'public' AND c.relkind = 'r'")
    ).all()  # fmt: skip
    for name, size in tables:
        for page in range(size // PAGE):
            rows = db.session.execute(
                text("SELECT t_xmin::text, t_xmax::text, t_data FROM heap_page_items(get_raw_page(:t, :p))"),
                {"t": name, "p": page},
            ).all()
            for xmin, xmax, data in rows:
                if data is not None and (xmin in xids or xmax in xids):
                    found += [f"{name} page {page}: {n!r}" for n in needles if n in bytes(data)]
    records = db.session.execute(
        text(
            "SELECT start_lsn::text, (end_lsn - start_lsn)::bigint, xid::text, f.file_name, f.file_offset "
            "FROM pg_get_wal_records_info(CAST(:a AS pg_lsn), pg_current_wal_flush_lsn()) r, "
            "LATERAL pg_walfile_name_offset(r.start_lsn) f"
        ),
        {"a": since_lsn},
    ).all()
    assert records, "no WAL read"
    for lsn, length, xid, file_name, offset in records:
        if xid not in xids or offset + length > 16 * 1024 * 1024:
            continue
        raw = bytes(
            db.session.execute(
                text("SELECT pg_read_binary_file('pg_wal/' || :f, :o, :n)"), {"f": file_name, "o": offset, "n": length}
            ).scalar_one()
        )
        # Drop the WAL page headers a record may span, so no needle is split by one.
        body, pos = b"", 0
        while pos < len(raw):
            boundary = PAGE - (offset + pos) % PAGE
            body += raw[pos : pos + boundary]
            pos += boundary + 24
        found += [f"WAL record {lsn}: {n!r}" for n in needles if n in body]
    db.session.rollback()
    return found


def _sqlite_linked(tables: list[str], needles: list[bytes]) -> list[str]:
    """Frames of the -wal file, grouped by commit, where a commit that wrote `tables` holds a needle."""
    path = Path(db.engine.url.database)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        marks = ",".join("?" * len(tables))
        roots = {r for (r,) in conn.execute(f"SELECT rootpage FROM sqlite_master WHERE tbl_name IN ({marks})", tables)}
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    wal = Path(f"{path}-wal").read_bytes()
    assert len(wal) > 32, "the -wal file is empty"
    found, group, pos = [], [], 32
    while pos + 24 + page_size <= len(wal):
        page_no = int.from_bytes(wal[pos : pos + 4], "big")
        commit = int.from_bytes(wal[pos + 4 : pos + 8], "big")
        group.append((page_no, wal[pos + 24 : pos + 24 + page_size]))
        pos += 24 + page_size
        if commit:
            if roots & {p for p, _ in group}:
                for page_no, data in group:
                    found += [f"frame of page {page_no}: {n!r}" for n in needles if n in data]
            group = []
    return found


def _linked(needles: list[str], since_lsn: str | None, *, sqlite_tables: list[str], xids_sql: str) -> list[str]:
    encoded = [n.encode() for n in needles]
    if db.engine.dialect.name == "postgresql":
        xids = set(db.session.execute(text(xids_sql)).scalars())
        assert xids
        return _pg_linked(xids, encoded, since_lsn or "0/0")
    return _sqlite_linked(sqlite_tables, encoded)


def _lsn() -> str | None:
    if db.engine.dialect.name != "postgresql":
        return None
    lsn = db.session.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
    db.session.rollback()
    return lsn


def _marks(proposal_ids: list[int]) -> list[str]:
    # How a ballot's marks read when stored as JSON text: {"12": 3, ...}.
    return [f'{{"{pid}": ' for pid in proposal_ids] + [f', "{pid}": ' for pid in proposal_ids]


# The tests -------------------------------------------------------------------------------------------


def test_a_score_ballot_is_never_stored_beside_its_voter(client, app):
    convenor, rnd, proposals, members = build(
        6,
        ballot_type=BallotType.SCORE,
        counting_rule=CountingRule.SCORE_AVERAGE,
        score_max=4,
        score_criteria=["Need", "Value"],
    )
    f.to_voting(convenor, rnd.id)
    since = _lsn()
    receipts, comments = [], []
    for i, member in enumerate(members):
        data = {}
        for p in proposals:
            for ci in (0, 1):
                comment = f"Secret-comment-{i}-{p.id}-{ci}"
                comments.append(comment)
                data[f"score-{p.id}-{ci}"], data[f"comment-{p.id}-{ci}"] = str((i + ci) % 5), comment
        receipts.append(vote(client, member, rnd.slug, data))
    assert "proposals funded" in close(client, convenor, rnd.slug)
    ballot_file = client.get(f"/tables/{rnd.slug}/decision.pb").get_data(as_text=True)
    assert all(r in ballot_file for r in receipts)  # every ballot counted, each voter finds theirs
    found = _linked(
        receipts + comments + _marks([p.id for p in proposals]),
        since,
        sqlite_tables=["participations"],
        xids_sql=f"SELECT xmin::text FROM participations WHERE round_id = {rnd.id}",
    )
    assert found == []
    # The key that could open the envelopes is gone, and so are they.
    keys = db.session.execute(select(CountKey).where(CountKey.round_id == rnd.id)).scalars().all()
    assert keys and all(k.destroyed_at is not None for k in keys)
    assert not list(Path(app.config["COUNT_KEY_FOLDER"]).glob(f"round-{rnd.id}-*"))
    assert db.session.execute(select(SealedEnvelope.id)).first() is None


def test_paper_ballots_and_voting_codes_are_never_stored_beside_who_used_them(client, app):
    from grants.ballots import codes
    from grants.models import Electorate

    # Paper: a batch names its voters, so it must never hold their marks in the clear.
    convenor, rnd, proposals, members = build(4)
    f.to_voting(convenor, rnd.id)
    since = _lsn()
    as_person(client, convenor)
    page = f"/vote/{rnd.slug}/paper"
    lines = "1, 3\n2\n3, 1"
    voters = [str(m.id) for m in members[:3]]
    saved = post_form(client, f"{page}/save", {"voter": voters, "ballots": lines}, page=page)
    assert saved.status_code == 302, text_of(saved)
    paper_marks = _marks([p.id for p in proposals])
    found = _linked(
        paper_marks,
        since,
        sqlite_tables=["participations", "paper_batches"],
        xids_sql=f"SELECT xmin::text FROM participations WHERE round_id = {rnd.id}",
    )
    assert found == []

    # Voting codes: the used code's row is rewritten in the ballot's own transaction.
    convenor2, crnd, cprops, _ = build(1, electorate=Electorate.COMMUNITY, community_name="Hyde Park",
                                       quorum_min_ballots=1)  # fmt: skip
    f.to_voting(convenor2, crnd.id)
    issued = codes.print_codes(person=convenor2, round_id=crnd.id, how_many=3)
    since = _lsn()
    receipts = [
        vote_with_code(client, crnd.slug, code, {"proposal": str(p.id)}) for code, p in zip(issued, cprops, strict=True)
    ]
    assert db.session.execute(select(VotingCode.id).where(VotingCode.used.is_(True))).all()
    found = _linked(
        receipts + _marks([p.id for p in cprops]),
        since,
        sqlite_tables=["voting_codes"],
        xids_sql=f"SELECT xmin::text FROM voting_codes WHERE round_id = {crnd.id} AND used",
    )
    assert found == []


def test_reflections_are_never_stored_beside_who_answered(client, app):
    from tests.panels.care_world import as_person as care_as
    from tests.panels.test_care_feedback import _decided

    w = _decided(client)
    slug = w.rnd.slug
    since = _lsn()
    people = [w.members[0], w.members[1], w.lead, w.other_lead]
    answers = []
    for n, person in enumerate(people):
        care_as(client, person)
        answer = f"Secret-reflection-{n}"
        answers.append(answer)
        response = post_form(client, f"/panel/{slug}/reflect",
                             {"what_worked": answer, "what_did_not": f"Secret-not-{n}", "felt": "3", "power": "4"},
                             page=f"/panel/{slug}/reflect")  # fmt: skip
        assert response.status_code == 302, text_of(response)
    found = _linked(
        answers + [f"Secret-not-{n}" for n in range(len(people))],
        since,
        sqlite_tables=["reflection_responses"],
        xids_sql=f"SELECT xmin::text FROM reflection_responses WHERE round_id = {w.rnd.id}",
    )
    assert found == []


def test_a_ballot_key_lost_before_the_close_is_said_plainly_and_nothing_changes(client, app):
    convenor, rnd, proposals, members = build(1)
    f.to_voting(convenor, rnd.id)
    vote(client, members[0], rnd.slug, {"proposal": str(proposals[0].id)})
    for path in Path(app.config["COUNT_KEY_FOLDER"]).glob(f"round-{rnd.id}-*"):
        path.unlink()
    message = close(client, convenor, rnd.slug)
    assert "not in the key folder" in message
    assert db.session.execute(select(SealedEnvelope.id)).first() is not None
    assert db.session.execute(select(Participation.id)).first() is not None
    assert sealing.current_key(rnd.id, sealing.BALLOTS) is not None


@pytest.mark.parametrize("n", [3])
def test_a_sealed_envelope_says_nothing_by_its_length(app, n):
    public = CountKey  # noqa: F841 - the model is imported for the table; the check is on bytes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = X25519PrivateKey.generate()
    pub = key.public_key().public_bytes_raw()
    short = sealing.seal_bytes(pub, b'{"marks":{"1":1}}')
    long = sealing.seal_bytes(pub, b'{"marks":{' + b",".join(b'"%d":1' % i for i in range(n * 20)) + b"}}")
    assert len(short) == len(long)
    assert sealing.open_bytes(key, short) == b'{"marks":{"1":1}}'


def test_an_extension_opens_the_ballots_so_far_and_seals_the_rest_to_a_new_key(client, app):
    from grants.models import Ballot, QuorumPolicy

    convenor, rnd, proposals, members = build(
        3, quorum_min_ballots=3, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=3
    )
    f.to_voting(convenor, rnd.id)
    first_key = sealing.current_key(rnd.id, sealing.BALLOTS).id
    receipts = [vote(client, members[0], rnd.slug, {"proposal": str(proposals[0].id)})]
    assert "Quorum was not met" in close(client, convenor, rnd.slug)
    db.session.expire_all()
    assert db.session.get(CountKey, first_key).destroyed_at is not None
    second = sealing.current_key(rnd.id, sealing.BALLOTS)
    assert second is not None and second.id != first_key
    assert db.session.execute(select(Ballot.receipt)).scalars().all() == receipts
    receipts += [vote(client, m, rnd.slug, {"proposal": str(proposals[1].id)}) for m in members[1:]]
    assert "proposals funded" in close(client, convenor, rnd.slug)
    assert sorted(db.session.execute(select(Ballot.receipt)).scalars()) == sorted(receipts)
    assert sealing.current_key(rnd.id, sealing.BALLOTS) is None
    assert not list(Path(app.config["COUNT_KEY_FOLDER"]).glob(f"round-{rnd.id}-*"))


def test_the_wal_a_test_reads_outlives_a_checkpoint(app):
    """What `_wal_kept` is for: the segment a test started in is still there to read after the
    server has moved on several segments and checkpointed (without the slot it is removed)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's -wal file is the test's own")
    first = db.session.execute(text("SELECT pg_walfile_name(pg_current_wal_insert_lsn())")).scalar_one()
    db.session.commit()
    mover = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with mover.connect() as conn:
            for _ in range(12):
                conn.execute(text("SELECT pg_logical_emit_message(false, 'our-tables', 'a record to switch past')"))
                conn.execute(text("SELECT pg_switch_wal()"))
            conn.execute(text("CHECKPOINT"))
    finally:
        mover.dispose()  # its connection closed now, not left for the garbage collector to find in a later test
    size = db.session.execute(text("SELECT size FROM pg_stat_file('pg_wal/' || :f)"), {"f": first}).scalar_one()
    assert size == 16 * 1024 * 1024
