"""The panel's pages in Welsh: a member who chose Cymraeg reads the panel in Welsh, sentences with
values keep the values (and people's words stay escaped), form errors and notes come in Welsh, and
the English pages are unchanged when they switch back."""

from __future__ import annotations

from tests.conftest import post_form, text_of
from tests.panels.care_world import as_person, make_world


def _welsh(client, page: str) -> None:  # noqa: ANN001
    assert post_form(client, f"/language/cy?next={page}", page=page).status_code == 302


def test_a_panel_member_reads_the_panel_in_welsh(client, app):
    w = make_world(n_members=2)
    slug, p1 = w.rnd.slug, w.proposals[0]
    author, peer = w.members
    home = f"/panel/{slug}"
    as_person(client, author)
    _welsh(client, home)

    response = client.get(home)
    html, page = response.get_data(as_text=True), text_of(response)
    assert '<html lang="cy">' in html
    assert "Rheolau sylfaenol" in page and "Cynigion i'w darllen" in page  # the menu and the headings
    assert f"Panel: {w.rnd.title}" in page
    assert f"{p1.title} gan Leeds Peer Circle" in page  # one sentence, its values in the Welsh word order
    assert "Oedi fy nghyfranogiad" in page and "Cymorth" in page  # pause and support, on every panel page
    assert "Ground rules" not in page and "Proposals to read" not in page

    proposal = f"/panel/{slug}/proposals/{p1.id}"
    refused = post_form(client, proposal, {"body": ""}, page=proposal)
    assert refused.status_code == 400 and "Ysgrifennwch sylw" in text_of(refused)  # the form's own message
    posted = post_form(
        client, proposal, {"body": "<b>Rhy ddrud?</b>", "anonymous_to_peers": "y"}, page=proposal, follow=True
    )
    mine = posted.get_data(as_text=True)
    assert "Mae eich sylw wedi'i ychwanegu. Dim ond y panel all ei weld." in text_of(posted)  # the note
    assert "&lt;b&gt;Rhy ddrud?&lt;/b&gt;" in mine and "<b>Rhy ddrud?</b>" not in mine  # people's words escaped
    assert "Chi (nid yw aelodau eraill yn gweld eich enw)" in text_of(posted)

    as_person(client, peer)
    _welsh(client, proposal)
    assert "Aelod o'r panel" in text_of(client.get(proposal))  # how an anonymous post is signed

    assert post_form(client, f"/language/en?next={home}", page=home).status_code == 302
    english = text_of(client.get(home))
    assert "Ground rules" in english and "Proposals to read" in english and "Rheolau sylfaenol" not in english


def test_counts_and_dates_in_welsh_sentences(client, app):
    w = make_world(n_members=3)
    slug = w.rnd.slug
    as_person(client, w.convenor)
    rules = f"/panel/{slug}/ground-rules"
    assert post_form(client, rules, {"which": "write", "w-text": "Byddwch yn garedig."}, page=rules).status_code == 302
    as_person(client, w.members[0])
    _welsh(client, rules)
    post_form(client, rules, {"which": "answer", "a-answer": "agree"}, page=rules)
    page = text_of(client.get(rules))
    # 4 seats (the facilitator and 3 members): one agreed. Welsh keeps the noun singular after a number.
    assert "Mae 1 o 4 aelod o'r panel wedi cytuno i'r fersiwn hon." in page
    assert "Fersiwn 1, ysgrifennwyd" in page
