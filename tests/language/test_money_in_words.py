"""Money written and read for the reader's language, through Babel (issue 19): one function writes
every amount (the `money` filter), one reads what a person types; English and Welsh write £4,200.50."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from grants.money_format import format_for_input, format_pence, parse_pounds
from tests import factories
from tests.conftest import login, post_form, text_of


def test_amounts_are_written_by_the_pages_locale(app):
    with app.test_request_context():
        with force_locale("en_GB"):
            assert (format_pence(420_050), format_pence(420_000), format_pence(-5)) == ("£4,200.50", "£4,200", "-£0.05")
        with force_locale("cy_GB"):
            assert format_pence(420_050) == "£4,200.50"
        # A language that writes money its own way gets it from Babel, with nothing to add here.
        with force_locale("de_DE"):
            assert format_pence(420_050) == "4.200,50\xa0£"
            assert format_for_input(420_050) == "4200,50"
        assert app.jinja_env.filters["money"] is format_pence


def test_amounts_typed_are_read_by_the_pages_locale(app):
    with app.test_request_context():
        with force_locale("cy_GB"):
            assert parse_pounds("£1,250.50") == 125_050
            with pytest.raises(ValueError, match="Gallai “12,50” olygu mwy nag un swm"):
                parse_pounds("12,50")
        with force_locale("de_DE"):
            assert parse_pounds("1.250,50") == 125_050
            with pytest.raises(ValueError):
                parse_pounds("12.50")  # a thousands mark in the wrong place: refused, not guessed
        with force_locale("en_GB"):
            with pytest.raises(ValueError, match="“12,50” could mean more than one amount"):
                parse_pounds("12,50")


def test_an_ambiguous_amount_is_refused_in_welsh_on_a_welsh_form(app, client):
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    login(client, convenor.email)
    client.get("/language/cy")
    page = f"/money/tables/{rnd.slug}/panel-rate"
    response = post_form(client, page, {"unit": "meeting", "rate": "12,50", "counts_reading": "y"}, page=page)
    assert response.status_code == 400
    text = text_of(response)
    assert "Gallai “12,50” olygu mwy nag un swm" in text
    assert "could mean more than one amount" not in text
    response = post_form(client, page, {"unit": "meeting", "rate": "twelve", "counts_reading": "y"}, page=page)
    assert "Rhowch swm mewn punnoedd, fel 1200 neu 1200.50" in text_of(response)
