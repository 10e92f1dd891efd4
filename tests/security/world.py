"""A populated world (the demo: tables at every stage, one person per role) built once per
database backend and cloned for each test, so every test starts from the same state cheaply.

SQLite: the built file is copied. PostgreSQL: the built database is a template for
`CREATE DATABASE ... TEMPLATE`, which copies it on the server in a fraction of a second.
"""

from __future__ import annotations

import copy
import io
import itertools
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from config import TestConfig
from grants import create_app
from grants.extensions import db
from tests.conftest import (
    BACKENDS,
    Client,
    csrf_token,
    kept_engine,
    make_app,
    pg_restore,
    pg_snapshot,
    post_form,
    release_engine,
)

ROLES = ("anonymous", "member", "other_member", "panel", "conflicted_panel", "convenor", "funder", "treasurer")
# The demo's accounts for each role (grants/demo.py). panel1 declared an interest in a proposal.
EMAILS = {
    "member": "member@example.org",
    "other_member": "other@example.org",
    "panel": "panel@example.org",
    "conflicted_panel": "panel1@example.org",
    "convenor": "convenor@example.org",
    "funder": "funder@example.org",
    "treasurer": "treasurer@example.org",
}
_clone = itertools.count(1)

# Per backend and role, the cookies a sign-in gave and the form token read from that session's
# pages: every copy of the world has the same people with the same session generations, so a
# session that began in one copy is the same session in the next (`signed_in`).
_sessions: dict[tuple[str, str], tuple[dict[str, str], str]] = {}
CONSENSUS_TABLE = "Consensus Table"  # a second table in voting: not the demo's `voting_round`
# Tables in voting with the other ballot kinds (the demo's is approval): their ballots and check pages
# are crawled for forms (tests/security/test_hostile_inputs.py). Titles start with this.
BALLOT_KIND_TABLE = "Ballot kind: "
BALLOT_KINDS = {
    "cumulative": {"ballot_type": "cumulative", "points_total": 10, "points_cap": 6},
    "score": {"ballot_type": "score", "counting_rule": "score-average", "score_max": 4,
              "score_criteria": ["Led by lived experience", "Good value"]},
    "ranked": {"ballot_type": "ranked", "rank_depth": 2},
}  # fmt: skip


@dataclass
class World:
    """Names and ids of the objects in the demo that routes are tried against."""

    open_round: str = ""
    voting_round: str = ""
    paying_round: str = ""
    member_group: str = ""
    other_group: str = ""
    funder: str = ""
    pledge_id: int = 0
    award_id: int = 0
    member_proposal_open: int = 0  # the member's bid in the table open for bids
    other_proposal_open: int = 0
    member_proposal_voting: int = 0  # a bid the panel is voting on, from the member's group
    conflicted_proposal: int = 0  # the bid conflicted_panel declared an interest in
    public_upload: int = 0
    private_upload: int = 0
    other_proposal_voting: int = 0  # a bid the panel is voting on, from the other group
    member_award: int = 0  # the member's group's award in the table paying out
    other_award: int = 0
    notification_id: int = 0  # one of the member's own notifications
    group_invitation: int = 0  # Survivors' Poetry North invites the member to join
    ballot_kind_rounds: list[str] = field(default_factory=list)  # tables voting by points, scores, ranks
    no_pb_import: int = 999_999  # no .pb import has this id
    staff_invitation: int = 0  # the newest table invites a co-convenor who has no account yet
    meeting_id: int = 0  # a panel meeting in the table voting
    comment_id: int = 0  # a panel comment in the table voting
    scheduled_tranche: int = 0  # a bank transfer scheduled, not held (the funder may hold it)
    held_tranche: int = 0  # the demo's held payment (the funder may lift it)
    confirm_tranche: dict = field(default_factory=dict)  # role -> a scheduled transfer that role records as sent
    time_log: int = 0  # time panel@ logged, waiting for the convenor
    expense_id: int = 0  # expenses panel@ claimed with a receipt, waiting for the convenor
    settle_seat: dict = field(default_factory=dict)  # role -> a panel seat owed approved pay
    panel_run: int = 0  # the demo's panel pay run: it paid panel@ and panel1@
    tax_year: int = 0  # the tax year today is in (by the year it began)
    checkout_id: int = 0  # a funder's card checkout (as Stripe would have recorded it)
    offered_place: int = 0  # the demo's funder offer the convenors have not decided yet
    awaiting_tranche: int = 0  # a release above the table's amount, waiting for a second person
    claimed_contribution: int = 0  # the demo's bank transfer the funder claims, for the treasurer to check
    reversible_contribution: int = 0  # a confirmed transfer into the open table (nothing awarded from it yet)
    paid_bank_tranche: int = 0  # a bank payment sent to a group (the treasurer may record it came back)
    deliberation_round: str = ""  # panel@ (facilitator) and panel1@ talk the bids over; questions still open
    member_proposal_deliberation: int = 0
    conflicted_proposal_deliberation: int = 0  # panel1@ declared an interest in it
    consensus_round: str = ""  # decides by consensus; in voting; panel@ and panel1@ recorded as present
    draw_round: str = ""  # a draft table whose call is closed, ready for the fair draw
    substitute_round: str = ""  # a draft table drawn, one seat empty, a substitute waiting
    any_id: int = 1  # an id for admin pages that refuse before looking anything up
    bogus_action: str = "neither"  # not confirm or discard: refused as a bad request
    dataset: str = "rounds"
    fmt: str = "csv"
    unknown_path: str = "no-such-thing"
    language: str = "cy"  # a language the site offers: the language link
    extra: dict = field(default_factory=dict)
    current_role: str = ""  # set by the test before each request, for per-role objects


