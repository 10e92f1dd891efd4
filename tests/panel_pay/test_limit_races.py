"""A person's own limit holds when two tables pay them at the same moment (issue 20).

The limit counts pay across every table a person sits on. Two treasurers recording their
tables' pay runs at once each read how much room is left under the limit: without a lock on
the person, both read the same room and together pay over it. Real threads, real connections,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import LimitPeriod, OverLimit, PanelMember, Person, RateUnit, StaffRole
from grants.panel_pay import services as panel_pay
from grants.panel_pay import totals
from tests import factories
from tests.panel_pay.test_paid_without_fear import _as, _choose_bank, _log_and_approve
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

REPEATS = 4
CONNECTIONS = {"sqlite": 6, "postgresql": 6}


def _table(convenor, member):  # noqa: ANN001, ANN202
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    factories.seat(convenor, rnd.id, member)
    treasurer = factories.person("Tess Treasurer")
    factories.join_staff(convenor, rnd.id, treasurer, StaffRole.TREASURER)
    panel_pay.set_rate(
        person=convenor, round_id=rnd.id, unit=RateUnit.MEETING, rate_pence=5_000, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    return rnd, treasurer


@pytest.mark.parametrize("repeat", range(REPEATS))
def test_two_tables_paying_at_once_keep_the_persons_own_limit(app, client, repeat) -> None:  # noqa: ANN001, F811
    convenor, member = factories.person("Cara Convenor"), factories.person("Mo Member")
    first, first_treasurer = _table(convenor, member)
    second, second_treasurer = _table(convenor, member)
    panel_pay.set_limit(person=member, period=LimitPeriod.WEEK, amount_pence=6_000, over=OverLimit.LATER)
    _as(client, member)
    _choose_bank(client, first)
    _choose_bank(client, second)
    _log_and_approve(client, first, member, convenor, "1")  # £50 owed on each table, £60 a week allowed
    _log_and_approve(client, second, member, convenor, "1")
    db.session.commit()
    # Each racer loads its own treasurer in its own session (objects of this session are not theirs to touch).
    runs = [(first_treasurer.id, first.id, "RUN-A"), (second_treasurer.id, second.id, "RUN-B")]

    def pay(treasurer_id: int, round_id: int, reference: str) -> int:
        treasurer = db.session.get(Person, treasurer_id)
        return panel_pay.pay_panel_run(person=treasurer, round_id=round_id, reference=reference)

    results = run_together(app, [lambda run=run: pay(*run) for run in runs])
    assert all(not isinstance(r, BaseException) or "Nobody on the panel is due" in str(r) for r in results), results
    db.session.rollback()
    member_id = member.id
    seats = db.session.execute(select(PanelMember.id).where(PanelMember.person_id == member_id)).scalars().all()
    paid = sum(5_000 - panel_pay.my_pay(seat_id)["panel_owed"] for seat_id in seats)
    assert paid == 6_000, paid  # all the limit allows this week, and not a penny over
    assert totals.room(member_id, date.today()) == 0
