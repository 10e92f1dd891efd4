"""Issue 17, forms that trip people: the forms a panel member, facilitator or convenor fills in on
the panel pages say every problem at once, in an error summary whose links go to each box, each box
with its own message and what was typed kept, and write nothing (through the web, CSRF on)."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    GroundRulesResponse,
    InterestDeclaration,
    PanelInvitation,
    ReflectionResponse,
    RuleChange,
    StaffInvitation,
)
from grants.panels import deliberation
from tests import factories
from tests.conftest import post_form
from tests.panels.care_world import as_person, make_world
from tests.panels.test_care_feedback import _decided
from tests.problems import every_problem_linked


def _count(model) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_declaring_a_connection_from_the_register_is_refused_in_its_place(client, app):
    w = make_world()
    slug, p1, p2 = w.rnd.slug, w.proposals[0], w.proposals[1]
    as_person(client, w.members[0])
    register = f"/panel/{slug}/conflicts"
    too_long = "x" * 1001
    response = post_form(client, f"/panel/{slug}/proposals/{p2.id}/interest", {"nature": too_long, "next": register},
                         page=register)  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {f"nature-{p2.id}": "Use 1000 characters or fewer: this has 1001"})
    assert f">{too_long}</textarea>" in html  # what was typed is kept, in the open box it was typed in
    assert html.count("<details open>") == 1
    # From the proposal's own page, an empty declaration is refused on that page.
    page = f"/panel/{slug}/proposals/{p1.id}"
    response = post_form(client, f"{page}/interest", {"nature": ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {"nature": "Say briefly what the connection is"})
    assert _count(InterestDeclaration) == 0


def test_the_ground_rules_answer_says_every_problem_at_once(client, app):
    w = make_world()
    slug = w.rnd.slug
    deliberation.write_ground_rules(person=w.convenor, round_id=w.rnd.id, text="Be kind. Keep it private.")
    as_person(client, w.members[0])
    page = f"/panel/{slug}/ground-rules"
    suggestion = "Meet online too. " * 200
    response = post_form(client, page, {"which": "answer", "a-suggestion": suggestion}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {
        "a-answer": "Choose whether you agree or propose a change",
        "a-suggestion": f"Use 3000 characters or fewer: this has {len(suggestion)}",
    })  # fmt: skip
    assert "Meet online too." in html
    assert _count(GroundRulesResponse) == 0


def test_the_reflection_says_every_problem_at_once(client, app):
    w = _decided(client)
    as_person(client, w.members[0])
    page = f"/panel/{w.rnd.slug}/reflect"
    response = post_form(client, page, {"what_worked": "Meeting in person.", "felt": "", "power": ""}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {"felt": "Choose how it felt", "power": "Choose how much say you had"})
    assert "Meeting in person.</textarea>" in html
    assert _count(ReflectionResponse) == 0


def test_feedback_to_a_group_is_refused_beside_its_box(client, app):
    w = _decided(client)
    p2 = w.proposals[1]
    as_person(client, w.facilitator)
    page = f"/panel/{w.rnd.slug}/feedback/{p2.id}"
    response = post_form(client, page, {"body": "", "send": "1"}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {"body": "Write the feedback"})


def test_inviting_a_panel_member_says_every_problem_at_once(client, app):
    w = make_world()
    as_person(client, w.convenor)
    page = f"/panel/{w.rnd.slug}/invite"
    before = _count(PanelInvitation)
    response = post_form(client, page, {"email": "not an address", "role": ""}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {"email": "Enter a real e-mail address, like name@example.org",
                                "role": "Choose a role"})  # fmt: skip
    assert 'value="not an address"' in html
    assert _count(PanelInvitation) == before


def test_adding_a_convenor_or_treasurer_says_every_problem_at_once(client, app):
    w = make_world()
    as_person(client, w.convenor)
    page = f"/manage/tables/{w.rnd.slug}/staff"
    before = _count(StaffInvitation)
    response = post_form(client, page, {"email": ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {"email": "Enter an e-mail address", "role": "Choose a role"})
    assert _count(StaffInvitation) == before


def test_extending_a_deadline_says_every_problem_at_once(client, app):
    w = make_world()
    as_person(client, w.convenor)
    page = f"/panel/{w.rnd.slug}/deadlines"
    response = post_form(client, page, {"field": "voting_closes_at", "new_date": "next week", "reason": ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {
        "new_date": "Enter a real date, like 2026-05-14",
        "reason": "Say why",
    })  # fmt: skip
    assert _count(RuleChange) == 0


def test_a_stranger_never_sees_the_register_through_a_refused_declaration(client, app):
    w = make_world()
    stranger = factories.person("Sid Stranger")
    as_person(client, stranger)
    page = f"/panel/{w.rnd.slug}/proposals/{w.proposals[0].id}/interest"
    assert post_form(client, page, {"nature": ""}, page="/me").status_code in (403, 404)


def test_a_question_to_the_group_is_refused_on_the_proposals_page_with_what_was_typed(client, app):
    from grants.models import PanelQuestion

    w = make_world()
    slug, p1 = w.rnd.slug, w.proposals[0]
    as_person(client, w.members[0])
    page = f"/panel/{slug}/proposals/{p1.id}"
    too_long = "Who runs the sessions? " * 140  # 3,220 characters
    response = post_form(client, f"{page}/questions", {"question": too_long}, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    every_problem_linked(html, {"question": f"Use 3000 characters or fewer: this has {len(too_long)}"})
    assert f"{too_long}</textarea>" in html
    response = post_form(client, f"{page}/questions", {"question": "   "}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {"question": "Write your question"})
    assert _count(PanelQuestion) == 0


def test_hiding_a_post_without_a_reason_is_refused_under_that_post(client, app):
    from grants.models import PanelComment

    w = make_world(n_members=2)
    slug, p1 = w.rnd.slug, w.proposals[0]
    page = f"/panel/{slug}/proposals/{p1.id}"
    for member, body in zip(w.members, ["That lot are useless.", "I liked the budget."], strict=True):
        as_person(client, member)
        post_form(client, page, {"body": body}, page=page)
    first, second = db.session.execute(select(PanelComment).order_by(PanelComment.id)).scalars()
    as_person(client, w.facilitator)
    typed = "x" * 1001
    response = post_form(client, f"/panel/{slug}/comments/{first.id}/hide", {f"hide-{first.id}-reason": typed},
                         page=page)  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    box = f"hide-{first.id}-reason"
    every_problem_linked(html, {box: "Use 1000 characters or fewer: this has 1001"})
    assert f"{typed}</textarea>" in html and html.count("<details open>") == 1
    assert f'id="hide-{second.id}-reason"' in html  # each post has its own box
    response = post_form(client, f"/panel/{slug}/comments/{first.id}/hide", {box: ""}, page=page)
    assert response.status_code == 400
    every_problem_linked(response.get_data(as_text=True), {box: "Give the reason"})
    db.session.expire_all()
    assert db.session.get(PanelComment, first.id).hidden_at is None
