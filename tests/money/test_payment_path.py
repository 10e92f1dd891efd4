"""One path for a payment (issue 13): recorded in one step, or released and then confirmed as sent,
a payment writes the same ledger row and moves the table along its life cycle by the same rule.

The life cycle is `... counted → awarding → paying → reporting → closed` (DESIGN.md): a payment
moves a table to paying, and from paying to reporting once nothing is committed; it never moves
a table backwards.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books
from grants.models import EntryGroup, EntryKind, Notification, Round, RoundStatus, Tranche, TrancheStatus
from tests.conftest import login, post_form
from tests.money.conftest import Scenario, awarded_round


def _record_in_one_step(client, s: Scenario, pounds: str) -> None:  # noqa: ANN001
    """The funder records a bank transfer it already made (money.pay)."""
    award = s.awards[0]
    page = f"/money/awards/{award.id}/pay"
    paid = {"amount": pounds, "paid_on": date.today().isoformat(), "bank_reference": "BANK-1"}
    assert post_form(client, page, paid, page=page).status_code == 302


def _release_then_confirm(client, s: Scenario, pounds: str) -> None:  # noqa: ANN001
    """The funder releases a bank tranche, then confirms it was sent (money.release, money.confirm)."""
    award = s.awards[0]
    page = f"/money/tables/{s.rnd.slug}/payments"
    post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": pounds}, page=page)
    tranche = db.session.execute(select(Tranche).where(Tranche.award_id == award.id)).scalar_one()
    assert tranche.status is TrancheStatus.SCHEDULED
    confirm = {
        f"confirm-{tranche.id}-paid_on": date.today().isoformat(),
        f"confirm-{tranche.id}-bank_reference": "BANK-1",
    }
    assert post_form(client, f"/money/tranches/{tranche.id}/confirm", confirm, page=page).status_code == 302


PATHS = {"recorded in one step": _record_in_one_step, "released then confirmed": _release_then_confirm}


def _table_at(s: Scenario, status: RoundStatus) -> None:
    rnd = db.session.get(Round, s.rnd.id)
    rnd.status = status
    db.session.commit()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (RoundStatus.AWARDING, RoundStatus.REPORTING),
        (RoundStatus.PAYING, RoundStatus.REPORTING),
        (RoundStatus.REPORTING, RoundStatus.REPORTING),
        # A payment recorded late, after the table closed, does not open it again.
        (RoundStatus.CLOSED, RoundStatus.CLOSED),
    ],
)
def test_a_payment_moves_the_table_by_one_rule_whichever_way_it_is_recorded(app, client, path, before, after):
    s = awarded_round(200_000, [100_000])
    _table_at(s, before)
    login(client, s.funder_person.email)
    PATHS[path](client, s, "1000")

    tranche = db.session.execute(select(Tranche)).scalar_one()
    assert tranche.status is TrancheStatus.PAID and tranche.bank_reference == "BANK-1"
    assert books.round_summary(s.rnd.id).committed_pence == 0
    assert db.session.get(Round, s.rnd.id).status is after
    row = db.session.get(EntryGroup, tranche.entry_group_id)
    assert row.kind is EntryKind.PAYMENT and row.reference == "BANK-1"
    assert row.description == f"Paid £1,000 to {s.groups[0].name} (award {s.awards[0].reference}, part 1)"
    told = db.session.execute(select(Notification.body).where(Notification.person_id == s.lead.id)).scalars()
    assert any(f"award {s.awards[0].reference}, reference BANK-1" in body for body in told)


@pytest.mark.parametrize("path", PATHS)
def test_a_part_payment_moves_an_awarding_table_to_paying_only(app, client, path):
    s = awarded_round(200_000, [100_000])
    _table_at(s, RoundStatus.AWARDING)
    login(client, s.funder_person.email)
    PATHS[path](client, s, "400")
    assert db.session.get(Round, s.rnd.id).status is RoundStatus.PAYING
    assert books.round_summary(s.rnd.id).committed_pence == 60_000
