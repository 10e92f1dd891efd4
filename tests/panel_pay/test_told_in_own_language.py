"""A panel member hears that their time was approved in their own language, whatever the convenor reads
(issue 19): the words, the activity and the date's month are theirs."""

from __future__ import annotations

from babel.dates import format_date
from sqlalchemy import select, update

from grants.core import transaction
from grants.extensions import db
from grants.models import Notification, Person, RateUnit
from grants.money_format import format_pence
from grants.panel_pay import services as panel_pay
from tests import factories
from tests.panel_pay.test_paid_without_fear import _log_and_approve


def _told(person: Person) -> Notification:
    return db.session.execute(
        select(Notification).where(Notification.person_id == person.id, Notification.subject.is_not(None))
        .where(Notification.event == "reminder").order_by(Notification.id.desc())
    ).scalars().first()  # fmt: skip


def test_approved_time_is_told_in_welsh_to_a_welsh_member_and_in_english_to_an_english_one(app, client) -> None:
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 100_000)
    welsh, english = factories.person("Gwen Welsh"), factories.person("Ed English")
    for member in (welsh, english):
        factories.seat(convenor, rnd.id, member)
    panel_pay.set_rate(
        person=convenor, round_id=rnd.id, unit=RateUnit.MEETING, rate_pence=5_000, counts_reading=True,
        counts_meetings=True,
    )  # fmt: skip
    with transaction():
        db.session.execute(update(Person).where(Person.id == welsh.id).values(language="cy"))

    logged = _log_and_approve(client, rnd, welsh, convenor, "2")
    _log_and_approve(client, rnd, english, convenor, "1")

    # The day the time was logged for (the form's date, fixed when the tests were collected), not
    # today's: a run that passed midnight between the two failed here.
    today = logged.worked_on
    to_welsh, to_english = _told(welsh), _told(english)
    assert (to_welsh.subject, to_welsh.language) == ("Cymeradwywyd eich amser", "cy")
    assert to_welsh.body == (
        f"Cymeradwywyd eich cyfarfodydd ar {format_date(today, 'd MMMM', locale='cy')}: {format_pence(10_000)}."
    )
    assert to_english.subject == "Your time was approved"
    assert to_english.body == f"Your meetings on {today:%-d %B} was approved: {format_pence(5_000)}."
