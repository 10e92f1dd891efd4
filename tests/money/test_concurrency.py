"""Nothing is paid beyond what is there, even when many people press "pay" at once.

40 real threads, each with its own app context and database session, try to pay one
part of an award whose committed balance covers exactly 10 of them. Exactly 10 succeed
and the ledger shows exactly that, on SQLite (file database, write lock) and PostgreSQL
(row locks). Repeated 20 times, since a race that loses only sometimes is still a race.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from grants.core import DomainError
from grants.extensions import db
from grants.models import Person, Tranche, TrancheStatus
from grants.money import ledger
from grants.money.payouts import release_tranche
from grants.money.services import OverBudget, record_payment
from tests.money.conftest import awarded_round

THREADS = 40
PART = 1_000  # £10
COVERED = 10


def _race(app, work) -> tuple[int, int, list[BaseException]]:  # noqa: ANN001
    """Run `work()` in THREADS threads released together; count successes and refusals."""
    barrier = threading.Barrier(THREADS)
    ok, refused, errors = [], [], []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                work()
                ok.append(1)
            except OverBudget:
                refused.append(1)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return len(ok), len(refused), errors


@pytest.mark.parametrize("repeat", range(20))
def test_forty_payments_against_ten_pay_exactly_ten(app, repeat: int) -> None:
    s = awarded_round(COVERED * PART, [COVERED * PART])
    award_id, payer_id = s.awards[0].id, s.funder_person.id
    db.session.commit()

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
    money = ledger.round_summary(s.rnd.id)
    assert money.paid_pence == COVERED * PART
    assert money.committed_pence == 0
    assert money.available_pence == 0
    assert db.session.query(Tranche).filter_by(status=TrancheStatus.PAID).count() == COVERED


@pytest.mark.parametrize("repeat", range(3))
def test_forty_releases_reserve_exactly_ten(app, repeat: int) -> None:
    """Releases (scheduled bank transfers) reserve the award too: no more than it covers."""
    s = awarded_round(COVERED * PART, [COVERED * PART])
    award_id, payer_id = s.awards[0].id, s.funder_person.id
    db.session.commit()

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
