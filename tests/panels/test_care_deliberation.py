"""Deliberation through the web UI: ground rules, the conflicts register, anonymous-to-peers
posts, hiding posts, questions to groups and meetings."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.ballots.closing import close_voting
from grants.extensions import db
from grants.models import Ballot, InterestDeclaration, InterestHistory, Notification, PanelComment, Participation
from grants.panels import wellbeing
from tests import factories
from tests.conftest import post_form, text_of
from tests.panels.care_world import as_person, make_world
from tests.sealed import sealed_ballots


def test_ground_rules_start_from_a_template_and_every_member_agrees(client, app):
    w = make_world(n_members=2)
    slug = w.rnd.slug
    as_person(client, w.members[0])
    assert "have not been written yet" in text_of(client.get(f"/panel/{slug}/ground-rules"))
    # A member may not write them.
    post_form(client, f"/panel/{slug}/ground-rules", {"which": "write", "w-text": "Mine"}, page=f"/panel/{slug}")
    assert wellbeing_rules(w) is None

    as_person(client, w.convenor)
    page = client.get(f"/panel/{slug}/ground-rules")
    assert "We talk about proposals, not about people." in page.get_data(as_text=True)  # the template
    response = post_form(
        client,
        f"/panel/{slug}/ground-rules",
        {"which": "write", "w-text": "1. Be kind.\n2. Take turns."},
        page=f"/panel/{slug}/ground-rules",
    )
    assert response.status_code == 302

    as_person(client, w.members[0])
    post_form(
        client,
        f"/panel/{slug}/ground-rules",
        {"which": "answer", "a-answer": "agree"},
        page=f"/panel/{slug}/ground-rules",
    )
    as_person(client, w.members[1])
    refused = post_form(
        client,
        f"/panel/{slug}/ground-rules",
        {"which": "answer", "a-answer": "change"},
        page=f"/panel/{slug}/ground-rules",
    )
    assert refused.status_code == 400 and "Say what change you would like" in text_of(refused)
    post_form(
        client,
        f"/panel/{slug}/ground-rules",
        {"which": "answer", "a-answer": "change", "a-suggestion": "Add: phones off."},
        page=f"/panel/{slug}/ground-rules",
    )
    page = text_of(client.get(f"/panel/{slug}/ground-rules"))
    assert "1 of 3 panel members have agreed this version" in page

    as_person(client, w.convenor)
    assert "Add: phones off." in text_of(client.get(f"/panel/{slug}/ground-rules"))
    post_form(
        client,
        f"/panel/{slug}/ground-rules",
        {"which": "write", "w-text": "1. Be kind.\n2. Take turns.\n3. Phones off."},
        page=f"/panel/{slug}/ground-rules",
    )
    # A new version needs everyone's agreement again.
    assert "Version 2" in text_of(client.get(f"/panel/{slug}/ground-rules"))
    assert "0 of 3 panel members have agreed" in text_of(client.get(f"/panel/{slug}/ground-rules"))


def wellbeing_rules(w):  # noqa: ANN001, ANN201
    from grants.panels.deliberation import ground_rules

    return ground_rules(w.rnd.id)


def test_conflicts_register_declare_update_withdraw_and_the_ballot_hides_the_proposal(client, app):
    w = make_world(n_members=2)
    slug, p1, p2 = w.rnd.slug, w.proposals[0], w.proposals[1]
    member = w.members[0]
    as_person(client, member)
    page = f"/panel/{slug}/conflicts"
    assert p1.title in text_of(client.get(page))
    post_form(
        client, f"/panel/{slug}/proposals/{p1.id}/interest", {"nature": "I volunteer there.", "next": page}, page=page
    )
    post_form(
        client, f"/panel/{slug}/proposals/{p1.id}/interest", {"nature": "My sister runs it.", "next": page}, page=page
    )
    post_form(client, f"/panel/{slug}/proposals/{p2.id}/interest", {"nature": "Declared in error."}, page=page)
    assert post_form(client, f"/panel/{slug}/proposals/{p2.id}/interest/withdraw", page=page).status_code == 302
    assert "You declared: My sister runs it." in text_of(client.get(page))
    current = db.session.execute(select(InterestDeclaration.proposal_id)).scalars().all()
    assert current == [p1.id]
    actions = db.session.execute(select(InterestHistory.action).order_by(InterestHistory.id)).scalars().all()
    assert actions == ["declared", "updated", "declared", "withdrawn"]

    # The convenor sees the whole register and its history; another member does not.
    as_person(client, w.convenor)
    register = text_of(client.get(page))
    assert "Aisha Anon" in register and "My sister runs it." in register and "withdrawn" in register
    as_person(client, w.members[1])
    assert "My sister runs it." not in text_of(client.get(page))

    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, member)
    post_form(client, f"/panel/{slug}/proposals/{p1.id}/interest/withdraw", page=page)
    assert db.session.execute(select(func.count()).select_from(InterestDeclaration)).scalar_one() == 1

    vote = client.get(f"/vote/{slug}")
    html = vote.get_data(as_text=True)
    assert vote.status_code == 200
    assert p1.title not in html and f'value="{p1.id}"' not in html
    assert p2.title in html
    # Posting the conflicted proposal anyway is refused and writes nothing.
    post_form(client, f"/vote/{slug}/cast", {"proposal": str(p1.id)}, page=f"/vote/{slug}")
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 0
    assert sealed_ballots() == []
    assert db.session.execute(select(func.count()).select_from(Participation)).scalar_one() == 0


def test_anonymous_to_peers_posts_never_show_the_author_to_other_members(client, app):
    w = make_world(n_members=2)
    slug, p1 = w.rnd.slug, w.proposals[0]
    author, peer = w.members
    page = f"/panel/{slug}/proposals/{p1.id}"
    as_person(client, author)
    response = post_form(
        client, page, {"body": "I found the budget hard to follow.", "anonymous_to_peers": "y"}, page=page
    )
    assert response.status_code == 302
    mine = text_of(client.get(page))
    assert "You (other members do not see your name)" in mine
    assert "facilitators still see your name" in mine.lower() or "Facilitators still see your name" in mine

    as_person(client, peer)
    html = client.get(page).get_data(as_text=True)
    assert "I found the budget hard to follow." in html
    assert "Aisha" not in html and "Anon" not in html and author.email not in html
    assert "A panel member" in html
    assert "Who can see what" in text_of(client.get(page))

    as_person(client, w.facilitator)
    assert "Aisha Anon (anonymous to other members)" in text_of(client.get(page))

    # No export carries the name either: the public page, the feedback draft and any notification.
    factories.to_voting(w.convenor, w.rnd.id)
    as_person(client, peer)
    post_form(client, f"/vote/{slug}", {"proposal": [str(p1.id)]}, page=f"/vote/{slug}")
    post_form(client, f"/vote/{slug}/cast", {"proposal": [str(p1.id)]}, page=f"/vote/{slug}")
    close_voting(person=w.convenor, round_id=w.rnd.id)
    assert "Aisha" not in client.get(f"/tables/{slug}").get_data(as_text=True)
    as_person(client, w.facilitator)
    draft = client.get(f"/panel/{slug}/feedback/{p1.id}").get_data(as_text=True)
    assert "I found the budget hard to follow." in draft and "Aisha" not in draft
    post_form(
        client,
        f"/panel/{slug}/feedback/{p1.id}",
        {"body": re.sub(r"\s+", " ", "Thank you. I found the budget hard to follow."), "send": "1"},
        page=f"/panel/{slug}/feedback/{p1.id}",
    )
    bodies = db.session.execute(select(Notification.body)).scalars().all()
    assert bodies and not any("Aisha" in b for b in bodies)
    as_person(client, w.lead)
    assert "Aisha" not in client.get(f"/panel/feedback/{p1.id}").get_data(as_text=True)


def test_facilitator_hides_a_post_and_the_author_sees_why(client, app):
    w = make_world(n_members=2)
    slug, p1 = w.rnd.slug, w.proposals[0]
    author, peer = w.members
    page = f"/panel/{slug}/proposals/{p1.id}"
    as_person(client, author)
    post_form(client, page, {"body": "That lot are useless."}, page=page)
    comment = db.session.execute(select(PanelComment)).scalar_one()

    as_person(client, peer)
    assert post_form(client, f"/panel/{slug}/comments/{comment.id}/hide", {f"hide-{comment.id}-reason": "x"},
                     page=page).status_code == 403  # fmt: skip

    as_person(client, w.facilitator)
    post_form(
        client,
        f"/panel/{slug}/comments/{comment.id}/hide",
        {f"hide-{comment.id}-reason": "Rule 2: we talk about proposals, not people."},
        page=page,
    )
    as_person(client, author)
    mine = text_of(client.get(page))
    assert "Rule 2: we talk about proposals, not people." in mine and "That lot are useless." in mine
    as_person(client, peer)
    theirs = text_of(client.get(page))
    assert "That lot are useless." not in theirs and "hid this post" in theirs


def test_questions_to_the_group_are_answered_in_the_platform(client, app):
    w = make_world(n_members=1)
    slug, p1 = w.rnd.slug, w.proposals[0]
    as_person(client, w.members[0])
    page = f"/panel/{slug}/proposals/{p1.id}"
    post_form(client, f"/panel/{slug}/proposals/{p1.id}/questions", {"question": "Who runs the sessions?"}, page=page)
    note = db.session.execute(select(Notification).where(Notification.event == "panel_question")).scalar_one()
    assert note.person_id == w.lead.id and note.link == f"/panel/questions/{p1.id}"

    as_person(client, w.other_lead)
    assert client.get(f"/panel/questions/{p1.id}").status_code == 403
    as_person(client, w.lead)
    questions = client.get(f"/panel/questions/{p1.id}")
    assert "Who runs the sessions?" in text_of(questions) and "Aisha" not in questions.get_data(as_text=True)
    qid = re.search(r'name="question_id" value="(\d+)"', questions.get_data(as_text=True)).group(1)
    post_form(
        client,
        f"/panel/questions/{p1.id}",
        {"question_id": qid, "answer": "Two peer leaders."},
        page=f"/panel/questions/{p1.id}",
    )
    as_person(client, w.members[0])
    assert "Two peer leaders." in text_of(client.get(page))
    # The group's members are not the panel: they cannot read the panel's pages.
    as_person(client, w.lead)
    assert client.get(page).status_code == 403


def test_meetings_record_agenda_attendance_notes_decisions_and_links(client, app):
    w = make_world(n_members=2)
    slug = w.rnd.slug
    as_person(client, w.members[0])
    assert client.get(f"/panel/{slug}/meetings/new").status_code == 403
    as_person(client, w.facilitator)
    form = {
        "title": "First meeting", "held_on": "2026-05-14", "agenda": "Introductions", "notes": "Good start.",
        "decisions": "Vote opens as planned.", "links": f"/tables/{slug}", "attendees": [str(w.members[0].id)],
    }  # fmt: skip
    bad = post_form(
        client,
        f"/panel/{slug}/meetings/new",
        {**form, "links": "https://evil.example"},
        page=f"/panel/{slug}/meetings/new",
    )
    assert bad.status_code == 400 and "pages on this site" in text_of(bad)
    ok = post_form(client, f"/panel/{slug}/meetings/new", form, page=f"/panel/{slug}/meetings/new")
    assert ok.status_code == 302
    as_person(client, w.members[1])
    record = client.get(ok.headers["Location"])
    page = text_of(record)
    assert "Introductions" in page and "Aisha Anon" in page and "Vote opens as planned." in page
    assert f'href="/tables/{slug}"' in record.get_data(as_text=True)
    as_person(client, w.lead)
    assert client.get(f"/panel/{slug}/meetings").status_code == 403


def test_reflection_summary_source_is_not_linkable():
    """The reflection table has no person column and no time, like ballots."""
    from grants.models import Reflection

    columns = set(Reflection.__table__.columns.keys())
    assert not {c for c in columns if "person" in c or c.endswith("_at")}
    assert wellbeing.MIN_REFLECTIONS == 5


def test_once_ground_rules_are_written_a_member_agrees_them_before_discussing(client, app):
    w = make_world(n_members=1)
    slug, p1 = w.rnd.slug, w.proposals[0]
    from grants.panels.deliberation import write_ground_rules

    write_ground_rules(person=w.convenor, round_id=w.rnd.id, text="1. Be kind.")
    page = f"/panel/{slug}/proposals/{p1.id}"
    as_person(client, w.members[0])
    assert "please read the panel's ground rules" in text_of(client.get(page))
    refused = post_form(client, page, {"body": "Too early?"}, page=page)
    assert refused.status_code == 400 and "agree them or propose a change" in text_of(refused)
    post_form(client, f"/panel/{slug}/ground-rules", {"which": "answer", "a-answer": "agree"}, page=page)
    assert post_form(client, page, {"body": "Now I can."}, page=page).status_code == 302
    assert db.session.execute(select(PanelComment.body)).scalars().all() == ["Now I can."]
