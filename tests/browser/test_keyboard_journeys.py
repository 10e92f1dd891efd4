"""Keyboard-only journeys (Tab, Shift+Tab, Space, Enter, and arrow keys where a keyboard user
would use them; no mouse): submit a bid, cast a ballot of every type, record and confirm a
consensus decision, vote with a community voting code, release a payment. `cast_ballot_by_keyboard` is the reusable helper for
ballot types: pass `fill` to answer a different ballot paper (points, scores, ranking...).
Each journey then checks what the database stored against what was typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from tests.browser.conftest import LiveSite
from tests.browser.helpers import (
    axe_violations,
    extra_problems,
    focused_group,
    focused_label,
    new_context,
    sign_in,
    tab_to,
)
from tests.security.world import EMAILS


def _page(browser, site: LiveSite, role: str):  # noqa: ANN001, ANN202
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, site, role)
    return page


def url(site: LiveSite, endpoint: str, **values) -> str:  # noqa: ANN003
    """An absolute URL on the live site."""
    from flask import url_for

    with site.app.test_request_context():
        return site.url + url_for(endpoint, **values)


def _type_into(page, label: str, text: str) -> None:  # noqa: ANN001
    tab_to(page, label)
    page.keyboard.type(text)


def type_date(page, day: date) -> None:  # noqa: ANN001
    """Type a date into the focused date field, segment by segment, as a keyboard user does.

    Chromium's date field follows the browser's interface language, not the page's; try the
    month-first order (en-US, Debian's default) and then day-first."""
    for pattern in ("%m%d%Y", "%d%m%Y"):
        page.keyboard.type(day.strftime(pattern), delay=20)
        if page.evaluate("() => document.activeElement.value") == day.isoformat():
            return
        for _ in range(3):  # clear each segment going back
            page.keyboard.press("Backspace")
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
    raise AssertionError("could not type the date")


def approve(*labels: str) -> Callable:
    """Fill an approval ballot: tick each proposal whose label contains one of `labels`."""

    def fill(page) -> None:  # noqa: ANN001
        for label in labels:
            tab_to(page, label)
            page.keyboard.press("Space")
            assert page.evaluate("() => document.activeElement.checked"), label

    return fill


def assert_no_barriers(page) -> None:  # noqa: ANN001
    """axe-core's WCAG 2.2 A and AA rules and the checks axe does not make, on the page as it is now."""
    problems = axe_violations(page) + extra_problems(page)
    assert not problems, f"{page.url}: " + "\n".join(problems)


def press_enter_on(page, text: str) -> None:  # noqa: ANN001
    """Tab to the link or button `text`, press Enter and wait for the page it leads to."""
    tab_to(page, text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def fill_check_and_cast(page, fill: Callable) -> str:  # noqa: ANN001
    """On a ballot paper: fill it in, continue, check it and cast it. Returns the receipt code."""
    assert_no_barriers(page)
    fill(page)
    press_enter_on(page, "Continue")
    assert "Check your ballot" in page.locator("h1").inner_text()
    assert_no_barriers(page)
    press_enter_on(page, "Cast my vote")
    return page.locator(".receipt").inner_text().strip()


def cast_ballot_by_keyboard(page, site: LiveSite, slug: str, fill: Callable) -> str:  # noqa: ANN001
    """From the panel page to a receipt, by keyboard only. Returns the receipt code."""
    page.goto(url(site, "panels.home", slug=slug))
    press_enter_on(page, "Vote")
    assert page.url == url(site, "ballots.vote", slug=slug)
    code = fill_check_and_cast(page, fill)
    assert page.url == url(site, "ballots.receipt", slug=slug)
    return code


def stored_marks(site: LiveSite, receipt: str) -> dict[int, int]:
    """The marks of the ballot cast with this receipt, by proposal id."""
    with site.app.app_context():
        (ballot,) = _sealed_with(receipt)
        return {int(pid): mark for pid, mark in ballot["marks"].items()}


def _sealed_with(receipt: str) -> list[dict]:
    """The ballot cast with this receipt, opened from its sealed envelope (plain rows come at the count)."""
    from tests.sealed import sealed_ballots

    return [b for b in sealed_ballots() if b.get("receipt") == receipt]


def test_submit_a_bid_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "member")
    page.goto(url(site, "public.round", slug=site.world.open_round))
    press_enter_on(page, "Bid for your group")
    press_enter_on(page, "Allotment Minds")
    _type_into(page, "Title of your proposal", "Winter soup club")
    _type_into(page, "Summary", "A warm meal and company every Thursday.")
    _type_into(page, "What will you do?", "Cook together on the allotment's stove.")
    # Back with Shift+Tab to correct the summary, then on again.
    tab_to(page, "Summary", backwards=True)
    page.keyboard.type(" Open to everyone.")
    _type_into(page, "Who will benefit?", "People on their own through the winter.")
    _type_into(page, "Item", "Ingredients")
    page.keyboard.press("Tab")
    assert "Cost in pounds" in focused_label(page)
    page.keyboard.type("450")
    tab_to(page, "Show our group")
    page.keyboard.press("Space")
    press_enter_on(page, "Save and check your answers")
    assert "/check" in page.url, page.locator("main").inner_text()[:500]
    press_enter_on(page, "Submit the proposal")

    from grants.extensions import db
    from grants.models import Proposal

    with site.app.app_context():
        bid = db.session.execute(select(Proposal).where(Proposal.title == "Winter soup club")).scalar_one()
        assert bid.is_submitted
        assert bid.summary.endswith("Open to everyone.")
        assert bid.requested_pence == 45_000
        assert bid.agreed_to_be_named


def test_cast_an_approval_ballot_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "panel")
    ticked = ("Weekly peer support evenings", "Raised beds and tools")
    code = cast_ballot_by_keyboard(page, site, site.world.voting_round, approve(*ticked))
    from grants.extensions import db
    from grants.models import Proposal, Round

    with site.app.app_context():
        on_ballot = select(Proposal.id).join(Round).where(Round.slug == site.world.voting_round)
        ids = {db.session.execute(on_ballot.where(Proposal.title.startswith(t))).scalar_one() for t in ticked}
    assert stored_marks(site, code) == dict.fromkeys(ids, 1)


