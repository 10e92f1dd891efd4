"""Names joined in a sentence as the reader's language joins them (Babel's format_list, issue 19):
"or" where it means or, the list's commas and last word from CLDR rather than glued-on English."""

from __future__ import annotations

from sqlalchemy import select

from grants.ballots.explain import join_names
from grants.extensions import db
from grants.language import written_in
from grants.models import Award, StaffRole
from grants.updates.services import report_due_message
from tests import factories
from tests.money.conftest import awarded_round


def test_three_convenors_are_named_with_or_in_each_recipients_language(app):
    s = awarded_round(200_000, [60_000])
    others = [factories.person("Dee Convenor"), factories.person("Eli Convenor")]
    for person in others:
        factories.join_staff(s.convenor, s.rnd.id, person, StaffRole.CONVENOR)
    award = db.session.execute(select(Award)).scalars().first()
    _subject, body = report_due_message(award)
    first, dee, eli = (f"{p.display_name} ({p.email})" for p in [s.convenor, *others])
    with app.test_request_context():
        assert f"contact {first}, {dee} or {eli}, who convene" in " ".join(written_in(body, "en").split())
        assert f"{first}, {dee} neu {eli}" in " ".join(written_in(body, "cy").split())


def test_names_joined_with_and_follow_the_page_language(app):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("en_GB"):
            assert [join_names(n) for n in (["A"], ["A", "B"], ["A", "B", "C"])] == ["A", "A and B", "A, B and C"]
        with force_locale("cy_GB"):
            assert join_names(["Aled", "Bethan", "Cai"]) == "Aled, Bethan, a(c) Cai"
