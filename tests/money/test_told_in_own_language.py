"""A group's lead hears about money in their own language, whatever the funder reads (issue 19): the
words around the values and the words inside them (what the group has still to give)."""

from __future__ import annotations

from sqlalchemy import select, update

from grants.core import transaction
from grants.extensions import db
from grants.models import Notification, Person
from tests.conftest import post_form, text_of
from tests.money.test_money_truth import _as, _awarded


def test_a_welsh_lead_is_told_in_welsh_what_the_group_must_give_and_the_funder_reads_english(app, client) -> None:
    rnd, funder_person, _treasurer, lead, grp, award = _awarded(bank_details=False)
    with transaction():
        db.session.execute(update(Person).where(Person.id == lead.id).values(language="cy"))
    page = f"/money/tables/{rnd.slug}/payments"
    _as(client, funder_person)
    response = post_form(
        client, f"/money/awards/{award.id}/release", {f"release-{award.id}-amount": "250"}, page=page, follow=True
    )
    assert (
        f"{grp.name} has not given bank details (the name on the account, the sort code and the account number), "
        "so nothing was released." in text_of(response)
    )
    told = db.session.execute(
        select(Notification).where(Notification.person_id == lead.id, Notification.event == "money_alert")
    ).scalars().one()  # fmt: skip
    assert told.language == "cy"
    assert told.subject == f"Ni ellir talu {grp.name} eto"
    assert told.body == (
        f"Mae'r bwrdd {rnd.title} yn barod i dalu rhan o ddyfarniad {award.reference}, ond nid yw eich grŵp wedi "
        "rhoi manylion banc (yr enw ar y cyfrif, y cod didoli a rhif y cyfrif). Gall arweinydd neu drysorydd y grŵp "
        "eu hychwanegu ar dudalen dalu'r grŵp."
    )
