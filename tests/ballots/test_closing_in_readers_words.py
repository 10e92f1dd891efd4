"""The convenor who closes a vote is told what happened in their own language (issue 19): the
record keeps its English, an English reader sees it as recorded, a Welsh reader in Welsh."""

from __future__ import annotations

from sqlalchemy import select, update

from grants.core import transaction
from grants.extensions import db
from grants.models import Person, QuorumPolicy, Result
from tests import factories as f
from tests.ballots.test_decision_ballots import close
from tests.ballots.test_receipts_choice import _cast


def _reads_welsh(person: Person) -> None:
    with transaction():
        db.session.execute(update(Person).where(Person.id == person.id).values(language="cy"))


def test_a_welsh_convenor_is_told_the_result_in_welsh(client, app):
    convenor, rnd, (a, b, c), members = f.voting_table(3, quorum_min_ballots=3)
    for m in members:
        _cast(client, m, rnd.slug, a.id)
    _reads_welsh(convenor)
    told = close(client, convenor, rnd.slug)
    assert "ariannwyd 1 o 3 chynnig" in told and "proposals funded" not in told
    assert "proposals funded" in db.session.execute(select(Result)).scalar_one().summary  # the record: English


def test_an_english_convenor_reads_the_record_as_it_was_written(client, app):
    convenor, rnd, (a, b, c), members = f.voting_table(3, quorum_min_ballots=3)
    for m in members:
        _cast(client, m, rnd.slug, a.id)
    told = close(client, convenor, rnd.slug)
    assert db.session.execute(select(Result)).scalar_one().summary in told


def test_a_welsh_convenor_is_told_in_welsh_why_voting_was_extended(client, app):
    convenor, rnd, _proposals, members = f.voting_table(
        3, quorum_min_ballots=3, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=3
    )
    _cast(client, members[0], rnd.slug, _proposals[0].id)
    _reads_welsh(convenor)
    told = close(client, convenor, rnd.slug)
    # One ballot goes through the one suppression rule, in Welsh too.
    assert "ballots were cast" not in told and "bwriwyd llai na 5 pleidlais" in told, told