def _build(app: Flask) -> None:
    from grants.core import transaction
    from grants.demo import load_demo
    from grants.uploads import save_upload

    load_demo()
    img = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(img, format="PNG")
    with transaction():
        for public in (True, False):
            save_upload(
                FileStorage(stream=io.BytesIO(img.getvalue()), filename="photo.png"),
                kind="photo",
                person_id=None,
                is_public=public,
            )
    _build_extras()


def _person(email: str):  # noqa: ANN202
    from grants.models import Person

    return db.session.execute(select(Person).where(Person.email == email)).scalar_one()


def _build_extras() -> None:
    """Objects the demo does not make: made through the same services people use."""
    from datetime import date, timedelta
    from decimal import Decimal

    from grants.core import transaction
    from grants.models import (
        Activity,
        Award,
        ExpenseKind,
        Funder,
        Pledge,
        Proposal,
        Round,
        RoundStatus,
        StripeCheckout,
    )
    from grants.money import payouts
    from grants.panel_pay import services as panel_pay
    from grants.panels import deliberation

    convenor, treasurer = _person("convenor@example.org"), _person("treasurer@example.org")
    panel = _person("panel@example.org")
    voting = db.session.execute(select(Round).where(Round.status == RoundStatus.VOTING)).scalar_one()
    paying = db.session.execute(select(Round).where(Round.status == RoundStatus.PAYING)).scalar_one()
    proposal = (
        db.session.execute(select(Proposal).where(Proposal.round_id == voting.id).order_by(Proposal.id))
        .scalars()
        .first()
    )
    deliberation.save_meeting(
        person=convenor, round_id=voting.id, meeting_id=None, title="First meeting", held_on=date.today(),
        agenda="Introductions", notes="We met.", decisions="None yet.", links="", attendee_ids=[panel.id],
    )  # fmt: skip
    deliberation.add_comment(person=_person("panel2@example.org"), proposal_id=proposal.id, body="A thought.")
    # Payments scheduled by bank transfer: one to hold, one per role to record as sent.
    award = db.session.execute(select(Award).where(Award.round_id == paying.id).order_by(Award.id)).scalars().first()
    for _ in range(4):
        payouts.release_tranche(person=treasurer, award_id=award.id, amount_pence=100)
    # Released by the funder above the table's amount: it waits for a second person (the treasurer).
    payouts.release_tranche(person=_person("funder@example.org"), award_id=award.id, amount_pence=60_000)
    # Panel pay: time and an expense waiting for the convenor, and two seats owed approved pay.
    panel_pay.log_time(person=panel, round_id=paying.id, activity=Activity.READING,
                       worked_on=date.today() - timedelta(days=1), units=Decimal("1"))  # fmt: skip
    receipt = FileStorage(stream=io.BytesIO(_png()), filename="receipt.png")
    panel_pay.claim_expense(person=panel, round_id=paying.id, kind=ExpenseKind.TRAVEL,
                            spent_on=date.today() - timedelta(days=1), amount_pence=450,
                            description="Bus to the meeting", receipt=receipt)  # fmt: skip
    for email in ("panel3@example.org", "panel4@example.org"):
        log = panel_pay.log_time(person=_person(email), round_id=paying.id, activity=Activity.READING,
                                 worked_on=date.today() - timedelta(days=1), units=Decimal("1"))  # fmt: skip
        panel_pay.decide_time(person=convenor, log_id=log.id, approve=True)
    # A card payment as Stripe would have recorded it (no Stripe in tests to start one).
    funder = db.session.execute(select(Funder)).scalars().first()
    pledge_row = (
        db.session.execute(select(Pledge).where(Pledge.funder_id == funder.id).order_by(Pledge.id)).scalars().first()
    )
    with transaction() as session:
        session.add(StripeCheckout(pledge_id=pledge_row.id, reference="OT-TEST-CHECKOUT", amount_pence=10_000,
                                   opened_by_id=_person("funder@example.org").id))  # fmt: skip
    _build_forming(convenor)
    _build_deliberation(convenor)
    _build_consensus(convenor)
    for kind, rules in BALLOT_KINDS.items():
        _build_ballot_kind(convenor, kind, rules)


