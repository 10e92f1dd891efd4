"""The note shown when a page needs signing in (Flask-Login's message) is in the visitor's language."""

from __future__ import annotations

from tests.conftest import text_of


def test_the_sign_in_note_reads_in_welsh(client):
    client.get("/language/cy")
    page = text_of(client.get("/me", follow_redirects=True))
    assert "Mewngofnodwch i weld y dudalen honno." in page
    assert "Please sign in to see that page." not in page
    client.get("/language/en")
    assert "Please sign in to see that page." in text_of(client.get("/me", follow_redirects=True))
