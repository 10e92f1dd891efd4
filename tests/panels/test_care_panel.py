"""Forming a panel and looking after people, through the web UI: the open call, the fair
draw, substitutes, pausing on every page, reminders, more time, content notes, forms that
keep their input, and no pressure mechanics."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.ballots.quorum import eligible_voters
from grants.extensions import db
from grants.models import (
    Notification,
    PanelComment,
    PanelMember,
    PanelVolunteer,
    RuleChange,
    VolunteerStatus,
)
from grants.panels import formation, wellbeing
from grants.panels.keep_input import COOKIE
from grants.tally import lottery_order
from tests import factories
from tests.conftest import login, post_form, text_of
from tests.panels.care_world import PASSWORD, as_person, make_world
from tests.sealed import sealed_ballots


def _volunteer(client, slug: str, lived: bool, access: str = "") -> None:  # noqa: ANN001
    response = post_form(
        client,
        f"/panel/{slug}/volunteer",
        {"lived_experience": "yes" if lived else "no", "access_needs": access, "contact_by": "email"},
        page=f"/panel/{slug}/volunteer",
    )
    assert response.status_code == 302, text_of(response)


def test_open_call_volunteering_and_make_up_in_aggregate(client, app):
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    slug = rnd.slug
    as_person(client, convenor)
    post_form(client, f"/panel/{slug}/forming",
              {"panel_size": "3", "lived_experience_target_percent": "67", "call_text": "Come and decide."},
              page=f"/panel/{slug}/forming")  # fmt: skip
    post_form(client, f"/panel/{slug}/forming/open-call", page=f"/panel/{slug}/forming")

    client.delete_cookie("session")
    public = client.get(f"/panel/{slug}/volunteer")
    assert (
        public.status_code == 200 and "Create an account" in text_of(public) and "Come and decide." in text_of(public)
    )
    assert "Join the panel" in text_of(client.get(f"/tables/{slug}"))

    people = [factories.person(n) for n in ("Val One", "Wes Two", "Xia Three", "Yan Four")]
    for i, p in enumerate(people):
        as_person(client, p)
        _volunteer(client, slug, lived=i < 3, access="Large print" if i == 0 else "")
    assert "Your reference in the draw" in text_of(client.get(f"/panel/{slug}/volunteer"))

    as_person(client, people[0])
    assert client.get(f"/panel/{slug}/forming").status_code == 403
    as_person(client, convenor)
    page = text_of(client.get(f"/panel/{slug}/forming"))
    assert "4, of whom 3 with lived experience" in page
    assert "Large print" in page and "Val One" in page
    # Lived experience is never shown next to a name.
    assert not re.search(r"Val One[^|]{0,80}(lived|Yes)", page)


def test_fair_draw_is_repeatable_keeps_the_target_and_calls_substitutes(client, app):
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    slug = rnd.slug
    formation.save_settings(person=convenor, round_id=rnd.id,
                            values={"panel_size": 6, "lived_experience_target_percent": 66})  # fmt: skip
    formation.open_call(person=convenor, round_id=rnd.id, is_open=True)
    volunteers = [factories.person(f"Vol {i}") for i in range(13)]
    for i, p in enumerate(volunteers):
        formation.volunteer(person=p, round_id=rnd.id, has_lived_experience=i < 7, access_needs="",
                            contact_by="email", contact_details="")  # fmt: skip
    as_person(client, convenor)
    assert post_form(client, f"/panel/{slug}/forming/draw", page=f"/panel/{slug}/forming").status_code == 302
    assert db.session.execute(select(func.count()).select_from(PanelMember)).scalar_one() == 0  # the call is open
    post_form(client, f"/panel/{slug}/forming/close-call", page=f"/panel/{slug}/forming")
    post_form(client, f"/panel/{slug}/forming/draw", page=f"/panel/{slug}/forming")

    seats = db.session.execute(select(PanelMember)).scalars().all()
    assert len(seats) == 6 and sum(1 for s in seats if s.has_lived_experience) == 4  # ceil(6 × 66%) = 4

    # Anyone can repeat it from the published page alone.
    client.delete_cookie("session")
    published = text_of(client.get(f"/panel/{slug}/draw"))
    seed = re.search(r"Seed ([0-9a-f]{32})", published).group(1)
    lived = re.search(r"Codes with lived experience: ([^.]+)\.", published).group(1).split(", ")
    others = re.search(r"Other codes: ([^.]+)\.", published).group(1).split(", ")
    order = re.search(r"Order drawn \(seats first, then substitutes\): ([^.]+)\.", published).group(1).split(", ")
    again = lottery_order(lived, seed)[:4] + lottery_order(others, seed)[:2]
    assert order[:6] == again
    seated_refs = set(
        db.session.execute(
            select(PanelVolunteer.reference).where(PanelVolunteer.status == VolunteerStatus.SEATED)
        ).scalars()
    )
    assert seated_refs == set(again)

    # A lived-experience member steps down; the next lived-experience substitute is called in.
    leaving = next(s for s in seats if s.has_lived_experience)
    as_person(client, leaving.person)
    assert client.get(f"/panel/{slug}/step-down").status_code == 200
    post_form(client, f"/panel/{slug}/step-down", page=f"/panel/{slug}/step-down")
    assert formation.make_up(rnd.id).seated == 5
    as_person(client, volunteers[0])
    assert post_form(client, f"/panel/{slug}/forming/substitute", page="/me").status_code == 403
    as_person(client, convenor)
    post_form(client, f"/panel/{slug}/forming/substitute", page=f"/panel/{slug}/forming")
    after = formation.make_up(rnd.id)
    assert after.seated == 6 and after.seated_lived == 4 and after.target_met
    called = db.session.execute(
        select(PanelVolunteer).where(PanelVolunteer.reference == lottery_order(lived, seed)[4])
    ).scalar_one()
    assert called.status is VolunteerStatus.SEATED


def test_pause_and_support_are_on_every_panel_page_and_pausing_excludes_from_quorum_and_reminders(client, app):
    w = make_world(n_members=3)
    slug, p1 = w.rnd.slug, w.proposals[0]
    pausing, quiet, keen = w.members
    as_person(client, pausing)
    pages = [f"/panel/{slug}", f"/panel/{slug}/proposals/{p1.id}", f"/panel/{slug}/ground-rules",
             f"/panel/{slug}/conflicts", f"/panel/{slug}/meetings", f"/panel/{slug}/care",
             f"/panel/{slug}/step-down"]  # fmt: skip
    for page in pages:
        body = text_of(client.get(page))
        assert "Pause my participation" in body, page
        assert "Sam, 0113 000 0000" in body, page  # the round's support contact
    # Pausing from a proposal page comes back to it.
    back = post_form(client, f"/panel/{slug}/pause", {"next": pages[1]}, page=pages[1])
    assert back.headers["Location"] == pages[1]
    assert "Resume taking part" in text_of(client.get(pages[2]))
    assert eligible_voters(w.rnd.id) == 3  # the facilitator and two members; the paused member does not count

    # Reminders: opt-in. The paused member opted in but gets none; the member who did not opt in gets none.
    for person, wants in ((pausing, True), (keen, True)):
        as_person(client, person)
        post_form(client, f"/panel/{slug}/care",
                  {"which": "prefs", "p-wants_reminders": "y" if wants else "", "p-content_notes_first": "y"},
                  page=f"/panel/{slug}/care")  # fmt: skip
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, quiet)
    assert post_form(client, f"/panel/{slug}/deadlines/remind", page=f"/panel/{slug}").status_code == 403
    as_person(client, w.convenor)
    post_form(client, f"/panel/{slug}/deadlines/remind", page=f"/panel/{slug}/deadlines")
    reminded = db.session.execute(select(Notification).where(Notification.event == "reminder")).scalars().all()
    assert [n.person_id for n in reminded] == [keen.id]
    assert "no rush" in reminded[0].body and "turn these reminders off" in reminded[0].body


def test_paused_member_not_counted_towards_quorum(client, app):
    w = make_world(n_members=2)
    assert eligible_voters(w.rnd.id) == 3
    as_person(client, w.members[0])
    post_form(client, f"/panel/{w.rnd.slug}/pause", page=f"/panel/{w.rnd.slug}")
    assert eligible_voters(w.rnd.id) == 2
    post_form(client, f"/panel/{w.rnd.slug}/resume", page=f"/panel/{w.rnd.slug}")
    assert eligible_voters(w.rnd.id) == 3


def test_more_time_for_one_member_and_extensions_for_everyone_are_shown_with_why(client, app):
    w = make_world(n_members=1)
    slug = w.rnd.slug
    member = w.members[0]
    as_person(client, member)
    until = (w.rnd.voting_closes_at.date()).isoformat()
    response = post_form(
        client,
        f"/panel/{slug}/care",
        {"which": "time", "t-what": "reading", "t-until": until},
        page=f"/panel/{slug}/care",
    )
    assert response.status_code == 302
    assert "more time for reading" in text_of(client.get(f"/panel/{slug}"))
    assert client.get(f"/panel/{slug}/deadlines").status_code == 403

    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.convenor)
    assert "Aisha Anon: more time for reading" in text_of(client.get(f"/panel/{slug}/deadlines"))
    later = w.rnd.voting_closes_at.date().replace(day=1).toordinal()
    new_date = __import__("datetime").date.fromordinal(max(later, w.rnd.voting_closes_at.date().toordinal()) + 7)
    no_reason = post_form(client, f"/panel/{slug}/deadlines",
                          {"field": "voting_closes_at", "new_date": new_date.isoformat(), "reason": ""},
                          page=f"/panel/{slug}/deadlines")  # fmt: skip
    assert no_reason.status_code == 400
    frozen = post_form(client, f"/panel/{slug}/deadlines",
                       {"field": "voting_opens_at", "new_date": new_date.isoformat(), "reason": "x"},
                       page=f"/panel/{slug}/deadlines")  # fmt: skip
    assert frozen.status_code == 400 and "only the closing date" in text_of(frozen)
    ok = post_form(client, f"/panel/{slug}/deadlines",
                   {"field": "voting_closes_at", "new_date": new_date.isoformat(),
                    "reason": "Several members were unwell."}, page=f"/panel/{slug}/deadlines")  # fmt: skip
    assert ok.status_code == 302
    assert db.session.execute(select(RuleChange.reason)).scalar_one() == "Several members were unwell."
    client.delete_cookie("session")
    public = text_of(client.get(f"/tables/{slug}"))
    assert "Voting closes changed" in public and "Why: Several members were unwell." in public
    assert "Several members were unwell." in text_of(client.get(f"/panel/{slug}/how-we-work"))


def test_content_notes_shown_first_if_chosen_and_skipping_never_blocks_the_ballot(client, app):
    w = make_world(n_members=1)
    slug, p1, p2 = w.rnd.slug, w.proposals[0], w.proposals[1]
    as_person(client, w.other_lead)
    assert client.get(f"/panel/content-note/{p1.id}").status_code == 403
    as_person(client, w.lead)
    post_form(
        client, f"/panel/content-note/{p1.id}", {"note": "Mentions bereavement."}, page=f"/panel/content-note/{p1.id}"
    )
    member = w.members[0]
    as_person(client, member)
    html = client.get(f"/panel/{slug}/proposals/{p1.id}").get_data(as_text=True)
    assert html.index("Mentions bereavement.") < html.index('<details class="proposal-text">')
    assert "skip this proposal" in html
    post_form(
        client, f"/panel/{slug}/care", {"which": "prefs", "p-content_notes_first": ""}, page=f"/panel/{slug}/care"
    )
    html = client.get(f"/panel/{slug}/proposals/{p1.id}").get_data(as_text=True)
    assert 'class="proposal-text"' not in html and "Content note: Mentions bereavement." in html

    # A member who read nothing can still vote.
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    post_form(client, f"/vote/{slug}/cast", {"proposal": [str(p2.id)]}, page=f"/vote/{slug}")
    assert len(sealed_ballots(w.rnd.id)) == 1


def test_a_bad_csrf_token_shows_the_form_again_with_what_was_typed(client, app):
    w = make_world(n_members=1)
    page = f"/panel/{w.rnd.slug}/proposals/{w.proposals[0].id}"
    as_person(client, w.members[0])
    typed = "A long careful comment I spent twenty minutes on."
    response = client.post(page, data={"body": typed, "csrf_token": "expired-token"})
    assert response.status_code == 400
    body = text_of(response)
    assert typed in body
    assert "Your session ran out or the form was out of date. Your answers are kept below" in body
    assert db.session.execute(select(func.count()).select_from(PanelComment)).scalar_one() == 0
    # Sending it again with the fresh token from that page works.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert client.post(page, data={"body": typed, "csrf_token": token}).status_code == 302
    assert db.session.execute(select(func.count()).select_from(PanelComment)).scalar_one() == 1


def test_signed_out_while_typing_keeps_the_draft_through_signing_in(client, app):
    w = make_world(n_members=1)
    page = f"/panel/{w.rnd.slug}/proposals/{w.proposals[0].id}"
    as_person(client, w.members[0])
    client.get(page)
    client.delete_cookie("session")  # the session expired
    typed = "Typed before my session ran out."
    response = client.post(page, data={"body": typed, "anonymous_to_peers": "y", "csrf_token": "stale"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get_cookie(COOKIE) is not None
    assert db.session.execute(select(func.count()).select_from(PanelComment)).scalar_one() == 0
    signed_in = post_form(
        client, response.headers["Location"], {"email": w.members[0].email, "password": PASSWORD}, page="/login"
    )
    assert signed_in.headers["Location"] == page
    again = client.get(page).get_data(as_text=True)
    assert "Here is what you typed before you were signed out." in again
    assert typed in again and re.search(
        r'name="anonymous_to_peers"[^>]*checked|checked[^>]*name="anonymous_to_peers"', again
    )
    assert client.get_cookie(COOKIE) is None  # used once, then forgotten


def test_open_call_keeps_the_answers_of_someone_signed_out_while_filling_it_in(client, app):
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    formation.open_call(person=convenor, round_id=rnd.id, is_open=True)
    newcomer = factories.person("Nia New")
    as_person(client, newcomer)
    assert "Step-free" not in client.get(f"/panel/{rnd.slug}/volunteer").get_data(as_text=True)
    client.delete_cookie("session")  # signed out while filling in the form
    response = client.post(f"/panel/{rnd.slug}/volunteer",
                           data={"lived_experience": "yes", "access_needs": "Step-free access", "contact_by": "text",
                                 "csrf_token": "stale"})  # fmt: skip
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, newcomer.email, PASSWORD)
    again = client.get(f"/panel/{rnd.slug}/volunteer").get_data(as_text=True)
    assert "Step-free access" in again and re.search(r'value="text"[^>]*checked|checked[^>]*value="text"', again)
    assert db.session.execute(select(func.count()).select_from(PanelVolunteer)).scalar_one() == 0


PRESSURE = re.compile(
    r"countdown|time left|left to vote|hours? left|days? left|remaining|others? (have|has) voted|"
    r"people (have )?voted|\d+ of \d+ (have )?voted|leaderboard|<progress|<meter|<script|data-deadline",
    re.I,
)


def test_ballot_and_review_pages_have_no_countdown_or_peer_counts(client, app):
    w = make_world(n_members=3)
    slug, p1 = w.rnd.slug, w.proposals[0]
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    post_form(client, f"/vote/{slug}/cast", {"proposal": [str(p1.id)]}, page=f"/vote/{slug}")
    as_person(client, w.members[1])
    pages = [f"/vote/{slug}", f"/panel/{slug}", f"/panel/{slug}/proposals/{p1.id}", f"/panel/{slug}/care"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        assert not PRESSURE.search(html), (page, PRESSURE.search(html).group(0))
    check = post_form(client, f"/vote/{slug}", {"proposal": [str(p1.id)]}, page=f"/vote/{slug}")
    assert check.status_code == 200 and not PRESSURE.search(check.get_data(as_text=True))


def test_how_we_work_is_public_plain_english_with_easy_read(client, app):
    w = make_world(n_members=1, quorum_min_share_percent=50)
    page = text_of(client.get(f"/panel/{w.rnd.slug}/how-we-work"))
    for heading in (
        "Easy Read summary",
        "What the money is for",
        "Who can apply",
        "How the panel votes",
        "How votes are counted",
        "How many votes are needed",
        "Conflicts of interest",
        "Timetable",
    ):
        assert heading in page
    # Worded in one place with the public rules now (issue 15): the same example, the same sentence.
    assert "not counting members who have paused (for example, with a panel of 9 that would be 5)" in page
    assert "Panel members can take a break at any time." in page
    _ = wellbeing  # the care module is the one under test here


def test_invited_members_can_say_privately_whether_they_have_lived_experience(client, app):
    from grants.models import PanelRole
    from grants.panels.services import invite

    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    guest = factories.person("Gus Guest")
    _inv, token = invite(person=convenor, round_id=rnd.id, email=guest.email, role=PanelRole.MEMBER)
    as_person(client, guest)
    page = client.get(f"/panel/join/{token}")
    assert "never shown next to your name" in text_of(page)
    post_form(client, f"/panel/join/{token}", {"lived_experience": "yes"}, page=f"/panel/join/{token}")
    made_up = formation.make_up(rnd.id)
    assert (made_up.seated, made_up.seated_lived, made_up.seated_unknown) == (1, 1, 0)


def test_the_ballot_page_offers_pause_and_support_too(client, app):
    w = make_world(n_members=1)
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, w.members[0])
    page = text_of(client.get(f"/vote/{w.rnd.slug}"))
    assert "Pause my participation" in page and "Sam, 0113 000 0000" in page
    paused = post_form(
        client, f"/panel/{w.rnd.slug}/pause", {"next": f"/vote/{w.rnd.slug}"}, page=f"/vote/{w.rnd.slug}"
    )
    assert paused.headers["Location"] == f"/vote/{w.rnd.slug}"
    assert db.session.execute(select(PanelMember.is_paused).where(PanelMember.person_id == w.members[0].id)).scalar()