def _build_consensus(convenor) -> None:  # noqa: ANN001
    """A table deciding by consensus, in voting, whose record names panel@ and panel1@ as present."""
    from datetime import UTC, datetime, timedelta

    from grants.ballots.consensus import record_consensus
    from grants.demo import _round
    from grants.models import Group, PanelRole, RoundStatus
    from grants.panels.services import accept_invitation, invite
    from grants.proposals.services import start_proposal, submit_proposal
    from grants.rounds.services import advance

    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=45)
    round_id = _round(
        convenor,
        CONSENSUS_TABLE,
        "A table that decides together.",
        start,
        ballot_type="consensus",
        counting_rule="consensus",
    )
    advance(person=convenor, round_id=round_id, to=RoundStatus.OPEN_FOR_BIDS)
    lead = _person("member@example.org")
    group_id = db.session.execute(select(Group.id).where(Group.name == "Mind the Gap Peer Support")).scalar_one()
    item = start_proposal(
        person=lead, round_id=round_id, group_id=group_id,
        fields={"title": "Deciding together", "summary": "Sessions.", "activities": "We meet weekly.",
                "beneficiaries": "People in our area.", "agreed_to_be_named": True},
        lines=[("Room hire", 50_000)],
    )  # fmt: skip
    submit_proposal(person=lead, proposal_id=item.id)
    present = []
    for email, role in (("panel@example.org", PanelRole.FACILITATOR), ("panel1@example.org", PanelRole.MEMBER)):
        _inv, token = invite(person=convenor, round_id=round_id, email=email, role=role)
        accept_invitation(person=_person(email), token=token)
        present.append(_person(email).id)
    for to in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING):
        advance(person=convenor, round_id=round_id, to=to)
    record_consensus(person=convenor, round_id=round_id, funded_ids=[], present_ids=present, aside_ids=[])


