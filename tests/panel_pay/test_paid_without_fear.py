"""Issue 20: panel pay a person on benefits can manage without fear. The benefits note says what
each choice means, with its sources; a member's own running total, limit, statements, year and
letter are theirs alone; pay runs keep to every member's limit. All through the web, CSRF on."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.ledger import books
from grants.models import LimitPeriod, OverLimit, PayLimit, RateUnit, StaffRole, TimeLog
from grants.panel_pay import services as panel_pay
from grants.panel_pay import totals
from tests import factories
from tests.conftest import csrf_token, login, post_form, text_of

TODAY = date.today().isoformat()
REASON = "ESA permitted work, adviser said SECRET-REASON-7"


def _setup():  # noqa: ANN202
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    member = factories.person("Mo Member")
    seat = factories.seat(convenor, rnd.id, member)
    other = factories.person("Olu Other")
    factories.seat(convenor, rnd.id, other)
    treasurer = factories.person("Tess Treasurer")
    factories.join_staff(convenor, rnd.id, treasurer, StaffRole.TREASURER)
    panel_pay.set_rate(
        person=convenor, round_id=rnd.id, unit=RateUnit.MEETING, rate_pence=5_000, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    return convenor, rnd, member, seat, other, treasurer


def _as(client, person) -> None:  # noqa: ANN001
    client.delete_cookie("session")
    assert login(client, person.email).status_code == 302


def _choose_bank(client, rnd) -> None:  # noqa: ANN001
    mine = f"/money/tables/{rnd.slug}/my-pay"
    response = post_form(
        client,
        f"{mine}/choice",
        {"pref-choice": "bank", "pref-read_benefits_note": "y", "pref-account_name": "M Member",
         "pref-sort_code": "123456", "pref-account_number": "12345678"},
        page=mine,
    )  # fmt: skip
    assert response.status_code == 302, text_of(response)


def _log_and_approve(client, rnd, member, convenor, meetings: str) -> TimeLog:  # noqa: ANN001
    _as(client, member)
    mine = f"/money/tables/{rnd.slug}/my-pay"
    response = post_form(
        client, f"{mine}/time", {"time-activity": "meeting", "time-worked_on": TODAY, "time-units": meetings}, page=mine
    )
    assert response.status_code == 302, text_of(response)
    log = db.session.execute(select(TimeLog).order_by(TimeLog.id.desc())).scalars().first()
    _as(client, convenor)
    queue = f"/money/tables/{rnd.slug}/panel-pay"
    post_form(client, f"/money/time/{log.id}/decide", {f"time-{log.id}-decision": "approve"}, page=queue)
    db.session.expire_all()
    return db.session.get(TimeLog, log.id)


def test_the_benefits_note_says_what_each_choice_means_with_sources_and_the_convenor_adds_to_it(
    app, client, tmp_path
) -> None:
    convenor, rnd, member, _seat, other, _treasurer = _setup()
    _as(client, member)
    page = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    # Seen: vouchers were listed beside donating and declining as things that "need no bank details".
    assert "none of these needs bank details" not in page
    assert "Vouchers count as income, just like money: the DWP treats payment in vouchers the same as" in page
    assert "it is not treated as paid to you" in page  # given to the pot
    assert "A payment you decline is not treated as paid to you." in page
    assert "Expenses paid back (travel, care, phone data) are ignored" in page
    assert "Always check with an adviser" in page and "Citizens Advice" in page
    assert "NIHR, Payment guidance for members of the public" in page and "SCIE" in page
    assert "Checked on 6 December 2026" in page

    # The convenor adds the table's own note; only a convenor may.
    rate_page = f"/money/tables/{rnd.slug}/panel-rate"
    _as(client, other)
    refused = post_form(client, f"/money/tables/{rnd.slug}/benefits-note", {"note-text": "Hijack"}, page="/me")
    assert refused.status_code == 403
    _as(client, convenor)
    assert "Vouchers count as income" in text_of(client.get(rate_page))
    saved = post_form(
        client, f"/money/tables/{rnd.slug}/benefits-note", {"note-text": "Leeds Welfare Rights: 0113 000 0000."},
        page=rate_page,
    )  # fmt: skip
    assert saved.status_code == 302
    too_long = post_form(client, f"/money/tables/{rnd.slug}/benefits-note", {"note-text": "x" * 2001}, page=rate_page)
    assert too_long.status_code == 400
    _as(client, member)
    page = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    assert "A note from this table's convenor Leeds Welfare Rights: 0113 000 0000." in page

    # The operator replaces the site's wording in one file, with the date they checked it.
    replaced = tmp_path / "benefits.toml"
    replaced.write_text('checked_on = 2027-01-15\n[effects]\nvoucher = "Vouchers: our own words."\n')
    app.config["BENEFITS_NOTE_FILE"] = str(replaced)
    page = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    assert "Vouchers: our own words." in page and "Checked on 15 January 2027" in page
    assert "A payment you decline is not treated as paid to you." in page  # the rest is the default


def test_a_weekly_limit_is_kept_by_the_pay_run_and_private_to_the_member(app, client) -> None:
    convenor, rnd, member, seat, other, treasurer = _setup()
    _as(client, member)
    _choose_bank(client, rnd)
    overview = "/money/my-panel-pay"
    bad = post_form(client, f"{overview}/limit", {"limit-period": "week", "limit-amount": "0"}, page=overview)
    assert bad.status_code == 400
    assert db.session.execute(select(PayLimit)).scalar_one_or_none() is None  # nothing half-written
    saved = post_form(
        client, f"{overview}/limit",
        {"limit-period": "week", "limit-amount": "60", "limit-over": "later", "limit-reason": REASON},
        page=overview,
    )  # fmt: skip
    assert saved.status_code == 302, text_of(saved)
    assert REASON in text_of(client.get(overview))  # the member sees their own reason

    # Two meetings approved (£100): £40 is over the weekly limit. The member is warned before any payment.
    log = _log_and_approve(client, rnd, member, convenor, "2")
    assert log.amount_pence == 10_000
    _as(client, member)
    page = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    assert "Some of your pay is over your own limit" in page and "£40 of the pay approved" in page
    page = text_of(client.get(overview))
    assert "The next pay run sends you £60, and the £40 waits" in page

    # The treasurer's schedule holds only what may be paid now: amount, how, bank details.
    _as(client, treasurer)
    manage = text_of(client.get(f"/money/tables/{rnd.slug}/panel-pay"))
    assert "£60" in manage and "£100" not in manage
    rows = list(csv.reader(io.StringIO(client.get(f"/money/tables/{rnd.slug}/panel-pay.csv").get_data(as_text=True))))
    assert rows[1][:3] == ["Mo Member", "Bank transfer", "60.00"]
    queue = f"/money/tables/{rnd.slug}/panel-pay"
    ran = post_form(client, f"/money/tables/{rnd.slug}/panel-pay/run", {"run-reference": "RUN-1"}, page=queue)
    assert ran.status_code == 302
    figures = panel_pay.my_pay(seat.id)
    assert figures["panel_paid"] == 6_000 and figures["panel_owed"] == 4_000
    # This week is full: a second run today sends nothing more to the member.
    assert "Mo Member" not in text_of(client.get(queue))

    # Nobody else sees the limit, the reason, or the member's totals.
    pages = {
        "convenor": (convenor, [queue, f"/money/tables/{rnd.slug}/panel-rate", "/money/my-panel-pay"]),
        "treasurer": (treasurer, [queue, f"/money/tables/{rnd.slug}/panel-pay.csv", "/money/my-panel-pay"]),
        "other member": (other, [f"/money/tables/{rnd.slug}/my-pay", "/money/my-panel-pay",
                                 "/money/my-panel-pay/letter"]),
    }  # fmt: skip
    for who, (person, urls) in pages.items():
        _as(client, person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            seen = text_of(response) if response.mimetype == "text/html" else response.get_data(as_text=True)
            assert "SECRET-REASON" not in seen and "£60 a week" not in seen, (who, url)
            assert "Your limit £" not in seen and "Some of your pay is over" not in seen, (who, url)
            if url != queue and not url.endswith(".csv"):  # whoever pays sees the name and the amount to pay
                assert "Mo Member" not in seen and "£100" not in seen, (who, url)
    statement = totals.payments(member.id)[0]
    _as(client, other)
    assert client.get(f"/money/my-panel-pay/statements/{statement.run_id}").status_code == 404
    client.delete_cookie("session")
    public = [f"/tables/{rnd.slug}", "/ledger", f"/ledger?round={rnd.id}", "/open-data/", "/open-data/feed.atom"]
    from grants.opendata.data import DATASETS

    public += [f"/open-data/{d}.{f}" for d in DATASETS for f in ("csv", "json")]
    for url in public:
        seen = client.get(url).get_data(as_text=True)
        assert "SECRET-REASON" not in seen and "Mo Member" not in seen, url
    # One person paid: the panel's pay total would be their pay, so it waits for 5 people (the one rule).
    table = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "shown as one line once at least 5 people have been paid" in table and "£60" not in table
    assert db.session.execute(select(PayLimit.reason)).scalar_one() == REASON
    stored = db.session.execute(db.text("SELECT reason FROM panel_pay_limits")).scalar_one()
    assert "SECRET-REASON" not in stored  # encrypted at rest, like bank details

    # The member's own statement, running total, year and letter.
    _as(client, member)
    page = text_of(client.get(f"/money/my-panel-pay/statements/{statement.run_id}"))
    assert "RUN-1" in page and "Payment for taking part £60" in page
    page = text_of(client.get(overview))
    assert "This week" in page and "£100 £60 £0" in page and "Approved, not yet sent: £40" in page
    year = totals.tax_year_start(date.today())
    page = text_of(client.get(f"/money/my-panel-pay/years/{year}"))
    assert f"tax year {year} to {year + 1}" in page and "£60" in page
    letter = client.get(f"/money/my-panel-pay/letter?year={year}")
    page = text_of(letter)
    assert "Mo Member is a member of the panel of" in page and rnd.title in page
    assert "payment for involvement" in page and "not employment" in page
    assert "2 meetings" in page and "£100" in page and "£60" in page
    assert client.get("/money/my-panel-pay/letter?year=nonsense").status_code == 404

    # The member gives the £40 their limit holds back to the pot instead of waiting.
    available = books.round_summary(rnd.id).available_pence
    given = post_form(client, "/money/my-panel-pay/over", {"what": "give", "slug": rnd.slug}, page=overview)
    assert given.status_code == 302
    assert panel_pay.my_pay(seat.id)["panel_owed"] == 0
    # The £40 never left the pot: it stays there (not counted twice), and the panel budget the
    # approval drew on is whole again: it is short only by the pay still to send.
    assert books.round_summary(rnd.id).available_pence == available
    assert _budget(rnd) == -_owed(rnd)
    post_form(client, "/money/my-panel-pay/over", {"what": "give", "slug": rnd.slug}, page=overview)
    assert books.round_summary(rnd.id).available_pence == available  # nothing more: refused, nothing written
    assert _budget(rnd) == -_owed(rnd)


@pytest.mark.parametrize("over", [OverLimit.DECLINE, OverLimit.DONATE])
def test_a_monthly_limit_takes_less_automatically_and_declines_or_gives_the_rest(app, client, over) -> None:
    convenor, rnd, member, seat, _other, _treasurer = _setup()
    panel_pay.set_limit(person=member, period=LimitPeriod.MONTH, amount_pence=3_000, over=over)
    _as(client, member)
    _choose_bank(client, rnd)
    available = books.round_summary(rnd.id).available_pence
    log = _log_and_approve(client, rnd, member, convenor, "1")
    if over is OverLimit.DECLINE:
        assert log.amount_pence == 3_000 and panel_pay.my_pay(seat.id)["panel_owed"] == 3_000
        assert books.round_summary(rnd.id).available_pence == available
    else:
        assert panel_pay.my_pay(seat.id)["panel_owed"] == 3_000
        assert books.round_summary(rnd.id).available_pence == available  # the £20 given never left the pot
        assert _budget(rnd) == -3_000  # the budget is short only by the pay still to send
    _as(client, member)
    page = text_of(client.get("/money/my-panel-pay"))
    assert "Some of your pay is over your own limit" not in page
    # Removing the limit: gone, and only the member could.
    post_form(client, "/money/my-panel-pay/limit/remove", {}, page="/money/my-panel-pay")
    assert db.session.execute(select(PayLimit)).scalar_one_or_none() is None


def test_pages_about_a_member_are_theirs_alone(app, client) -> None:
    _convenor, _rnd, _member, _seat, _other, _treasurer = _setup()
    assert client.get("/money/my-panel-pay").status_code == 302  # sign in first
    assert client.post("/money/my-panel-pay/limit", data={"limit-period": "week"}).status_code in (302, 400)
    _as(client, _member)
    # Without a CSRF token the limit is refused.
    refused = client.post(
        "/money/my-panel-pay/limit", data={"limit-period": "week", "limit-amount": "50", "limit-over": "later"}
    )
    assert refused.status_code == 400
    assert db.session.execute(select(PayLimit)).scalar_one_or_none() is None
    assert csrf_token(client, "/money/my-panel-pay")


def test_the_demo_has_a_member_with_a_weekly_limit_offered_a_smaller_amount(app, client, demo) -> None:
    from grants.models import Person

    limited = db.session.execute(select(PayLimit)).scalar_one()
    assert limited.period is LimitPeriod.WEEK
    person = db.session.get(Person, limited.person_id)
    sent = totals.payments(person.id)
    assert sent and sent[-1].pay_pence == limited.amount_pence
    assert totals.over_limit(person.id, date.today()) > 0
    assert login(client, person.email, "our-tables-demo").status_code == 302
    page = text_of(client.get("/money/my-panel-pay"))
    assert "Some of your pay is over your own limit" in page


def test_giving_or_declining_pay_over_the_limit_touches_only_the_table_it_is_asked_on(app, client) -> None:
    """Issue 20: the limit counts a person's pay across tables, but giving or declining the part
    over it, asked on one table's pay page, takes only from that table's pay, never another's."""
    convenor, first, member, first_seat, _other, _treasurer = _setup()
    # The member's first seat has pay waiting that fits the limit; the second table's pay goes over it.
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    panel_pay.set_rate(
        person=convenor, round_id=rnd.id, unit=RateUnit.MEETING, rate_pence=5_000, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    seat = factories.seat(convenor, rnd.id, member)
    panel_pay.set_limit(person=member, period=LimitPeriod.WEEK, amount_pence=6_000, over=OverLimit.LATER)
    _as(client, member)
    _choose_bank(client, first)
    _choose_bank(client, rnd)
    _log_and_approve(client, first, member, convenor, "1")  # £50 on the first table: within the £60 limit
    _log_and_approve(client, rnd, member, convenor, "1")  # £50 here: £40 of it is over the limit
    assert totals.over_limit(member.id, date.today()) == 4_000
    other_pot = books.round_summary(first.id).available_pence
    this_pot = books.round_summary(rnd.id).available_pence

    _as(client, member)
    mine = f"/money/tables/{rnd.slug}/my-pay"
    assert "Give £40 to the pot" in text_of(client.get(mine))
    given = post_form(client, "/money/my-panel-pay/over", {"what": "give", "slug": rnd.slug}, page=mine)
    assert given.status_code == 302
    assert panel_pay.my_pay(first_seat.id)["panel_owed"] == 5_000  # the other table's pay is untouched
    assert books.round_summary(first.id).available_pence == other_pot
    assert panel_pay.my_pay(seat.id)["panel_owed"] == 1_000
    assert books.round_summary(rnd.id).available_pence == this_pot  # the gift never left this pot
    assert _budget(rnd) == -1_000 and _budget(first) == -5_000  # each budget short only by its pay to send
    assert totals.over_limit(member.id, date.today()) == 0


def test_declining_over_the_limit_on_a_table_with_nothing_over_takes_nothing_from_another(app, client) -> None:
    convenor, rnd, member, seat, _other, _treasurer = _setup()
    later = factories.open_round(convenor)
    factories.funded(later.id, 100_000)
    panel_pay.set_rate(
        person=convenor, round_id=later.id, unit=RateUnit.MEETING, rate_pence=5_000, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    later_seat = factories.seat(convenor, later.id, member)
    panel_pay.set_limit(person=member, period=LimitPeriod.WEEK, amount_pence=6_000, over=OverLimit.LATER)
    _as(client, member)
    _choose_bank(client, rnd)
    _log_and_approve(client, rnd, member, convenor, "2")  # £100 on this table: £40 over
    assert totals.over_limit(member.id, date.today()) == 4_000
    _as(client, member)
    page = f"/money/tables/{later.slug}/my-pay"
    # Asked on a table where none of the person's pay waits: refused, and the other table keeps its pay.
    post_form(client, "/money/my-panel-pay/over", {"what": "decline", "slug": later.slug}, page=page)
    assert panel_pay.my_pay(seat.id)["panel_owed"] == 10_000
    assert panel_pay.my_pay(later_seat.id)["panel_owed"] == 0
    # From the overview, each table's part is offered on its own.
    overview = text_of(client.get("/money/my-panel-pay"))
    assert f"{rnd.title}: give £40 to the pot" in overview


def _budget(rnd) -> int:  # noqa: ANN001
    """The table's panel budget: what approvals drew on it, less what pay runs sent and pay given back."""
    from grants.models import AccountKind

    return books.balance_of(AccountKind.PANEL_BUDGET, round_id=rnd.id)


def _owed(rnd) -> int:  # noqa: ANN001
    """Pay approved on the table and not sent yet, everyone together."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import AccountKind, PanelMember

    seats = db.session.execute(select(PanelMember.id).where(PanelMember.round_id == rnd.id)).scalars()
    return sum(books.balance_of(AccountKind.PANEL_OWED, seat_id=s) for s in seats)
