"""Small factory functions for test data, built through the real services."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from grants.auth.services import register_person
from grants.funders.services import register_funder
from grants.groups.services import register_group
from grants.models import BallotType, CountingRule, Electorate, Person, QuorumPolicy, RoundStatus, TieBreak
from grants.money.services import confirm_bank_transfer, pledge, record_bank_transfer
from grants.panels.services import accept_invitation, invite
from grants.proposals.services import start_proposal, submit_proposal
from grants.rounds.services import advance, create_round

PASSWORD = "correct horse battery"  # noqa: S105
_counter = itertools.count(1)


def person(name: str | None = None) -> Person:
    n = next(_counter)
    name = name or f"Person {n}"
    return register_person(email=f"p{n}-{name.split()[0].lower()}@example.org", display_name=name, password=PASSWORD)


def rules(**overrides) -> dict:  # noqa: ANN003
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    values = {
        "title": f"Table {next(_counter)}",
        "purpose": "Peer support in the north.",
        "who_may_apply": "Groups led by people with lived experience.",
        "max_grant_pence": 500_000,
        "bids_open_at": start,
        "bids_close_at": start + timedelta(days=10),
        "deliberation_opens_at": start + timedelta(days=11),
        "voting_opens_at": start + timedelta(days=20),
        "voting_closes_at": start + timedelta(days=27),
        "electorate": Electorate.PANEL,
        "community_name": None,
        "ballot_type": BallotType.APPROVAL,
        "min_picks": None,
        "max_picks": None,
        "ballot_within_budget": True,
        "points_total": None,
        "points_cap": None,
        "score_max": None,
        "score_criteria": [],
        "rank_depth": None,
        "counting_rule": CountingRule.GREEDY,
        "min_support": None,
        "quorum_min_ballots": None,
        "quorum_min_share_percent": None,
        "quorum_lived_experience_percent": None,
        "quorum_min_scorers": None,
        "quorum_policy": QuorumPolicy.NO_DECISION,
        "quorum_extend_days": None,
        "tie_break": TieBreak.CHEAPER_FIRST,
        "support_contact": "Sam, 0113 000 0000",
    }
    values.update(overrides)
    return values


def open_round(convenor: Person, **overrides):  # noqa: ANN003, ANN201
    rnd = create_round(person=convenor, values=rules(**overrides))
    return advance(person=convenor, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)


def funded(round_id: int, amount_pence: int, funder_person: Person | None = None):  # noqa: ANN201
    """A funder that pledged and paid `amount_pence` into the round."""
    funder_person = funder_person or person("Fay Funder")
    funder = register_funder(person=funder_person, name=f"Trust {next(_counter)}")
    _allow_money_in(round_id, amount_pence)
    accept_funder(round_id, funder.id)
    item = pledge(person=funder_person, funder_id=funder.id, round_id=round_id, amount_pence=amount_pence)
    claim = record_bank_transfer(
        person=funder_person,
        pledge_id=item.id,
        amount_pence=amount_pence,
        received_on=date.today(),
        reference=f"REF-{item.id}",
    )
    # A funder's word is only a claim: the table's treasurer confirms it against the bank statement.
    confirm_bank_transfer(person=treasurer_of(round_id), contribution_id=claim.id)
    return funder, funder_person


def _allow_money_in(round_id: int, amount_pence: int) -> None:
    """A pot larger than the site's limit on one transfer: the table's convenor raises the limit."""
    from flask import current_app

    from grants.money.services import set_money_in_ceiling

    if amount_pence > current_app.config["MONEY_IN_CEILING_PENCE"]:
        set_money_in_ceiling(person=_convenor_of(round_id), round_id=round_id, amount_pence=amount_pence)


def accept_funder(round_id: int, funder_id: int) -> None:
    """The table's convenor invites the funder (so its pledge makes it take part), as convenors do."""
    from grants.money.power import invite_funder

    invite_funder(person=_convenor_of(round_id), round_id=round_id, funder_id=funder_id)


def _convenor_of(round_id: int) -> Person:
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import RoundStaff, StaffRole

    found = db.session.execute(
        select(RoundStaff.person_id)
        .where(RoundStaff.round_id == round_id, RoundStaff.role == StaffRole.CONVENOR)
        .order_by(RoundStaff.id)
    ).scalars().first()
    return db.session.get(Person, found)