def _build_ballot_kind(convenor, kind: str, rules: dict) -> None:  # noqa: ANN001
    """A table in voting with this ballot kind: panel@ facilitates, panel1@ sits; two groups bid."""
    from datetime import UTC, datetime, timedelta

    from grants.demo import _round
    from grants.models import Group, PanelRole, RoundStatus
    from grants.panels.services import accept_invitation, invite
    from grants.proposals.services import start_proposal, submit_proposal
    from grants.rounds.services import advance

    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=43)
    round_id = _round(convenor, BALLOT_KIND_TABLE + kind, "A table trying another ballot.", start, **rules)
    advance(person=convenor, round_id=round_id, to=RoundStatus.OPEN_FOR_BIDS)
    bidders = (("member@example.org", "Mind the Gap Peer Support"), ("other@example.org", "Hearing Voices Leeds"))
    for email, group_name in bidders:
        lead = _person(email)
        group_id = db.session.execute(select(Group.id).where(Group.name == group_name)).scalar_one()
        item = start_proposal(
            person=lead, round_id=round_id, group_id=group_id,
            fields={"title": f"{group_name} evenings", "summary": "Sessions.", "activities": "We meet weekly.",
                    "beneficiaries": "People in our area.", "agreed_to_be_named": True},
            lines=[("Room hire", 40_000)],
        )  # fmt: skip
        submit_proposal(person=lead, proposal_id=item.id)
    for email, role in (("panel@example.org", PanelRole.FACILITATOR), ("panel1@example.org", PanelRole.MEMBER)):
        _inv, token = invite(person=convenor, round_id=round_id, email=email, role=role)
        accept_invitation(person=_person(email), token=token)
    for to in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING):
        advance(person=convenor, round_id=round_id, to=to)


def _build_deliberation(convenor) -> None:  # noqa: ANN001
    """A table in deliberation: the panel may still ask groups questions and withdraw an interest.

    panel@ facilitates and panel1@ sits on it and has declared an interest in the other group's bid.
    """
    from datetime import UTC, datetime, timedelta

    from grants.demo import _round
    from grants.models import Group, PanelRole, RoundStatus
    from grants.panels.services import accept_invitation, declare_interest, invite
    from grants.proposals.services import start_proposal, submit_proposal
    from grants.rounds.services import advance

    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=35)
    round_id = _round(convenor, "Deliberation Table", "A table whose panel is talking the bids over.", start)
    advance(person=convenor, round_id=round_id, to=RoundStatus.OPEN_FOR_BIDS)
    ids = {}
    for email, name in (
        ("member@example.org", "Mind the Gap Peer Support"),
        ("other@example.org", "Hearing Voices Leeds"),
    ):
        lead = _person(email)
        group_id = db.session.execute(select(Group.id).where(Group.name == name)).scalar_one()
        item = start_proposal(
            person=lead, round_id=round_id, group_id=group_id,
            fields={"title": f"Talking it over: {name}", "summary": "Sessions.", "activities": "We meet weekly.",
                    "beneficiaries": "People in our area.", "agreed_to_be_named": True},
            lines=[("Room hire", 50_000)],
        )  # fmt: skip
        submit_proposal(person=lead, proposal_id=item.id)
        ids[email] = item.id
    for email, role in (("panel@example.org", PanelRole.FACILITATOR), ("panel1@example.org", PanelRole.MEMBER)):
        _inv, token = invite(person=convenor, round_id=round_id, email=email, role=role)
        accept_invitation(person=_person(email), token=token)
    advance(person=convenor, round_id=round_id, to=RoundStatus.BIDS_CLOSED)
    advance(person=convenor, round_id=round_id, to=RoundStatus.DELIBERATION)
    declare_interest(person=_person("panel1@example.org"), proposal_id=ids["other@example.org"],
                     nature="I go to this group's meetings.")  # fmt: skip


