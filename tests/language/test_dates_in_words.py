"""Dates written by Babel in the page's language (issue 19): short month names on the charts and in a
panel member's running-total ranges, and amounts of time by the language's plural rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import force_locale

from grants.models import RateUnit
from grants.panel_pay.totals import Row, time_in_words
from grants.public import charts


def test_the_timetable_chart_names_its_months_in_welsh(app):
    steps = [
        charts.Milestone("Bids close", date(2026, 11, 30)),
        charts.Milestone("Voting opens", date(2026, 12, 9), "moved"),
    ]
    with app.test_request_context(), force_locale("cy_GB"):
        chart = charts.timeline("Bwrdd", steps, date(2026, 12, 1))
    assert "30 Tach 2026" in chart.svg  # the wide picture: short month names
    assert "9 Rhagfyr 2026 (newidiwyd)" in chart.narrow  # the phone's picture: the month in full
    assert "Nov" not in chart.svg and "December" not in chart.narrow and "(changed)" not in chart.narrow


def test_a_running_total_range_names_its_months_in_the_readers_language(app):
    row = Row("This week", date(2026, 11, 30), date(2026, 12, 6), 0, 0, 0)
    across = Row("Tax year", date(2026, 4, 6), date(2027, 4, 5), 0, 0, 0)
    with app.test_request_context():
        with force_locale("cy_GB"):
            assert (row.span, across.span) == ("30 Tach i 6 Rhag 2026", "6 Ebr 2026 i 5 Ebr 2027")
        with force_locale("en_GB"):
            assert row.span == "30 Nov to 6 Dec 2026"


def test_amounts_of_time_follow_the_plural_rules(app):
    with app.test_request_context():
        with force_locale("en_GB"):
            assert time_in_words(1, RateUnit.MEETING) == "1 meeting"
            assert time_in_words(Decimal("1.5"), RateUnit.HALF_DAY) == "1.5 half days"
            assert time_in_words(Decimal("2.00"), RateUnit.HOUR) == "2 hours"
        with force_locale("cy_GB"):
            assert time_in_words(Decimal("1.5"), RateUnit.MEETING) == "1.5 cyfarfod"
