"""Nothing is paid beyond what is there, even when many people press "pay" at once.

40 real threads, each with its own app context and database session, try to pay one
part of an award whose committed balance covers exactly 10 of them. Exactly 10 succeed
and the ledger shows exactly that, on SQLite (file database, write lock) and PostgreSQL
(row locks). Repeated 20 times on each, since a race that loses only sometimes is still a race.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from grants.core import DomainError
from grants.extensions import db
from grants.ledger import books
from grants.ledger.books import OverBudget
from grants.models import Person, Tranche, TrancheStatus
from grants.money.payouts import record_payment, release_tranche
from tests.money.conftest import awarded_round
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

THREADS = 40
PART = 1_000  # £10
COVERED = 10
REPEATS = 20  # per backend
CONNECTIONS = {"sqlite": 10, "postgresql": THREADS}  # on PostgreSQL every payer has its own
Ids = tuple[int, int, int]  # a round, its award, and who pays


@pytest.fixture
def award(app) -> Ids:  # noqa: ANN001, F811
    """A fresh round whose one award has exactly COVERED parts committed: (round, award, payer) ids."""
    s = awarded_round(COVERED * PART, [COVERED * PART])
    ids = s.rnd.id, s.awards[0].id, s.funder_person.id
    db.session.commit()  # and the racers find every connection free
    return ids


def _race(app, work) -> tuple[int, int, list[object]]:  # noqa: ANN001, F811
    """Run `work()` in THREADS threads released together; count successes and refusals."""
    results = run_together(app, [work] * THREADS)
    refused = [r for r in results if isinstance(r, OverBudget)]
    errors = [r for r in results if r is not None and not isinstance(r, OverBudget)]
    return results.count(None), len(refused), errors


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_forty_payments_against_ten_pay_exactly_ten(app, award: Ids, repeat: int) -> None:  # noqa: ANN001, F811
    round_id, award_id, payer_id = award

    def pay() -> None:
        record_payment(
            person=db.session.get(Person, payer_id),
            award_id=award_id,
            amount_pence=PART,
            paid_on=date.today(),
            bank_reference=f"BANK-{threading.get_ident()}",
        )

    ok, refused, errors = _race(app, pay)
    assert errors == []
    assert (ok, refused) == (COVERED, THREADS - COVERED)
    money = books.round_summary(round_id)
    assert money.paid_pence == COVERED * PART
    assert money.committed_pence == 0
    assert money.available_pence == 0
    assert db.session.query(Tranche).filter_by(award_id=award_id, status=TrancheStatus.PAID).count() == COVERED


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_forty_releases_reserve_exactly_ten(app, award: Ids, repeat: int) -> None:  # noqa: ANN001, F811
    """Releases (scheduled bank transfers) reserve the award too: no more than it covers."""
    _round_id, award_id, payer_id = award

    def release() -> None:
        release_tranche(person=db.session.get(Person, payer_id), award_id=award_id, amount_pence=PART)

    ok, refused, errors = _race(app, release)
    assert errors == []
    assert (ok, refused) == (COVERED, THREADS - COVERED)
    tranches = db.session.query(Tranche).filter_by(award_id=award_id).all()
    assert sum(t.amount_pence for t in tranches) == COVERED * PART
    assert sorted(t.number for t in tranches) == list(range(1, COVERED + 1))
    with pytest.raises(DomainError):
        release_tranche(person=db.session.get(Person, payer_id), award_id=award_id, amount_pence=1)