def _build_forming(convenor) -> None:  # noqa: ANN001
    """Panels being drawn: one ready for the draw, one drawn with a seat empty and a substitute waiting.

    Both stay drafts, so the demo's one table at each published stage is still the one the tests find.
    The member also answers the open call of the table open for bids (and may take their name back).
    """
    from datetime import UTC, datetime

    from grants.demo import _round
    from grants.models import Person, Round, RoundStatus
    from grants.panels import formation

    def volunteer(email: str, round_id: int) -> None:
        formation.volunteer(person=_person(email), round_id=round_id, has_lived_experience=True, access_needs="",
                            contact_by="email", contact_details="")  # fmt: skip

    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for title, size in (("Draw Ready Table", 2), ("Substitute Table", 1)):
        round_id = _round(convenor, title, "A table forming its panel by a fair draw.", start)
        formation.save_settings(person=convenor, round_id=round_id, values={"panel_size": size})
        formation.open_call(person=convenor, round_id=round_id, is_open=True)
        for email in ("panel3@example.org", "panel4@example.org"):
            volunteer(email, round_id)
        formation.open_call(person=convenor, round_id=round_id, is_open=False)
        if size == 1:
            seated = formation.run_draw(person=convenor, round_id=round_id)
            formation.step_down(person=db.session.get(Person, seated[0].person_id), round_id=round_id)
    open_id = db.session.execute(select(Round.id).where(Round.status == RoundStatus.OPEN_FOR_BIDS)).scalar_one()
    volunteer("member@example.org", open_id)


def _png() -> bytes:
    img = io.BytesIO()
    Image.new("RGB", (4, 4), (120, 10, 10)).save(img, format="PNG")
    return img.getvalue()


_described: dict[str, World] = {}  # per world template (`cloned_world`), what `describe` found in a copy of it


def describe(app: Flask) -> World:
    """Look up the world's objects (ids differ per backend only in theory; read them anyway).

    Every copy of one template holds the same rows, so a fresh copy (`cloned_world`) is read
    once per template and test process; each caller gets its own World to change."""
    template = app.config.get("TEST_WORLD_TEMPLATE")
    if template not in _described:
        found = _describe(app)
        if template is None:
            return found
        _described[template] = found
    return copy.deepcopy(_described[template])


def _describe(app: Flask) -> World:
    from grants.models import (
        Award,
        Funder,
        Group,
        InterestDeclaration,
        Pledge,
        Proposal,
        Round,
        RoundStatus,
        Upload,
    )

    def one(stmt):  # noqa: ANN001, ANN202
        return db.session.execute(stmt).scalars().first()

    w = World()
    rounds = db.session.execute(select(Round)).scalars().all()
    extra = {r.slug for r in rounds if r.title == CONSENSUS_TABLE or r.title.startswith(BALLOT_KIND_TABLE)}
    by_status = {r.status: r.slug for r in rounds if r.slug not in extra}
    w.ballot_kind_rounds = sorted(r.slug for r in rounds if r.title.startswith(BALLOT_KIND_TABLE))
    w.open_round = by_status[RoundStatus.OPEN_FOR_BIDS]
    w.voting_round = by_status[RoundStatus.VOTING]
    w.paying_round = by_status[RoundStatus.PAYING]
    w.member_group = one(select(Group.slug).where(Group.name == "Mind the Gap Peer Support"))
    w.other_group = one(select(Group.slug).where(Group.name == "Hearing Voices Leeds"))
    w.funder = one(select(Funder.slug))
    w.pledge_id = one(select(Pledge.id).order_by(Pledge.id))
    w.award_id = one(select(Award.id).order_by(Award.id.desc()))
    open_id = one(select(Round.id).where(Round.slug == w.open_round))
    voting_id = one(select(Round.id).where(Round.slug == w.voting_round))
    member_group_id = one(select(Group.id).where(Group.slug == w.member_group))
    other_group_id = one(select(Group.id).where(Group.slug == w.other_group))
    w.member_proposal_open = one(
        select(Proposal.id).where(Proposal.round_id == open_id, Proposal.group_id == member_group_id)
    )
    w.other_proposal_open = one(
        select(Proposal.id).where(Proposal.round_id == open_id, Proposal.group_id == other_group_id)
    )
    w.member_proposal_voting = one(
        select(Proposal.id).where(Proposal.round_id == voting_id, Proposal.group_id == member_group_id)
    )
    w.conflicted_proposal = one(
        select(InterestDeclaration.proposal_id)
        .join(Proposal, Proposal.id == InterestDeclaration.proposal_id)
        .where(Proposal.round_id == voting_id)
    )
    w.public_upload = one(select(Upload.id).where(Upload.is_public.is_(True)))
    w.private_upload = one(select(Upload.id).where(Upload.is_public.is_(False)))
    _describe_extras(w, one, voting_id, member_group_id, other_group_id)
    return w


