"""Panel pay's first saves, each sent twice at once (a double click, two tabs, two convenors):
the panel's rate, the table's note about benefits, a person's own limit and a member's choice of
how to be paid. Each read that there was none yet and made one, so on PostgreSQL the second of
two at once failed with a server error. Now each holds its table, person or seat first, and the
second sees what the first made. Real threads, SQLite and PostgreSQL; each racer is held after
its read until the other has read too (tests/races.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    LimitPeriod,
    OverLimit,
    PanelBenefitsNote,
    PanelMember,
    PanelPayRate,
    PayChoice,
    PayLimit,
    PayPreference,
    Person,
    RateUnit,
)
from grants.panel_pay import services as panel_pay
from grants.panel_pay import totals
from tests import factories
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}


def _rate(convenor_id: int, _member_id: int, round_id: int) -> None:
    panel_pay.set_rate(person=db.session.get(Person, convenor_id), round_id=round_id, unit=RateUnit.MEETING,
                       rate_pence=5_000, counts_reading=False, counts_meetings=True)  # fmt: skip


def _note(convenor_id: int, _member_id: int, round_id: int) -> None:
    panel_pay.set_table_note(person=db.session.get(Person, convenor_id), round_id=round_id,
                             text="Ask your adviser before you accept payment.")  # fmt: skip


def _limit(_convenor_id: int, member_id: int, _round_id: int) -> None:
    panel_pay.set_limit(person=db.session.get(Person, member_id), period=LimitPeriod.MONTH, amount_pence=20_000,
                        over=OverLimit.LATER)  # fmt: skip


def _choice(_convenor_id: int, member_id: int, round_id: int) -> None:
    panel_pay.set_preference(person=db.session.get(Person, member_id), round_id=round_id, choice=PayChoice.DONATE)


# What is saved, the read its use case makes first (held there), and the rows that must be one.
CASES: dict[str, tuple[Callable, object, str, Callable]] = {
    "rate": (_rate, panel_pay, "rate_for", lambda r, m: select(PanelPayRate).where(PanelPayRate.round_id == r)),
    "benefits note": (_note, panel_pay, "_note_row",
                      lambda r, m: select(PanelBenefitsNote).where(PanelBenefitsNote.round_id == r)),
    "own limit": (_limit, totals, "limit_of", lambda r, m: select(PayLimit).where(PayLimit.person_id == m)),
    "how to be paid": (_choice, panel_pay, "preference", lambda r, m: select(PayPreference).join(
        PanelMember, PanelMember.id == PayPreference.panel_member_id).where(PanelMember.person_id == m)),
}


@pytest.mark.parametrize("what", list(CASES))
def test_a_first_save_sent_twice_at_once_makes_one(app: Flask, monkeypatch, what: str) -> None:  # noqa: ANN001, F811
    save, module, read, rows = CASES[what]
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    member = factories.person("Mo Member")
    factories.seat(convenor, rnd.id, member)
    ids = (convenor.id, member.id, rnd.id)
    db.session.commit()
    hold_after(monkeypatch, module, read)

    def job() -> str:
        save(*ids)
        return "saved"

    assert run_together(app, [job, job]) == ["saved", "saved"]
    db.session.rollback()
    counted = rows(ids[2], ids[1]).with_only_columns(func.count()).order_by(None)
    assert db.session.execute(counted).scalar_one() == 1
