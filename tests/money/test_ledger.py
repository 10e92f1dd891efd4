"""The ledger's rules: integer pence, groups that sum to zero, figures from sums."""

from __future__ import annotations

from datetime import date

import pytest

from grants.core import DomainError, NotAllowed, transaction
from grants.ledger import books
from grants.models import AccountKind, EntryKind
from grants.money.payouts import record_payment
from grants.money.services import pledge, record_bank_transfer
from tests import factories


def test_post_refuses_unbalanced_fractional_or_empty_groups(app):
    rnd = factories.open_round(factories.person())
    with transaction():
        a = books.account(AccountKind.ROUND_AVAILABLE, round_id=rnd.id)
        b = books.account(AccountKind.ROUND_FEES, round_id=rnd.id)
    for lines, message in (
        ([(a, 100), (b, -99)], "sum to zero"),
        ([(a, 1.5), (b, -1.5)], "whole pence"),
        ([(a, 0)], "Nothing to record"),
    ):
        with pytest.raises(books.LedgerError, match=message):
            with transaction():
                books.post(EntryKind.FEE, "x", lines, occurred_on=date.today())


def test_money_in_and_out_keeps_the_figures_consistent(app):
    convenor = factories.person()
    rnd = factories.open_round(convenor)
    funder, _ = factories.funded(rnd.id, 500_000)
    summary = books.round_summary(rnd.id)
    assert (summary.received_pence, summary.available_pence) == (500_000, 500_000)
    assert books.funder_summary(funder.id) == {rnd.id: 500_000}


def test_only_the_funder_records_its_money(app):
    rnd = factories.open_round(factories.person())
    funder, funder_person = factories.funded(rnd.id, 100_000)
    item = pledge(person=funder_person, funder_id=funder.id, round_id=rnd.id, amount_pence=50_000)
    with pytest.raises(NotAllowed):
        record_bank_transfer(
            person=factories.person(), pledge_id=item.id, amount_pence=50_000, received_on=date.today(), reference="X"
        )
    with pytest.raises(DomainError, match="more than £0"):
        record_bank_transfer(
            person=funder_person, pledge_id=item.id, amount_pence=0, received_on=date.today(), reference="X"
        )


def test_payments_respect_separation_of_duties_and_the_award(app):
    from grants.ballots.closing import close_voting
    from grants.ballots.services import cast_ballot
    from grants.models import Award, RoundStaff, StaffRole

    convenor, lead, voter, treasurer = (factories.person() for _ in range(4))
    rnd = factories.open_round(convenor)
    funder, funder_person = factories.funded(rnd.id, 300_000)
    p = factories.proposal(lead, rnd.id, factories.group(lead), 200_000)
    factories.seat(convenor, rnd.id, voter)
    factories.to_voting(convenor, rnd.id)
    cast_ballot(person=voter, round_id=rnd.id, chosen_ids=[p.id])
    close_voting(person=convenor, round_id=rnd.id)
    award = app.extensions["sqlalchemy"].session.execute(app.extensions["sqlalchemy"].select(Award)).scalar_one()
    for decider in (convenor, voter):
        with pytest.raises(NotAllowed):
            record_payment(person=decider, award_id=award.id, amount_pence=1, paid_on=date.today(), bank_reference="R")
    factories.join_staff(convenor, rnd.id, treasurer, StaffRole.TREASURER)
    assert RoundStaff
    record_payment(person=treasurer, award_id=award.id, amount_pence=150_000, paid_on=date.today(), bank_reference="R1")
    with pytest.raises(DomainError, match="still to be paid"):
        record_payment(
            person=funder_person, award_id=award.id, amount_pence=50_001, paid_on=date.today(), bank_reference="R2"
        )
    record_payment(
        person=funder_person, award_id=award.id, amount_pence=50_000, paid_on=date.today(), bank_reference="R2"
    )
    summary = books.round_summary(rnd.id)
    assert (summary.received_pence, summary.committed_pence, summary.paid_pence, summary.available_pence) == (
        300_000,
        0,
        200_000,
        100_000,
    )
    assert rnd.status.value == "reporting"


def _pot_and_fees():  # noqa: ANN202
    rnd = factories.open_round(factories.person())
    with transaction():
        return (
            rnd,
            books.account(AccountKind.ROUND_AVAILABLE, round_id=rnd.id),
            books.account(AccountKind.ROUND_FEES, round_id=rnd.id),
        )


def test_running_balances_follow_every_posting_by_account_and_kind(app):
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Balance

    rnd, pot, fees = _pot_and_fees()
    with transaction():
        books.post(EntryKind.FEE, "fee", [(pot, -30), (fees, 30)], occurred_on=date.today())
        books.post(EntryKind.FEE, "fee", [(pot, -12), (fees, 12)], occurred_on=date.today())
        books.post(EntryKind.REVERSAL, "back", [(pot, 12), (fees, -12)], occurred_on=date.today())
        # Two lines on one account in one posting add up before they are kept.
        books.post(EntryKind.FEE, "split", [(pot, -5), (pot, -5), (fees, 10)], occurred_on=date.today())
    kept = {
        (b.account_id, b.entry_kind): b.amount_pence
        for b in db.session.execute(select(Balance).where(Balance.account_id.in_([pot.id, fees.id]))).scalars()
    }
    assert kept == {
        (pot.id, EntryKind.FEE): -52,
        (fees.id, EntryKind.FEE): 52,
        (pot.id, EntryKind.REVERSAL): 12,
        (fees.id, EntryKind.REVERSAL): -12,
    }
    assert books.balance(fees) == 40 == books.round_summary(rnd.id).fees_pence
    assert books.check_balances() == []


def test_a_posting_that_fails_leaves_no_balance_behind(app):
    _, pot, fees = _pot_and_fees()
    with pytest.raises(DomainError):
        with transaction():
            books.post(EntryKind.FEE, "fee", [(pot, -30), (fees, 30)], occurred_on=date.today())
            raise DomainError("the use case changed its mind")
    assert books.balance(fees) == 0
    assert books.check_balances() == []


def test_check_balances_names_a_balance_that_disagrees_with_its_entries(app):
    from sqlalchemy import update

    from grants.extensions import db
    from grants.models import Balance

    _, pot, fees = _pot_and_fees()
    with transaction():
        books.post(EntryKind.FEE, "fee", [(pot, -30), (fees, 30)], occurred_on=date.today())
    with transaction():
        db.session.execute(update(Balance).where(Balance.account_id == fees.id).values(amount_pence=31))
    assert books.check_balances() == [f"account {fees.id}, fee: kept 31, entries sum to 30"]