def _describe_extras(w: World, one, voting_id: int, member_group_id: int, other_group_id: int) -> None:  # noqa: ANN001
    from grants.models import (
        Award,
        ClaimStatus,
        Expense,
        GroupInvitation,
        Meeting,
        Notification,
        PanelComment,
        PanelMember,
        Person,
        Proposal,
        Round,
        RoundStatus,
        StaffInvitation,
        StripeCheckout,
        TimeLog,
        Tranche,
        TrancheStatus,
    )

    paying_id = one(select(Round.id).where(Round.status == RoundStatus.PAYING))
    w.other_proposal_voting = one(
        select(Proposal.id).where(Proposal.round_id == voting_id, Proposal.group_id == other_group_id)
    )
    w.member_award = one(select(Award.id).where(Award.round_id == paying_id, Award.group_id == member_group_id))
    w.group_invitation = one(select(GroupInvitation.id).where(GroupInvitation.email == EMAILS["member"]))
    w.staff_invitation = one(
        select(StaffInvitation.id).where(
            StaffInvitation.email == "co-convenor@example.org", StaffInvitation.accepted_at.is_(None)
        )
    )
    w.other_award = one(select(Award.id).where(Award.round_id == paying_id, Award.group_id == other_group_id))
    member_id = one(select(Person.id).where(Person.email == EMAILS["member"]))
    w.notification_id = one(
        select(Notification.id).where(Notification.person_id == member_id).order_by(Notification.id)
    )
    w.meeting_id = one(select(Meeting.id).order_by(Meeting.id))
    w.comment_id = one(select(PanelComment.id).order_by(PanelComment.id))
    scheduled = (
        db.session.execute(select(Tranche.id).where(Tranche.status == TrancheStatus.SCHEDULED).order_by(Tranche.id))
        .scalars()
        .all()
    )
    w.scheduled_tranche = scheduled[0]
    w.confirm_tranche = {"funder": scheduled[1], "treasurer": scheduled[2], "": scheduled[3]}
    w.held_tranche = one(select(Tranche.id).where(Tranche.status == TrancheStatus.HELD))
    from grants.models import TableFunder, TableFunderStatus

    w.offered_place = one(select(TableFunder.id).where(TableFunder.status == TableFunderStatus.OFFERED))
    w.awaiting_tranche = one(
        select(Tranche.id).where(Tranche.needs_second_person.is_(True), Tranche.approved_at.is_(None))
    )
    w.time_log = one(select(TimeLog.id).where(TimeLog.status == ClaimStatus.SUBMITTED).order_by(TimeLog.id))
    w.expense_id = one(select(Expense.id).order_by(Expense.id))
    seats = [
        one(
            select(PanelMember.id)
            .join(Person, Person.id == PanelMember.person_id)
            .where(PanelMember.round_id == paying_id, Person.email == email)
        )
        for email in ("panel3@example.org", "panel4@example.org", "panel5@example.org")
    ]
    w.settle_seat = {"treasurer": seats[0], "convenor": seats[1], "": seats[2]}
    from datetime import date

    from grants.models import EntryGroup, EntryKind
    from grants.panel_pay.totals import tax_year_start

    w.panel_run = one(select(EntryGroup.id).where(EntryGroup.kind == EntryKind.PANEL_RUN).order_by(EntryGroup.id))
    w.tax_year = tax_year_start(date.today())
    w.checkout_id = one(select(StripeCheckout.id))
    _describe_money_truth(w, one)
    w.deliberation_round = one(select(Round.slug).where(Round.status == RoundStatus.DELIBERATION))
    deliberation_id = one(select(Round.id).where(Round.status == RoundStatus.DELIBERATION))
    w.member_proposal_deliberation = one(
        select(Proposal.id).where(Proposal.round_id == deliberation_id, Proposal.group_id == member_group_id)
    )
    w.conflicted_proposal_deliberation = one(
        select(Proposal.id).where(Proposal.round_id == deliberation_id, Proposal.group_id == other_group_id)
    )
    w.consensus_round = one(select(Round.slug).where(Round.title == CONSENSUS_TABLE))
    w.draw_round = one(select(Round.slug).where(Round.title == "Draw Ready Table"))
    w.substitute_round = one(select(Round.slug).where(Round.title == "Substitute Table"))


