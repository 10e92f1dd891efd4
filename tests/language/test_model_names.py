"""The names the models give their kinds (a payment's status, a ledger line's kind, a pay choice,
a limit's period...) read in the reader's language; records keep the English they were written in."""

from __future__ import annotations

import enum
import re

from flask_babel import force_locale

from grants import models
from tests import factories
from tests.conftest import login, post_form, text_of


def _labelled_enums() -> list[type[enum.Enum]]:
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and isinstance(getattr(value, "label", None), property)
    ]


def test_every_model_name_a_person_reads_is_in_welsh_on_a_welsh_page(app):
    found = _labelled_enums()
    names = {e.__name__ for e in found}
    assert {"EntryKind", "TrancheStatus", "PayChoice", "LimitPeriod", "OverLimit", "ProposalStatus"} <= names
    untranslated = []
    with app.test_request_context():
        for kind in found:
            for member in kind:
                with force_locale("en_GB"):
                    english = str(member.label)
                with force_locale("cy_GB"):
                    welsh = str(member.label)
                if welsh == english:
                    untranslated.append(f"{kind.__name__}.{member.name}: {english!r}")
    assert untranslated == []


def test_the_ledger_names_each_line_in_welsh(client, demo):
    client.get("/language/cy?next=/ledger")
    page = client.get("/ledger").get_data(as_text=True)
    kinds = re.findall(r'data-label="Beth">([^<]*)<', page)
    assert "Arian a dderbyniwyd" in kinds
    assert "Money received" not in kinds and "Payment to group" not in kinds


def test_a_panel_members_pay_choices_and_limit_are_offered_in_welsh(app, client):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    member = factories.person("Mo Member")
    factories.seat(convenor, rnd.id, member)
    login(client, convenor.email)
    client.get("/language/cy")
    rate_page = f"/money/tables/{rnd.slug}/panel-rate"
    assert "am bob cyfarfod" in client.get(rate_page).get_data(as_text=True)
    post_form(client, rate_page, {"unit": "meeting", "rate": "25", "counts_reading": "y"}, page=rate_page)
    client.get("/language/en")
    assert "per meeting" in client.get(rate_page).get_data(as_text=True)
    login(client, member.email)
    client.get("/language/cy")
    text = text_of(client.get(f"/money/tables/{rnd.slug}/my-pay"))
    assert "Talwch fi drwy drosglwyddiad banc" in text  # a pay choice
    assert "Pay me by bank transfer" not in text


def test_records_keep_the_english_name_when_written_from_a_welsh_page(app):
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import AuditEntry, RateUnit
    from grants.panel_pay.services import set_rate

    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    with app.test_request_context(), force_locale("cy_GB"):
        set_rate(person=convenor, round_id=rnd.id, unit=RateUnit.HALF_DAY, rate_pence=4000,
                 counts_reading=True, counts_meetings=True, counts_training=False)
    summaries = db.session.execute(select(AuditEntry.summary).where(AuditEntry.action == "panel_rate_set")).scalars()
    assert list(summaries) == ["The panel is paid £40 per half day."]
