"""Feedback to every applicant, the published success rate, and anonymous reflections
shown only in aggregate from 5 answers, through the web UI."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.ballots.closing import close_voting
from grants.extensions import db
from grants.models import Notification, Reflection, ReflectionResponse, SealedEnvelope
from grants.panels import formation
from tests import factories
from tests.conftest import post_form, text_of
from tests.panels.care_world import as_person, make_world


def _decided(client, max_picks: int | None = None, n_members: int = 3):  # noqa: ANN001, ANN202
    w = make_world(n_members=n_members, max_picks=max_picks)
    slug, p1, p2 = w.rnd.slug, w.proposals[0], w.proposals[1]
    as_person(client, w.members[0])
    page = f"/panel/{slug}/proposals/{p2.id}"
    post_form(client, page, {"body": "Lovely idea but the costs were unclear."}, page=page)
    formation.save_settings(person=w.convenor, round_id=w.rnd.id,
                            values={"where_else_to_look": "Try the Community Foundation small grants."})  # fmt: skip
    factories.to_voting(w.convenor, w.rnd.id)
    for m in w.members:
        as_person(client, m)
        post_form(client, f"/vote/{slug}/cast", {"proposal": [str(p1.id)]}, page=f"/vote/{slug}")
    close_voting(person=w.convenor, round_id=w.rnd.id)
    return w


def test_facilitator_assembles_edits_and_sends_feedback_and_the_success_rate_is_public(client, app):
    w = _decided(client)
    slug, p1, p2 = w.rnd.slug, w.proposals[0], w.proposals[1]
    as_person(client, w.members[1])
    assert client.get(f"/panel/{slug}/feedback").status_code == 403
    assert client.get(f"/panel/{slug}/feedback/{p2.id}").status_code == 403
    as_person(client, w.lead)
    assert client.get(f"/panel/{slug}/feedback/{p2.id}").status_code == 403

    as_person(client, w.facilitator)
    listing = text_of(client.get(f"/panel/{slug}/feedback"))
    assert "Success rate: 1 of 2 proposals funded (50%)" in listing
    draft = text_of(client.get(f"/panel/{slug}/feedback/{p2.id}"))
    assert "did not fund it this time" in draft and "Why:" in draft
    assert "Lovely idea but the costs were unclear." in draft
    assert "Try the Community Foundation small grants." in draft
    edited = "Thank you. The panel liked the idea; the costs need more detail. Try the Community Foundation."
    post_form(
        client, f"/panel/{slug}/feedback/{p2.id}", {"body": edited, "send": "0"}, page=f"/panel/{slug}/feedback/{p2.id}"
    )
    assert not db.session.execute(select(Notification).where(Notification.event == "result",
                                                             Notification.body == edited)).first()  # fmt: skip
    as_person(client, w.other_lead)
    assert "has not been sent yet" in text_of(client.get(f"/panel/feedback/{p2.id}"))
    as_person(client, w.facilitator)
    post_form(
        client, f"/panel/{slug}/feedback/{p2.id}", {"body": edited, "send": "1"}, page=f"/panel/{slug}/feedback/{p2.id}"
    )
    sent = db.session.execute(
        select(Notification).where(Notification.event == "result", Notification.body == edited)
    ).scalar_one()
    assert sent.person_id == w.other_lead.id
    # Sent feedback cannot be changed afterwards.
    again = post_form(
        client,
        f"/panel/{slug}/feedback/{p2.id}",
        {"body": "Changed", "send": "1"},
        page=f"/panel/{slug}/feedback/{p2.id}",
    )
    assert again.status_code == 400
    as_person(client, w.other_lead)
    assert edited in text_of(client.get(f"/panel/feedback/{p2.id}"))
    as_person(client, w.lead)
    assert client.get(f"/panel/feedback/{p2.id}").status_code == 403
    funded_draft_owner = text_of(client.get(f"/panel/feedback/{p1.id}"))
    assert "has not been sent yet" in funded_draft_owner

    client.delete_cookie("session")
    public = text_of(client.get(f"/tables/{slug}"))
    assert "1 of 2 proposals were funded (50%)" in public


def test_reflections_are_anonymous_and_shown_only_from_five_answers(client, app):
    w = _decided(client)
    slug = w.rnd.slug
    stranger = factories.person("Sid Stranger")
    as_person(client, stranger)
    assert client.get(f"/panel/{slug}/reflect").status_code == 403

    everyone = [w.members[0], w.members[1], w.lead, w.other_lead]
    for n, person in enumerate(everyone):
        as_person(client, person)
        response = post_form(client, f"/panel/{slug}/reflect",
                             {"what_worked": f"Worked {n}", "what_did_not": "", "felt": "3", "power": str(5 - n % 2)},
                             page=f"/panel/{slug}/reflect")  # fmt: skip
        assert response.status_code == 302, text_of(response)
    twice = post_form(client, f"/panel/{slug}/reflect", {"felt": "1", "power": "1"}, page=f"/panel/{slug}/reflect")
    assert "You have answered" in text_of(client.get(f"/panel/{slug}/reflect"))
    assert twice.status_code in (200, 302)
    # The four answers wait sealed, none in the clear (migration 0021: sealed until a step of five).
    assert db.session.execute(select(func.count()).select_from(SealedEnvelope)).scalar_one() == 4
    assert db.session.execute(select(func.count()).select_from(Reflection)).scalar_one() == 0

    client.delete_cookie("session")
    public = text_of(client.get(f"/tables/{slug}"))
    assert "shown once at least 5 people have answered" in public
    assert "How much say people felt they had" not in public
    as_person(client, w.convenor)
    assert "Results are shown once at least 5" in text_of(client.get(f"/panel/{slug}/reflections"))
    assert "Worked 0" not in text_of(client.get(f"/panel/{slug}/reflections"))

    post_form(
        client,
        f"/panel/{slug}/reflect",
        {"what_worked": "Worked 4", "felt": "2", "power": "3"},
        page=f"/panel/{slug}/reflect",
    )
    assert db.session.execute(select(func.count()).select_from(ReflectionResponse)).scalar_one() == 5
    assert db.session.execute(select(func.count()).select_from(SealedEnvelope)).scalar_one() == 0
    summary = text_of(client.get(f"/panel/{slug}/reflections"))
    assert "5 people answered" in summary and "Worked 4" in summary
    client.delete_cookie("session")
    public = text_of(client.get(f"/tables/{slug}"))
    assert "How much say people felt they had" in public and "People like me decided 2" in public
    assert "Worked 0" not in public  # written answers are not published
    assert client.get(f"/panel/{slug}/reflections").status_code == 302  # needs sign-in
    as_person(client, w.members[0])
    assert client.get(f"/panel/{slug}/reflections").status_code == 403


def test_other_sources_such_as_score_comments_feed_the_draft_through_the_seam(client, app):
    from grants.panels import wellbeing

    w = _decided(client)
    p2 = w.proposals[1]

    def score_comments(proposal_id: int) -> tuple[str, list[str]]:
        return ("Comments with the scores", ["Strong community links."] if proposal_id == p2.id else [])

    wellbeing.register_feedback_source(score_comments)
    try:
        as_person(client, w.facilitator)
        draft = text_of(client.get(f"/panel/{w.rnd.slug}/feedback/{p2.id}"))
        assert "Comments with the scores: - Strong community links." in draft
    finally:
        wellbeing.FEEDBACK_SOURCES.remove(score_comments)


def test_reflections_are_released_in_steps_of_five_so_one_answer_cannot_be_read_off_the_change(client, app):
    from grants.models import GroupRole

    w = _decided(client, n_members=4)
    slug = w.rnd.slug
    # Ten people who took part: the panel, the convenor, the facilitator, and members of the groups that bid.
    fellows = [factories.person(f"Fellow {i}") for i in range(2)]
    for fellow in fellows:
        factories.join_group(w.lead, w.proposals[0].group_id, fellow, GroupRole.MEMBER)
    people = [*w.members, w.lead, w.other_lead, w.convenor, w.facilitator, *fellows]
    assert len(people) == 10

    def answer(person, n: int) -> None:  # noqa: ANN001
        as_person(client, person)
        response = post_form(client, f"/panel/{slug}/reflect",
                             {"what_worked": f"Worked {n}", "what_did_not": "", "felt": "3", "power": "5"},
                             page=f"/panel/{slug}/reflect")  # fmt: skip
        assert response.status_code == 302, text_of(response)
        assert response.headers["Location"].endswith(f"/panel/{slug}/reflect"), response.headers["Location"]

    for n, person in enumerate(people[:5]):
        answer(person, n)
    client.delete_cookie("session")
    before = text_of(client.get(f"/tables/{slug}"))
    assert "5 people who took part answered" in before and "People like me decided 5" in before
    # A sixth answer changes nothing that is shown: the figures would give it away.
    answer(people[5], 5)
    client.delete_cookie("session")
    assert text_of(client.get(f"/tables/{slug}")) == before
    as_person(client, w.convenor)
    page = text_of(client.get(f"/panel/{slug}/reflections"))
    assert "5 people answered" in page and "6 people have answered so far" in page
    assert "Worked 5" not in page and "Worked 4" in page
    # At the tenth answer the release moves on to all ten.
    for n, person in enumerate(people[6:10], start=6):
        answer(person, n)
    as_person(client, w.convenor)
    page = text_of(client.get(f"/panel/{slug}/reflections"))
    assert "10 people answered" in page and "so far" not in page
    assert all(f"Worked {n}" in page for n in range(10))
    client.delete_cookie("session")
    assert "10 people who took part answered" in text_of(client.get(f"/tables/{slug}"))
