"""Issue 16: the idle timeout is announced on the calm pages (panel and ballot) too.

Those pages carry no script and nothing that counts down (tests/panels/test_care_panel.py), so
GOV.UK's timeout dialog is not shown there. Instead each says once, plainly, how long the idle
timeout is and what happens to what the person typed; this test does what each sentence says.
"""

from __future__ import annotations

import re

from grants.panels import formation
from grants.panels.keep_input import COOKIE
from tests import factories
from tests.conftest import login, text_of
from tests.panels.care_world import PASSWORD, as_person, make_world
from tests.panels.test_care_panel import PRESSURE
from tests.security.test_sessions_end import _idle_for

SENTENCE = re.compile(
    r"To keep your information safe, we sign you out after (.+?) without activity\. (.+?)(?= Our Tables:)"
)


def _said(html_text: str) -> tuple[str, str]:
    found = SENTENCE.search(html_text)
    assert found, "no timeout sentence on a calm page"
    return found.group(1), found.group(2)


def test_panel_and_ballot_pages_say_how_long_and_what_is_kept_without_counting_down(client, app):
    w = make_world(n_members=2)
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    for page, kept in (
        (f"/vote/{w.rnd.slug}", "the choices you have not cast yet are not kept"),
        (f"/panel/{w.rnd.slug}", "Anything you have not saved is lost"),
    ):
        response = client.get(page)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert not PRESSURE.search(html) and "session-timeout.js" not in html
        how_long, what = _said(text_of(response))
        assert how_long == "2 hours" and kept in what, (page, what)
    app.config["SESSION_IDLE_MINUTES"] = 30
    assert _said(text_of(client.get(f"/vote/{w.rnd.slug}")))[0] == "30 minutes"


def test_what_a_panel_form_says_is_kept_comes_back_after_the_idle_timeout(client, app):
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    formation.open_call(person=convenor, round_id=rnd.id, is_open=True)
    newcomer = factories.person("Nia New")
    as_person(client, newcomer)
    page = f"/panel/{rnd.slug}/volunteer"
    shown = client.get(page)
    assert "What you have typed here is kept, and comes back when you sign in again." in _said(text_of(shown))[1]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', shown.get_data(as_text=True)).group(1)
    _idle_for(client, 121)  # the real idle timeout, not a deleted cookie
    typed = {"lived_experience": "yes", "access_needs": "A quiet room", "contact_by": "text", "csrf_token": token}
    response = client.post(page, data=typed)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, newcomer.email, PASSWORD)
    assert "A quiet room" in client.get(page).get_data(as_text=True)


def test_what_a_ballot_says_is_not_kept_is_not_kept(client, app):
    w = make_world(n_members=2)
    factories.to_voting(w.convenor, w.rnd.id)
    choice = w.proposals[0]
    as_person(client, w.members[0])
    paper = client.get(f"/vote/{w.rnd.slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', paper).group(1)
    _idle_for(client, 121)
    response = client.post(f"/vote/{w.rnd.slug}", data={"proposal": [str(choice.id)], "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get_cookie(COOKIE) is None  # nothing of the ballot waits in the browser
    login(client, w.members[0].email, PASSWORD)
    again = client.get(f"/vote/{w.rnd.slug}").get_data(as_text=True)
    assert not re.search(rf'value="{choice.id}"[^>]*checked|checked[^>]*value="{choice.id}"', again)