def test_release_a_payment_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    page = _page(browser, site, "treasurer")
    from grants.extensions import db
    from grants.models import Tranche

    with site.app.app_context():
        before = db.session.execute(select(func.count(Tranche.id))).scalar()
    page.goto(url(site, "money.pay", award_id=site.world.award_id))
    _type_into(page, "Amount paid", "100")
    tab_to(page, "Date paid")
    type_date(page, date.today())
    _type_into(page, "Bank reference", "OT-KEYBOARD-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/payments" in page.url, page.locator("main").inner_text()[:500]
    with site.app.app_context():
        assert db.session.execute(select(func.count(Tranche.id))).scalar() == before + 1
        tranche = db.session.execute(select(Tranche).order_by(Tranche.id.desc())).scalars().first()
        assert tranche.amount_pence == 10_000


# ---------------------------------------------------------------------------
# The other ballot types, each on a table of its own with panel@ on the panel.

BIDS = (  # title, its lead's role, group, cost in pence
    ("Walking group", "member", "Mind the Gap Peer Support", 20_000),
    ("Art on the ward", "other_member", "Hearing Voices Leeds", 30_000),
    ("Seed swap", "member", "Allotment Minds", 10_000),
)
CRITERIA = ["Led by lived experience", "Good value"]


def ballot_table(site: LiveSite, ballot_type: str, **rules) -> tuple[str, dict[str, int]]:  # noqa: ANN003
    """A table deciding by `ballot_type`, in voting, with the BIDS on it and panel@ on its panel.

    Returns its slug and the proposals' ids by title."""
    from grants.extensions import db
    from grants.models import BallotType, Group, Person
    from grants.models.rounds import RULES_FOR_BALLOT
    from tests import factories as f

    kind = BallotType(ballot_type)
    with site.app.app_context():

        def person(role: str) -> Person:
            return db.session.execute(select(Person).where(Person.email == EMAILS[role])).scalar_one()

        convenor = person("convenor")
        rnd = f.open_round(convenor, ballot_type=kind, counting_rule=RULES_FOR_BALLOT[kind][0], **rules)
        f.funded(rnd.id, 100_000)
        ids = {}
        for title, role, group, cost in BIDS:
            grp = db.session.execute(select(Group).where(Group.name == group)).scalar_one()
            ids[title] = f.proposal(person(role), rnd.id, grp, cost, title=title).id
        f.seat(convenor, rnd.id, person("panel"))
        f.to_voting(convenor, rnd.id)
        return rnd.slug, ids


def focused_value(page) -> str:  # noqa: ANN001
    """The value of the focused field (for a radio, only if it is checked)."""
    return page.evaluate(
        "() => { const el = document.activeElement; return el.type === 'radio' && !el.checked ? '' : el.value; }"
    )


def test_cast_a_points_ballot_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    slug, ids = ballot_table(site, "cumulative", points_total=10, points_cap=6)
    page = _page(browser, site, "panel")

    def fill(page) -> None:  # noqa: ANN001
        tab_to(page, "Walking group")
        page.keyboard.type("7")
        tab_to(page, "Seed swap")
        page.keyboard.type("3")
        press_enter_on(page, "Continue")
        # Too many for one proposal: the error summary's link leads straight to its box, kept as typed.
        assert "no more than 6 points" in page.locator(".error-summary").inner_text()
        assert_no_barriers(page)
        tab_to(page, "no more than 6 points")
        page.keyboard.press("Enter")
        assert "Walking group" in focused_label(page) and focused_value(page) == "7"
        page.keyboard.press("ArrowDown")  # a number field steps down from 7 to 6
        assert focused_value(page) == "6"
        tab_to(page, "Art on the ward")
        page.keyboard.type("1")

    code = cast_ballot_by_keyboard(page, site, slug, fill)
    assert stored_marks(site, code) == {ids["Walking group"]: 6, ids["Art on the ward"]: 1, ids["Seed swap"]: 3}


def test_cast_a_score_ballot_with_comments_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    slug, ids = ballot_table(site, "score", score_max=4, score_criteria=CRITERIA)
    page = _page(browser, site, "panel")
    answers = {  # per proposal, per criterion: the score and why
        "Walking group": [(3, "Run by people who use services."), (4, "A lot of walking for £200.")],
        "Art on the ward": [(2, "Some of the group have been inpatients."), (0, "Costly for one term.")],
        "Seed swap": [(1, "Not clear who leads it."), (2, "Cheap, but small.")],
    }

    def choose(page, score: int) -> None:  # noqa: ANN001
        # Tabbing into a radio group with nothing chosen focuses its first choice, 0; the
        # arrow keys move along and choose, and Space chooses the one focused.
        page.keyboard.press("Space" if score == 0 else "ArrowRight")
        for _ in range(score - 1):
            page.keyboard.press("ArrowRight")
        assert focused_value(page) == str(score)

    def fill(page) -> None:  # noqa: ANN001
        for title, per_criterion in answers.items():
            for criterion, (score, why) in zip(CRITERIA, per_criterion, strict=True):
                tab_to(page, f"{criterion}: score for {title}", by=focused_group)
                choose(page, score)
                page.keyboard.press("Tab")
                assert "Why this score" in focused_label(page) and title in focused_label(page) and title in focused_group(page)
                page.keyboard.type(why)
        # Second thoughts: back with Shift+Tab to a score already given, and one lower.
        tab_to(page, "Good value: score for Walking group", backwards=True, by=focused_group)
        assert focused_value(page) == "4"
        page.keyboard.press("ArrowLeft")
        assert focused_value(page) == "3"

    code = cast_ballot_by_keyboard(page, site, slug, fill)
    answers["Walking group"][1] = (3, answers["Walking group"][1][1])  # the second thought
    totals = {ids[title]: sum(score for score, _ in marks) for title, marks in answers.items()}
    assert stored_marks(site, code) == totals
    with site.app.app_context():
        (ballot,) = _sealed_with(code)
        stored = {tuple(c) for c in ballot["comments"]}
    assert stored == {
        (ids[title], ci, score, why) for title, marks in answers.items() for ci, (score, why) in enumerate(marks)
    }


def test_cast_a_ranked_ballot_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    site = fresh_site
    slug, ids = ballot_table(site, "ranked", rank_depth=3)
    page = _page(browser, site, "panel")

    def place(page, title: str, key: str, times: int, expected: str, *, backwards: bool = False) -> None:  # noqa: ANN001
        tab_to(page, title, backwards=backwards)
        for _ in range(times):
            page.keyboard.press(key)  # a closed list box steps through its options
        assert focused_value(page) == expected

    def fill(page) -> None:  # noqa: ANN001
        place(page, "Walking group", "ArrowDown", 1, "1")
        place(page, "Seed swap", "ArrowDown", 2, "2")
        # Changed order: back up to the walking group for place 2, then the seed swap up to 1.
        place(page, "Walking group", "ArrowDown", 1, "2", backwards=True)
        place(page, "Seed swap", "ArrowUp", 1, "1")

    code = cast_ballot_by_keyboard(page, site, slug, fill)
    assert stored_marks(site, code) == {ids["Seed swap"]: 1, ids["Walking group"]: 2}


def test_record_and_confirm_a_consensus_decision_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    """panel@ facilitates the consensus table: records the decision, then confirms it as a member present."""
    site = fresh_site
    slug = site.world.consensus_round
    from grants.extensions import db
    from grants.models import ConsensusRecord, Participation, Person, Proposal, Round
    from tests import factories as f

    with site.app.app_context():
        round_id = db.session.execute(select(Round.id).where(Round.slug == slug)).scalar_one()
        f.funded(round_id, 50_000)  # the pot the decision must fit
        bid = db.session.execute(select(Proposal.id).where(Proposal.round_id == round_id)).scalar_one()
        people = {
            role: db.session.execute(select(Person).where(Person.email == EMAILS[role])).scalar_one()
            for role in ("panel", "conflicted_panel")
        }
        facilitator, other = ((p.id, p.display_name) for p in people.values())
    page = _page(browser, site, "panel")
    page.goto(url(site, "panels.home", slug=slug))
    # No "Vote" button that could only say there is no ballot: the way on is the record.
    assert page.get_by_role("link", name="Vote", exact=True).count() == 0
    press_enter_on(page, "Change the record")
    assert page.url == url(site, "ballots.consensus_record", slug=slug)
    assert_no_barriers(page)
    # The form starts from the record already written: both of them present, nothing funded.
    ticked = page.eval_on_selector_all("input:checked", "els => els.map(e => e.id)")
    assert sorted(ticked) == sorted([f"present-{facilitator[0]}", f"present-{other[0]}"])
    for label, group in (
        ("Deciding together", "decide to fund"),
        (other[1], "stood aside"),
    ):
        tab_to(page, label)
        if group not in focused_group(page):  # their "present" box comes first: already ticked
            tab_to(page, label)
        assert group in focused_group(page)
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked"), (label, group)
    press_enter_on(page, "Continue")
    assert page.locator("h1").inner_text() == "Check the record"
    press_enter_on(page, "Save the record")
    assert "The decision is recorded" in page.locator(".flashes").inner_text()
    press_enter_on(page, "I confirm this is what we decided")
    assert "You have confirmed the panel's decision" in page.locator(".flashes").inner_text()

    with site.app.app_context():
        record = db.session.execute(select(ConsensusRecord).where(ConsensusRecord.round_id == round_id)).scalar_one()
        assert record.funded_ids == [bid]
        assert record.recorded_by_id == facilitator[0]
        attendance = {a.person_id: (a.stood_aside, a.confirmed_at is not None) for a in record.attendance}
        assert attendance == {facilitator[0]: (False, True), other[0]: (True, False)}
        said = db.session.execute(
            select(Participation.person_id, Participation.channel).where(Participation.round_id == round_id)
        ).all()
        assert [tuple(row) for row in said] == [(facilitator[0], "consensus")]


def test_vote_with_a_community_code_by_keyboard(browser, fresh_site: LiveSite) -> None:  # noqa: ANN001
    """In a community-wide vote anyone with a printed code votes, signed out; a mistyped code is put right."""
    site = fresh_site
    from grants.ballots import codes
    from grants.extensions import db
    from grants.models import Electorate, Person, Round, VotingCode

    slug, ids = ballot_table(site, "approval", electorate=Electorate.COMMUNITY, community_name="Hyde Park tenants")
    with site.app.app_context():
        convenor = db.session.execute(select(Person).where(Person.email == EMAILS["convenor"])).scalar_one()
        round_id = db.session.execute(select(Round.id).where(Round.slug == slug)).scalar_one()
        (given,) = codes.print_codes(person=convenor, round_id=round_id, how_many=1)
    page = _page(browser, site, "anonymous")
    page.goto(url(site, "public.round", slug=slug))
    press_enter_on(page, "Vote with your code")
    _type_into(page, "Your voting code", "VQ7K M2XD P9RA")  # the example on the page, not a real code
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "not a voting code for this table" in page.locator(".error-summary").inner_text()
    assert_no_barriers(page)
    # Typed as people do: small letters, spaces for dashes.
    _type_into(page, "Your voting code", given.lower().replace("-", " "))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == url(site, "ballots.code_vote", slug=slug)
    receipt = fill_check_and_cast(page, approve("Walking group", "Seed swap"))
    assert page.url == url(site, "ballots.code_receipt", slug=slug)
    assert stored_marks(site, receipt) == {ids["Walking group"]: 1, ids["Seed swap"]: 1}
    with site.app.app_context():
        used = db.session.execute(select(VotingCode.used).where(VotingCode.round_id == round_id)).scalars().all()
    assert used == [True]