def treasurer_of(round_id: int) -> Person:
    """The table's treasurer (one is added by a convenor if the table has none yet)."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import RoundStaff, StaffRole

    staff = db.session.execute(
        select(RoundStaff).where(RoundStaff.round_id == round_id).order_by(RoundStaff.role.desc(), RoundStaff.id)
    ).scalars().all()
    for row in staff:
        if row.role is StaffRole.TREASURER:
            return db.session.get(Person, row.person_id)
    treasurer = person("Theo Treasurer")
    join_staff(_convenor_of(round_id), round_id, treasurer, StaffRole.TREASURER)
    return treasurer


def join_staff(convenor: Person, round_id: int, newcomer: Person, role):  # noqa: ANN001, ANN201
    """A convenor invites `newcomer` to help run the table and they say yes, as on the site."""
    from grants.rounds.services import answer_staff_invitation, invite_staff

    invitation = invite_staff(person=convenor, round_id=round_id, email=newcomer.email, role=role)
    return answer_staff_invitation(person=newcomer, invitation_id=invitation.id, accept=True)


def group(lead: Person, name: str | None = None):  # noqa: ANN201
    return register_group(
        person=lead,
        name=name or f"Group {next(_counter)}",
        description="Peer support.",
        is_lived_experience_led=True,
        contact_email="group@example.org",
    )


def join_group(lead: Person, group_id: int, newcomer: Person, role=None):  # noqa: ANN001, ANN201
    """The lead invites `newcomer` and they say yes, as the two of them would on the site."""
    from grants.groups.services import answer_invitation, invite_member
    from grants.models import GroupRole

    invitation = invite_member(person=lead, group_id=group_id, email=newcomer.email, role=role or GroupRole.MEMBER)
    return answer_invitation(person=newcomer, invitation_id=invitation.id, accept=True)


def bank_details(lead: Person, grp) -> None:  # noqa: ANN001
    """The group's lead gives its bank details, so it can be paid by bank transfer."""
    from grants.money.payouts import set_bank_details

    set_bank_details(
        person=lead, group_id=grp.id, account_name=grp.name, sort_code="12-34-56", account_number="12345678"
    )


def proposal(
    lead: Person, round_id: int, grp, cost_pence: int, *, named: bool = True, submit: bool = True, title: str = ""
):  # noqa: ANN001, ANN201
    p = start_proposal(
        person=lead,
        round_id=round_id,
        group_id=grp.id,
        fields={
            "title": title or f"Project {next(_counter)}",
            "summary": "A summary.",
            "activities": "Things.",
            "beneficiaries": "People.",
            "agreed_to_be_named": named,
        },
        lines=[("Costs", cost_pence)],
    )
    if submit:
        submit_proposal(person=lead, proposal_id=p.id)
    return p


def seat(convenor: Person, round_id: int, member: Person):  # noqa: ANN201
    from grants.models import PanelRole

    _inv, token = invite(person=convenor, round_id=round_id, email=member.email, role=PanelRole.MEMBER)
    return accept_invitation(person=member, token=token)


def to_voting(convenor: Person, round_id: int) -> None:
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING):
        advance(person=convenor, round_id=round_id, to=step)


def voting_table(
    n_members: int = 3,
    costs: tuple[int, ...] = (30_000, 20_000, 10_000),
    pot: int = 50_000,
    *,
    voting: bool = True,
    **rules,  # noqa: ANN003
):  # noqa: ANN201
    """A table with `pot` pence in it, one group's proposals costing `costs`, and `n_members`
    panel members ("Pat0 Panel", ...) seated by its convenor ("Cara Convenor"); its vote is
    open unless `voting=False`. `rules` override the table's rules. Returns
    (convenor, table, proposals, members)."""
    convenor = person("Cara Convenor")
    rnd = open_round(convenor, **rules)
    funded(rnd.id, pot)
    lead = person("Gus Lead")
    grp = group(lead)
    proposals = [proposal(lead, rnd.id, grp, cost) for cost in costs]
    members = [person(f"Pat{i} Panel") for i in range(n_members)]
    for member in members:
        seat(convenor, rnd.id, member)
    if voting:
        to_voting(convenor, rnd.id)
    return convenor, rnd, proposals, members
