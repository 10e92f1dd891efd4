"""Issue 15 / 20: panel pay in public follows the 5-person rule, and the ledger still adds up.

Seen: a pay run that paid one person showed its amount on the public ledger (and in the open-data
ledger), pay given back to the pot showed one person's gift, and a table's "still available"
moved by exactly that pay, so a reader who subtracted found it anyway. Now a table's panel
movements are published as one line per step of at least 5 people (grants/ledger/published.py),
and held out of every public figure until then, with one sentence saying so.
Everything is read as the public reads it: through the web, signed out.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from grants.ledger import books, published
from grants.models import Activity, PayChoice, RateUnit
from grants.panel_pay import services as panel_pay
from tests import factories
from tests.conftest import text_of
from tests.people_figures import public_urls

RATE = 3_777  # £37.77 a meeting: a figure that appears nowhere else


def _table():  # noqa: ANN202
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 500_000)
    panel_pay.set_rate(
        person=convenor, round_id=rnd.id, unit=RateUnit.MEETING, rate_pence=RATE, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    members = [factories.person(f"Member {i}") for i in range(7)]
    for member in members:
        factories.seat(convenor, rnd.id, member)
    return convenor, rnd, members


def _approve(convenor, rnd, member, units: str = "1") -> None:  # noqa: ANN001
    log = panel_pay.log_time(
        person=member, round_id=rnd.id, activity=Activity.MEETING, worked_on=date.today(), units=Decimal(units)
    )
    panel_pay.decide_time(person=convenor, log_id=log.id, approve=True)


def _run(rnd, reference: str) -> None:  # noqa: ANN001
    panel_pay.pay_panel_run(person=factories.treasurer_of(rnd.id), round_id=rnd.id, reference=reference)


def _public_texts(client, rnd) -> dict[str, str]:  # noqa: ANN001
    """Every public page and file, signed out, plus the table's own ledger."""
    client.delete_cookie("session")
    urls = public_urls(client.application) + [f"/ledger?round={rnd.id}"]
    texts = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            texts[url] = text_of(response) if response.mimetype == "text/html" else response.get_data(as_text=True)
    return texts


def _shows(texts: dict[str, str], pence: int) -> list[str]:
    """The URLs showing an amount, as money (£37.77, −£37.77, 37.77) or as pence (3777)."""
    pounds = re.compile(rf"(?<![\d,.]){pence // 100:,}\.{pence % 100:02d}(?!\d)")
    raw = re.compile(rf"(?<![\d.]){pence}(?![\d.])")
    return [url for url, text in texts.items() if pounds.search(text) or raw.search(text)]


def _public_available(client, rnd) -> int:  # noqa: ANN001
    rows = json.loads(client.get(f"/open-data/rounds.json?round={rnd.slug}").get_data(as_text=True))
    rows = rows["data"] if isinstance(rows, dict) else rows
    return next(r["available_pence"] for r in rows if r["slug"] == rnd.slug)


# What each person is paid or gives back: amounts that appear nowhere else on the site.
ONE = 3 * RATE  # £113.31: one person's pay
GIFT = 9_443  # 2.5 meetings, £94.43: one person's pay, given back to the pot
EACH = 5_666  # 1.5 meetings: £56.66 (rounded half up)


def test_panel_pay_to_fewer_than_five_people_is_not_shown_and_cannot_be_subtracted(app, client) -> None:
    convenor, rnd, members = _table()
    before = _public_available(client, rnd)
    table_before = text_of(client.get(f"/tables/{rnd.slug}"))

    # One person paid, and one person gives their pay back to the pot.
    _approve(convenor, rnd, members[0], "3")
    _run(rnd, "RUN-ONE")
    _approve(convenor, rnd, members[1], "2.5")
    panel_pay.set_preference(person=members[1], round_id=rnd.id, choice=PayChoice.DONATE)
    true = books.round_summary(rnd.id)
    assert true.panel_out_pence == ONE and true.available_pence == before - ONE  # the pot: the gift never left it

    texts = _public_texts(client, rnd)
    for pence, what in ((ONE, "one person's pay"), (GIFT, "one person's gift"), (ONE - GIFT, "pay less gift")):
        assert not _shows(texts, pence), (what, _shows(texts, pence))
    # Subtracting finds nothing: every public figure is as it was before anyone was paid.
    assert _public_available(client, rnd) == before
    table = texts[f"/tables/{rnd.slug}"]
    for label in ("Received from funders", "Still available"):
        was = re.search(rf"{label} (£[\d,.]+)", table_before).group(1)
        assert re.search(rf"{label} (£[\d,.]+)", table).group(1) == was, label
    assert "Paid to the panel" not in table
    # ... and the page says why, in plain words.
    assert str(published.HELD_BACK_TEXT) in table
    assert str(published.HELD_BACK_TEXT) in texts[f"/ledger?round={rnd.id}"]
    assert str(published.HELD_BACK_TEXT) in texts["/ledger"]
    assert "RUN-ONE" not in texts[f"/ledger?round={rnd.id}"]
    # The public ledger still adds up to the totals it shows, for the site and for the table.
    assert published.public_ledger_mismatches() == []


