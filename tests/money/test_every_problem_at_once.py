"""Issue 17, forms that trip people: every money form a funder or treasurer fills in says every
problem at once, in an error summary whose links go to each box, each box with its own message and
what was typed kept, and writes nothing (through the web, CSRF on, on each database)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from grants.core import transaction
from grants.extensions import db
from grants.funders.services import register_funder
from grants.ledger import books
from grants.models import Contribution, Pledge, Proposal, Round, Tranche, TrancheStatus
from grants.money.services import commit_awards, pledge
from tests import factories
from tests.conftest import login, post_form, text_of
from tests.problems import every_problem_linked, summary_links

TODAY = date.today()


def _as(client, person) -> None:  # noqa: ANN001
    client.delete_cookie("session")
    assert login(client, person.email).status_code == 302


def _count(model) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _awarded():  # noqa: ANN202
    """A table with £1,000 in it, one award of £600 to a group with bank details, and a treasurer."""
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    _funder, funder_person = factories.funded(rnd.id, 100_000)
    lead = factories.person("Lee Lead")
    grp = factories.group(lead)
    factories.bank_details(lead, grp)
    p = factories.proposal(lead, rnd.id, grp, 60_000)
    with transaction():
        [award] = commit_awards(db.session.get(Round, rnd.id), [db.session.get(Proposal, p.id)], TODAY)
    return rnd, funder_person, factories.treasurer_of(rnd.id), award


def _scheduled(client, rnd, funder_person, award) -> Tranche:  # noqa: ANN001
    page = f"/money/tables/{rnd.slug}/payments"
    _as(client, funder_person)
    post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "250"}, page=page)
    return db.session.execute(select(Tranche)).scalar_one()


def test_a_pledge_says_every_problem_at_once(client, app):
    convenor = factories.person("Cara Convenor")
    factories.open_round(convenor)
    funder_person = factories.person("Fay Funder")
    funder = register_funder(person=funder_person, name="Northern Trust")
    _as(client, funder_person)
    page = f"/money/funders/{funder.slug}/pledge"
    response = post_form(client, page, {"round_id": "", "amount": "£12,50"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "round_id": "Choose a table",
        "amount": (
            "“£12,50” could mean more than one amount. Use a full stop for pence and commas only between "
            "thousands, like 12.50 or 1,250"
        ),
    })  # fmt: skip
    assert 'value="£12,50"' in html  # what was typed is kept
    assert _count(Pledge) == 0


def test_money_sent_says_every_problem_at_once(client, app):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    funder_person = factories.person("Fay Funder")
    funder = register_funder(person=funder_person, name="Northern Trust")
    factories.accept_funder(rnd.id, funder.id)
    item = pledge(person=funder_person, funder_id=funder.id, round_id=rnd.id, amount_pence=100_000)
    _as(client, funder_person)
    page = f"/money/pledges/{item.id}/received"
    response = post_form(client, page, {"amount": "", "received_on": "soon", "reference": ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        "amount": "Enter the amount received",
        "received_on": "Enter a real date, like 2026-05-14",
        "reference": "Enter the bank reference",
    })  # fmt: skip
    assert _count(Contribution) == 0


def test_a_payment_already_made_says_every_problem_at_once(client, app):
    rnd, _funder_person, treasurer, award = _awarded()
    _as(client, treasurer)
    page = f"/money/awards/{award.id}/pay"
    response = post_form(client, page, {"amount": "12.505", "paid_on": "", "bank_reference": "BACS-9"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "amount": "Enter pounds and pence with no more than 2 numbers after the full stop, like 12.50",
        "paid_on": "Enter the date paid",
    })  # fmt: skip
    assert 'value="BACS-9"' in html
    assert _count(Tranche) == 0


def test_the_payments_page_shows_a_refused_release_in_its_place(client, app):
    rnd, funder_person, _treasurer, award = _awarded()
    _as(client, funder_person)
    page = f"/money/tables/{rnd.slug}/payments"
    response = post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "700"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    [(box, message)] = list(summary_links(html).items())
    assert box == f"release-{award.id}-amount" and "£600" in message
    assert f'id="{box}"' in html and 'value="700"' in html
    assert _count(Tranche) == 0


def test_recording_a_bank_transfer_as_sent_says_every_problem_at_once(client, app):
    rnd, funder_person, treasurer, award = _awarded()
    tranche = _scheduled(client, rnd, funder_person, award)
    _as(client, treasurer)
    page = f"/money/tables/{rnd.slug}/payments"
    sent = {f"confirm-{tranche.id}-paid_on": "31/02/2026", f"confirm-{tranche.id}-bank_reference": ""}
    response = post_form(client, f"/money/tranches/{tranche.id}/confirm", sent, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        f"confirm-{tranche.id}-paid_on": "Enter a real date, like 2026-05-14",
        f"confirm-{tranche.id}-bank_reference": "Enter the bank reference",
    })  # fmt: skip
    assert 'value="31/02/2026"' in html
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.SCHEDULED and books.round_summary(rnd.id).paid_pence == 0


def test_a_hold_without_a_real_reason_is_shown_in_its_place(client, app):
    rnd, funder_person, _treasurer, award = _awarded()
    tranche = _scheduled(client, rnd, funder_person, award)
    page = f"/money/tables/{rnd.slug}/payments"
    response = post_form(client, f"/money/tranches/{tranche.id}/hold", {f"hold-{tranche.id}-reason": "no"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        f"hold-{tranche.id}-reason": "Write the reason in a sentence: it is published on the table's page",
    })  # fmt: skip
    assert "\nno</textarea>" in html
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.SCHEDULED


def test_money_that_came_back_says_every_problem_at_once(client, app):
    rnd, funder_person, treasurer, award = _awarded()
    tranche = _scheduled(client, rnd, funder_person, award)
    page = f"/money/tables/{rnd.slug}/payments"
    _as(client, treasurer)
    sent = {f"confirm-{tranche.id}-paid_on": TODAY.isoformat(), f"confirm-{tranche.id}-bank_reference": "BACS-1"}
    assert post_form(client, f"/money/tranches/{tranche.id}/confirm", sent, page=page).status_code == 302
    # More than was paid, and a date that has not come yet: both said, found by the use case.
    back = {
        f"returned-{tranche.id}-amount": "300",
        f"returned-{tranche.id}-returned_on": (TODAY + timedelta(days=3)).isoformat(),
        f"returned-{tranche.id}-reason": "The bank returned it: account closed.",
    }
    response = post_form(client, f"/money/tranches/{tranche.id}/returned", back, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        f"returned-{tranche.id}-amount": "Only £250 of this payment is still with the group.",
        f"returned-{tranche.id}-returned_on": "The date it came back cannot be in the future.",
    })  # fmt: skip
    assert "<details open>" in html and "The bank returned it: account closed." in html
    db.session.refresh(tranche)
    assert tranche.reversed_pence == 0 and books.award_paid_totals([award.id]) == {award.id: 25_000}
    assert "There is a problem" in text_of(response)


def test_a_box_the_form_refuses_does_not_hide_what_the_payment_says_about_the_others(client, app):
    """No reason given (the form finds it) and more than was paid (the payment says so): both at once."""
    rnd, funder_person, treasurer, award = _awarded()
    tranche = _scheduled(client, rnd, funder_person, award)
    page = f"/money/tables/{rnd.slug}/payments"
    _as(client, treasurer)
    sent = {f"confirm-{tranche.id}-paid_on": TODAY.isoformat(), f"confirm-{tranche.id}-bank_reference": "BACS-1"}
    assert post_form(client, f"/money/tranches/{tranche.id}/confirm", sent, page=page).status_code == 302
    back = {f"returned-{tranche.id}-amount": "300", f"returned-{tranche.id}-returned_on": TODAY.isoformat(),
            f"returned-{tranche.id}-reason": ""}  # fmt: skip
    response = post_form(client, f"/money/tranches/{tranche.id}/returned", back, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        f"returned-{tranche.id}-amount": "Only £250 of this payment is still with the group.",
        f"returned-{tranche.id}-reason": "Say what happened",
    })  # fmt: skip
    assert books.award_paid_totals([award.id]) == {award.id: 25_000}


def test_saying_a_transfer_is_not_on_the_statement_keeps_the_reason_typed(client, app):
    """The money-in reject reason: refused on the money-in page, in its box under that transfer."""
    from tests.money.test_money_truth import _send, _table

    _convenor, rnd, funder_person, item, treasurer = _table()
    _as(client, funder_person)
    _send(client, item, "300", reference="NCT-9")
    claim = db.session.execute(select(Contribution)).scalar_one()
    _as(client, treasurer)
    page = f"/money/tables/{rnd.slug}/money-in"
    response = post_form(client, f"/money/contributions/{claim.id}/reject", {f"reject-{claim.id}-reason": "No"},
                         page=page)  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {f"reject-{claim.id}-reason": "Write the reason in a few words"})
    assert f'id="reject-{claim.id}-reason"' in html and 'value="No"' in html  # what was typed is kept
    assert "<details open>" in html  # in the open box it was typed in
    db.session.expire_all()
    assert db.session.get(Contribution, claim.id).status.value == "claimed"  # nothing written


def test_the_limit_on_money_in_keeps_what_was_typed(client, app):
    """The convenors' limit on money in: refused on the money-in page with the amount as typed."""
    from grants.money.services import money_in_ceiling
    from tests.money.test_money_truth import _table

    convenor, rnd, _funder_person, _item, _treasurer = _table()
    before = money_in_ceiling(rnd)
    _as(client, convenor)
    page = f"/money/tables/{rnd.slug}/money-in"
    response = post_form(client, f"{page}/ceiling", {"ceiling-amount": "12,50"}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    links = summary_links(html)
    assert list(links) == ["ceiling-amount"] and "12,50" in links["ceiling-amount"]
    assert 'value="12,50"' in html
    response = post_form(client, f"{page}/ceiling", {"ceiling-amount": ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {"ceiling-amount": "Enter an amount"})
    db.session.expire_all()
    assert money_in_ceiling(db.session.get(Round, rnd.id)) == before  # nothing written


def test_a_refused_payments_page_tells_the_treasurer_the_truth_about_bank_details(client, app):
    """On a refused form shown again bank details are kept short (nothing is written, not even the
    record of a full view): the treasurer is told how to see them in full, not that only the
    treasurer may; a funder who may release is still told that only the treasurer sees them."""
    rnd, funder_person, treasurer, award = _awarded()
    page = f"/money/tables/{rnd.slug}/payments"
    _as(client, treasurer)
    assert "account 12345678" in text_of(client.get(page))  # in full on the page itself
    response = post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "700"}, page=page)
    assert response.status_code == 400
    said = text_of(response)
    assert "account ending 78" in said and "12345678" not in said
    assert "only the table's treasurer sees them in full" not in said
    assert "open the payments page again to see them in full" in said
    _as(client, funder_person)
    response = post_form(client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "700"}, page=page)
    said = text_of(response)
    assert "account ending 78" in said and "(only the table's treasurer sees them in full)" in said
