"""Issue 19: a panel member who reads Welsh reads their pay in Welsh: the benefits note (with its
sources kept, and "check with an adviser"), the rate, and their own limit and what happens to pay
over it. Through the web, CSRF on; the language chosen with the language form."""

from __future__ import annotations

from sqlalchemy import select

from grants.extensions import db
from grants.models import PayLimit
from tests.conftest import post_form, text_of
from tests.panel_pay.test_paid_without_fear import _as, _log_and_approve, _setup


def _in_welsh(client) -> None:  # noqa: ANN001
    """Signed in: the language form keeps Welsh on the account, so it lasts over signing in again."""
    assert post_form(client, "/language/cy?next=/me").status_code == 302


def test_a_member_reads_the_benefits_note_and_their_pay_in_welsh(app, client) -> None:
    convenor, rnd, member, _seat, _other, _treasurer = _setup()
    _as(client, member)
    _in_welsh(client)
    page = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    assert "Taliadau a budd-daliadau" in page  # the note's heading
    assert "Mae talebau'n cyfrif fel incwm, yn union fel arian" in page  # its own wording, not only its frame
    assert "Gwiriwch gyda chynghorydd bob amser cyn i chi ddewis" in page  # check with an adviser
    assert "Cyngor ar Bopeth" in page and "0800 144 8848" in page
    # The sources keep their own titles and addresses.
    assert "NIHR, Payment guidance for members of the public" in page and "SCIE" in page
    assert "O ble daw hyn:" in page
    # The rate, with the kinds of time joined in Welsh.
    assert "am darllen cynigion a cyfarfodydd." in page
    assert "Vouchers count as income" not in page and "Always check with an adviser" not in page


def test_a_members_limit_and_letter_in_welsh(app, client) -> None:
    convenor, rnd, member, _seat, _other, _treasurer = _setup()
    _as(client, member)
    _in_welsh(client)
    mine = "/money/my-panel-pay"
    saved = post_form(
        client, f"{mine}/limit",
        {"limit-period": "week", "limit-amount": "60", "limit-over": "later", "limit-reason": ""},
        page=mine,
    )  # fmt: skip
    assert saved.status_code == 302, text_of(saved)
    assert db.session.execute(select(PayLimit).where(PayLimit.person_id == member.id)).scalar_one()
    _log_and_approve(client, rnd, member, convenor, "2")
    _as(client, member)
    page = text_of(client.get(mine))
    assert "Eich terfyn" in page and "yr wythnos" in page
    assert "Mae rhywfaint o'ch tâl dros eich terfyn eich hun" in page
    assert "wythnos ddiweddarach" in page
    assert "Some of your pay is over your own limit" not in page
