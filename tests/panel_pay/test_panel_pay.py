"""Panel members are paid for their time, their way, and reimbursed; only totals are public."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books
from grants.models import AccountKind, ClaimStatus, Expense, PayChoice, StaffRole, TimeLog
from grants.panel_pay import services as panel_pay
from tests import factories
from tests.conftest import login, post_form, text_of

TODAY = date.today().isoformat()


def _setup():  # noqa: ANN202
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    member = factories.person("Mo Member")
    seat = factories.seat(convenor, rnd.id, member)
    treasurer = factories.person("Tess Treasurer")
    factories.join_staff(convenor, rnd.id, treasurer, StaffRole.TREASURER)
    return convenor, rnd, member, seat, treasurer


def _as(client, person) -> None:  # noqa: ANN001
    client.delete_cookie("session")
    assert login(client, person.email).status_code == 302


def test_rate_time_approval_choice_schedule_and_payment(app, client) -> None:
    convenor, rnd, member, seat, treasurer = _setup()
    _as(client, convenor)
    rate_page = f"/money/tables/{rnd.slug}/panel-rate"
    response = post_form(
        client,
        rate_page,
        {"unit": "half_day", "rate": "75", "counts_reading": "y", "counts_meetings": "y"},
        page=rate_page,
    )
    assert response.status_code == 302, text_of(response)

    _as(client, member)
    mine = f"/money/tables/{rnd.slug}/my-pay"
    page = text_of(client.get(mine))
    assert "Payments and welfare benefits" in page and "Citizens Advice" in page
    # Training is not paid on this table, so it is not offered.
    refused = post_form(
        client, f"{mine}/time", {"time-activity": "training", "time-worked_on": TODAY, "time-units": "1"}, page=mine
    )
    assert refused.status_code == 400
    post_form(
        client, f"{mine}/time", {"time-activity": "meeting", "time-worked_on": TODAY, "time-units": "2"}, page=mine
    )
    post_form(
        client, f"{mine}/time", {"time-activity": "reading", "time-worked_on": TODAY, "time-units": "1"}, page=mine
    )

    # Accepting payment needs the benefits note read first; bank transfer needs bank details.
    no_note = post_form(
        client,
        f"{mine}/choice",
        {
            "pref-choice": "bank",
            "pref-account_name": "M Member",
            "pref-sort_code": "123456",
            "pref-account_number": "12345678",
        },
        page=mine,
    )
    assert no_note.status_code == 400 and "welfare benefits" in text_of(no_note)
    no_bank = post_form(client, f"{mine}/choice", {"pref-choice": "bank", "pref-read_benefits_note": "y"}, page=mine)
    assert no_bank.status_code == 400 and "bank account" in text_of(no_bank)
    ok = post_form(
        client,
        f"{mine}/choice",
        {
            "pref-choice": "bank",
            "pref-read_benefits_note": "y",
            "pref-account_name": "M Member",
            "pref-sort_code": "12-34-56",
            "pref-account_number": "12345678",
        },
        page=mine,
    )
    assert ok.status_code == 302

    _as(client, convenor)
    queue = f"/money/tables/{rnd.slug}/panel-pay"
    logs = db.session.execute(select(TimeLog).order_by(TimeLog.id)).scalars().all()
    post_form(client, f"/money/time/{logs[0].id}/decide", {f"time-{logs[0].id}-decision": "approve"}, page=queue)
    post_form(client, f"/money/time/{logs[1].id}/decide", {f"time-{logs[1].id}-decision": "reject"}, page=queue)
    db.session.expire_all()
    assert [(log.status, log.amount_pence) for log in logs] == [
        (ClaimStatus.APPROVED, 15_000),
        (ClaimStatus.REJECTED, 0),
    ]

    # Panel pay comes from the panel budget, not the pot; public pages show only the total.
    money = books.round_summary(rnd.id)
    assert money.available_pence == 100_000 and money.panel_paid_pence == 15_000
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    # Approved, not yet paid: nothing has left the pot, and one person's pay is never a public total.
    assert "£150" not in public and "Paid to the panel" not in public
    assert "Mo Member" not in public
    assert "Panel" not in text_of(client.get(f"/ledger?round={rnd.id}"))

    # The member cannot see the schedule; whoever pays can, with bank details, as CSV.
    _as(client, member)
    assert client.get(f"/money/tables/{rnd.slug}/panel-pay.csv").status_code == 403
    _as(client, treasurer)
    response = client.get(f"/money/tables/{rnd.slug}/panel-pay.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1] == ["Mo Member", "Bank transfer", "150.00", "0.00", "150.00", "M Member", "123456", "12345678"]
    post_form(client, f"/money/panel-seats/{seat.id}/settled", {f"settled-{seat.id}-reference": "FPS-77"}, page=queue)
    assert panel_pay.my_pay(seat.id) == {"panel_owed": 0, "panel_paid": 15_000, "expenses_owed": 0, "expenses_paid": 0}
    assert panel_pay.schedule(rnd.id) == []


def test_decline_voucher_and_donate_need_no_bank_details(app, client) -> None:
    convenor, rnd, member, seat, _treasurer = _setup()
    panel_pay.set_rate(
        person=convenor,
        round_id=rnd.id,
        unit=panel_pay.RateUnit.HOUR,
        rate_pence=2_000,
        counts_reading=True,
        counts_meetings=True,
    )
    _as(client, member)
    mine = f"/money/tables/{rnd.slug}/my-pay"
    for choice in ("decline", "donate"):
        assert post_form(client, f"{mine}/choice", {"pref-choice": choice}, page=mine).status_code == 302
    assert (
        post_form(
            client, f"{mine}/choice", {"pref-choice": "voucher", "pref-read_benefits_note": "y"}, page=mine
        ).status_code
        == 302
    )
    pref = panel_pay.preference(seat.id)
    assert pref.choice is PayChoice.VOUCHER and pref.account_number is None

    # Donating: approved pay goes into the pot for the groups.
    panel_pay.set_preference(person=member, round_id=rnd.id, choice=PayChoice.DONATE)
    item = panel_pay.log_time(
        person=member, round_id=rnd.id, activity=panel_pay.Activity.MEETING, worked_on=date.today(), units=3
    )
    panel_pay.decide_time(person=convenor, log_id=item.id, approve=True)
    money = books.round_summary(rnd.id)
    # Given before it was sent, it never left the pot: the pot is as it was (not counted twice, as it
    # once was), and the panel budget the approval drew on is whole again.
    assert money.received_pence == 100_000 and money.available_pence == 100_000
    assert books.balance_of(AccountKind.PANEL_BUDGET, round_id=rnd.id) == 0
    assert panel_pay.my_pay(seat.id)["panel_owed"] == 0

    # Declining: approved time is recorded, nothing is owed.
    panel_pay.set_preference(person=member, round_id=rnd.id, choice=PayChoice.DECLINE)
    item = panel_pay.log_time(
        person=member, round_id=rnd.id, activity=panel_pay.Activity.MEETING, worked_on=date.today(), units=1
    )
    assert panel_pay.decide_time(person=convenor, log_id=item.id, approve=True).amount_pence == 0

    # A smaller amount: capped in total for the round.
    panel_pay.set_preference(
        person=member,
        round_id=rnd.id,
        choice=PayChoice.REDUCED,
        cap_pence=2_500,
        account_name="M",
        sort_code="123456",
        account_number="12345678",
    )
    for _ in range(2):
        item = panel_pay.log_time(
            person=member, round_id=rnd.id, activity=panel_pay.Activity.READING, worked_on=date.today(), units=1
        )
        panel_pay.decide_time(person=convenor, log_id=item.id, approve=True)
    assert panel_pay.my_pay(seat.id)["panel_owed"] == 2_500


def test_expenses_with_a_receipt_are_separate_and_private(app, client) -> None:
    convenor, rnd, member, seat, treasurer = _setup()
    panel_pay.set_preference(person=member, round_id=rnd.id, choice=PayChoice.DECLINE)
    _as(client, member)
    mine = f"/money/tables/{rnd.slug}/my-pay"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        f"{mine}/expenses",
        data={
            "csrf_token": __import__("tests.conftest", fromlist=["csrf_token"]).csrf_token(client, mine),
            "expense-kind": "travel",
            "expense-spent_on": TODAY,
            "expense-amount": "12.40",
            "expense-description": "Bus to the meeting and back",
            "expense-receipt": (io.BytesIO(pdf), "ticket.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text_of(response)
    expense = db.session.execute(select(Expense)).scalar_one()
    assert expense.receipt_id is not None
    assert client.get(f"/money/expenses/{expense.id}/receipt").status_code == 200
    _as(client, factories.person("Someone Else"))
    assert client.get(f"/money/expenses/{expense.id}/receipt").status_code == 403
    _as(client, convenor)
    queue = f"/money/tables/{rnd.slug}/panel-pay"
    assert "Bus to the meeting" in text_of(client.get(queue))
    post_form(client, f"/money/expenses/{expense.id}/decide", {f"expense-{expense.id}-decision": "approve"}, page=queue)
    assert panel_pay.my_pay(seat.id) == {"panel_owed": 0, "panel_paid": 0, "expenses_owed": 1_240, "expenses_paid": 0}
    line = panel_pay.schedule(rnd.id)[0]
    assert line.expenses_pence == 1_240 and line.how.startswith("Expenses only")
    assert books.round_summary(rnd.id).panel_expenses_pence == 1_240