def _describe_money_truth(w: World, one) -> None:  # noqa: ANN001
    from grants.models import Contribution, ContributionStatus, PayoutMethod, Pledge, Round, Tranche, TrancheStatus

    w.claimed_contribution = one(select(Contribution.id).where(Contribution.status == ContributionStatus.CLAIMED))
    w.reversible_contribution = one(
        select(Contribution.id)
        .join(Pledge, Pledge.id == Contribution.pledge_id)
        .join(Round, Round.id == Pledge.round_id)
        .where(Round.slug == w.open_round, Contribution.status == ContributionStatus.CONFIRMED)
    )
    w.paid_bank_tranche = one(
        select(Tranche.id).where(Tranche.status == TrancheStatus.PAID, Tranche.method == PayoutMethod.BANK)
    )


def _pg_admin(url: str):  # noqa: ANN202
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _keys(uploads: Path | str) -> str:
    """Where a world keeps its count keys: beside its uploads folder, copied with it."""
    return f"{uploads}-count-keys"


def build_sqlite_template(folder: Path) -> tuple[str, str, str]:
    """Build the world in a SQLite file under `folder`: (backend, file, uploads folder)."""
    path = folder / "world.sqlite3"
    uploads = folder / "uploads"
    app = make_app(f"sqlite:///{path}", UPLOAD_FOLDER=str(uploads), COUNT_KEY_FOLDER=_keys(uploads))
    with app.app_context():
        _build(app)
        db.session.remove()
        db.engine.dispose()
    return "sqlite", str(path), str(folder / "uploads")


_worlds: dict[str, tuple[str, str, str]] = {}  # this process's built worlds, by backend


@pytest.fixture(scope="session", params=BACKENDS)
def world_template(request: pytest.FixtureRequest, tmp_path_factory) -> tuple[str, str, str]:  # noqa: ANN001
    """(backend, where the built world lives, its uploads folder), built once per backend per test process.

    pytest ends a parametrised session fixture whenever the tests move to its other backend, and
    a worker's tests go back and forth; so each world is kept here until the process ends, not
    built again each time the tests come back to its backend.

    PostgreSQL: the world is built in `<session>_world` (a template no one connects to), and a
    copy of it, `<session>_world_live`, keeps a snapshot of its rows (`pg_snapshot`) that each
    clone lays back in place (`pg_restore`). Both are dropped when the test process ends."""
    if request.param not in _worlds:
        if request.param == "sqlite":
            _worlds["sqlite"] = build_sqlite_template(tmp_path_factory.mktemp("world"))
        else:
            _worlds["postgresql"] = _build_pg_template(request.getfixturevalue("pg_database_url"), tmp_path_factory)
            request.config.add_cleanup(lambda: _drop_pg_template(_worlds.pop("postgresql")[1]))
    return _worlds[request.param]


def _build_pg_template(base: str, tmp_path_factory) -> tuple[str, str, str]:  # noqa: ANN001
    url = make_url(base)
    name = f"{url.database}_world"
    admin = _pg_admin(base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}{LIVE}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    template_url = url.set(database=name).render_as_string(hide_password=False)
    uploads = tmp_path_factory.mktemp("world-uploads")
    app = make_app(template_url, UPLOAD_FOLDER=str(uploads), COUNT_KEY_FOLDER=_keys(uploads))
    with app.app_context():
        _build(app)
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}{LIVE}" TEMPLATE "{name}"'))
    admin.dispose()
    live = create_engine(url.set(database=f"{name}{LIVE}"))
    with live.begin() as conn:
        pg_snapshot(conn, SNAPSHOT)
    live.dispose()
    return "postgresql", template_url, str(uploads)