def test_panel_pay_is_one_line_per_step_of_five_people_and_the_ledger_adds_up(app, client) -> None:
    convenor, rnd, members = _table()
    before = _public_available(client, rnd)
    _approve(convenor, rnd, members[0], "3")
    _run(rnd, "RUN-ONE")  # 1 person: held out
    _approve(convenor, rnd, members[1], "2.5")
    panel_pay.set_preference(person=members[1], round_id=rnd.id, choice=PayChoice.DONATE)  # 2 people: held out
    for member in members[2:5]:
        _approve(convenor, rnd, member, "1.5")
    _run(rnd, "RUN-TWO")  # 3 more: 5 people in the step, so it is published as one line

    step_net = ONE + 3 * EACH  # what the step took from the pot: pay out (the pay given back never left it)
    texts = _public_texts(client, rnd)
    table_ledger = texts[f"/ledger?round={rnd.id}"]
    line = f"The panel of {rnd.title} paid for their time and expenses (5 people"
    assert line in table_ledger and f"-£{step_net / 100:,.2f}" in table_ledger
    assert table_ledger.count("Panel paid") == 1
    assert "RUN-ONE" not in table_ledger and "RUN-TWO" not in table_ledger  # references would tell the runs apart
    # No run, no gift, no part of the step on its own.
    for pence in (ONE, GIFT, EACH, 3 * EACH, ONE - GIFT, 3 * EACH - GIFT, ONE + 3 * EACH - GIFT):
        assert not _shows(texts, pence), (pence, _shows(texts, pence))
    assert _public_available(client, rnd) == before - step_net == books.round_summary(rnd.id).available_pence
    table = texts[f"/tables/{rnd.slug}"]
    assert str(published.HELD_BACK_TEXT) not in table
    assert f"Paid to the panel (time and expenses) £{step_net / 100:,.2f}" in table
    entries = json.loads(texts["/open-data/ledger.json"])
    entries = entries["data"] if isinstance(entries, dict) else entries
    assert [e["amount_pence"] for e in entries if e["kind"] == "panel_run"] == [-step_net]
    assert published.public_ledger_mismatches() == []

    # One more person paid: held out again; the published step does not change, so two pages a reader
    # kept differ only by whole steps.
    _approve(convenor, rnd, members[5], "1.5")
    _run(rnd, "RUN-THREE")
    texts = _public_texts(client, rnd)
    assert not _shows(texts, EACH)
    assert texts[f"/ledger?round={rnd.id}"].count("Panel paid") == 1
    assert f"-£{step_net / 100:,.2f}" in texts[f"/ledger?round={rnd.id}"]
    assert _public_available(client, rnd) == before - step_net
    assert books.round_summary(rnd.id).available_pence == before - step_net - EACH
    assert str(published.HELD_BACK_TEXT) in texts[f"/tables/{rnd.slug}"]
    assert published.public_ledger_mismatches() == []


def test_the_ledger_pages_a_step_in_its_place_with_running_totals_by_hand(app, client) -> None:
    convenor, rnd, members = _table()
    for member in members[:5]:
        _approve(convenor, rnd, member)
    _run(rnd, "RUN-ALL")
    factories.funded(rnd.id, 10_000)  # a newer movement after the step
    rows = published.ledger_rows(round_id=rnd.id, limit=100)
    kinds = [r.kind.value for r in rows]
    assert kinds.count("panel_run") == 1 and kinds[0] == "contribution"
    # Page by page (one row a page) gives the same rows and running totals as all at once.
    paged = [published.ledger_rows(round_id=rnd.id, limit=1, offset=i)[0] for i in range(len(rows))]
    assert paged == rows
    assert rows[0].received_so_far_pence == books.round_summary(rnd.id).received_pence
    assert published.public_ledger_mismatches() == []