def _drop_pg_template(template_url: str) -> None:
    name = make_url(template_url).database
    admin = _pg_admin(template_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}{LIVE}" WITH (FORCE)'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


LIVE = "_live"  # the database a PostgreSQL world's clones live in, one at a time
SNAPSHOT = "ot_world_snapshot"  # the schema in it holding the world as built
_live_in_use: list[str] = []


@contextmanager
def _pg_clone(where: str) -> Iterator[str]:
    """A PostgreSQL copy of the world at `where`: the live database with the world laid back in
    place, or, while another clone is open, a new database made from the template (dropped after)."""
    url = make_url(where)
    if not _live_in_use:
        live = url.set(database=f"{url.database}{LIVE}")
        with kept_engine(live).begin() as conn:
            pg_restore(conn, SNAPSHOT)
        _live_in_use.append(url.database)
        try:
            yield live.render_as_string(hide_password=False)
        finally:
            _live_in_use.clear()
        return
    name = f"{url.database}_{next(_clone)}"
    admin = _pg_admin(where)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def cloned_world(template: tuple[str, str, str], folder: Path, **overrides) -> Iterator[Flask]:  # noqa: ANN003
    """A fresh copy of the world in `folder`, with an app bound to it (no app context pushed)."""
    backend, where, uploads_src = template
    if Path(uploads_src).exists():
        shutil.copytree(uploads_src, folder / "uploads", dirs_exist_ok=True)
    if Path(_keys(uploads_src)).exists():  # the tables' count keys, so a copy can close its votes
        shutil.copytree(_keys(uploads_src), _keys(folder / "uploads"), dirs_exist_ok=True)
    with ExitStack() as stack:
        if backend == "sqlite":
            copy = folder / "world.sqlite3"
            shutil.copy(where, copy)
            db_url = f"sqlite:///{copy}"
        else:
            db_url = stack.enter_context(_pg_clone(where))
        app = create_app(
            TestConfig,
            {
                "SQLALCHEMY_DATABASE_URI": db_url,
                "UPLOAD_FOLDER": str(folder / "uploads"),
                "OPEN_DATA_FOLDER": str(folder / "open-data"),
                "COUNT_KEY_FOLDER": _keys(folder / "uploads"),
                "TEST_WORLD_TEMPLATE": f"{backend}:{where}",  # `describe` reads a copy once
                **overrides,
            },
        )
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                release_engine(db.engine)


@pytest.fixture
def world_app(world_template, tmp_path) -> Iterator[Flask]:  # noqa: ANN001
    """A fresh copy of the world, with the app bound to it, inside an app context."""
    with cloned_world(world_template, tmp_path) as app, app.app_context():
        yield app


def signed_in(app: Flask, role: str, *, again: bool = False) -> tuple[Client, str]:
    """A client of `app` signed in as `role` (anonymous: a visitor), and its session's form token.

    Each role signs in through the form once per backend and test process; a later copy of the
    world takes that session's cookies, as a browser that stayed signed in would (the cookie is
    signed, not stored, and names the person's session generation, which every copy shares).
    `again=True` signs in afresh and keeps nothing: for a role that ended its own sessions in
    this copy (signing out, signing out everywhere), whose kept cookie this copy now refuses."""
    app.test_client_class = Client
    client = app.test_client()
    key = (app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0], role)
    kept = None if again else _sessions.get(key)
    if kept is not None:
        cookies, token = kept
        for name, value in cookies.items():
            client.set_cookie(name, value)
        return client, token
    if role != "anonymous":
        response = post_form(client, "/login", {"email": EMAILS[role], "password": "our-tables-demo"})
        assert response.status_code == 302, f"{role} could not sign in"
    token = csrf_token(client, "/me" if role != "anonymous" else "/login")
    if not again:
        names = (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        _sessions[key] = ({n: c.value for n in names if (c := client.get_cookie(n)) is not None}, token)
    return client, token
