"""Demo data: tables at every stage, built through the same services people use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.auth.services import register_person
from grants.ballots.closing import close_voting
from grants.ballots.services import cast_ballot
from grants.extensions import db
from grants.funders.services import register_funder
from grants.groups.services import invite_member, register_group
from grants.models import (
    Activity,
    Award,
    BallotType,
    CountingRule,
    GroupRole,
    LimitPeriod,
    OverLimit,
    PanelMember,
    PanelRole,
    Person,
    RateUnit,
    Round,
    RoundStatus,
    StaffRole,
    TieBreak,
    Tranche,
)
from grants.money.payouts import (
    hold_tranche,
    record_bank_return,
    record_payment,
    releasable_pence,
    release_tranche,
    set_bank_details,
)
from grants.money.power import approve_release, invite_funder, set_second_person_above
from grants.money.services import confirm_bank_transfer, pledge, record_bank_transfer
from grants.panel_pay.services import decide_time, log_time, pay_panel_run, set_limit, set_rate
from grants.panels.demo_care import demo_care
from grants.panels.services import accept_invitation, declare_interest, invite
from grants.proposals.services import start_proposal, submit_proposal
from grants.rounds.services import (
    RULE_FIELDS,
    advance,
    answer_staff_invitation,
    change_rules,
    create_round,
    invite_staff,
)

DEMO_PASSWORD = "our-tables-demo"  # noqa: S105 - printed for the demo; demo only # nosec B105
DOMAIN = "example.org"

PEOPLE = [
    ("convenor", "Convenor of every demo table", "Cara Convenor"),
    ("panel", "Panel member (on every panel)", "Pat Panel"),
    ("member", "Group member (lead of Mind the Gap Peer Support)", "Gus Group"),
    ("other", "Member of another group (Hearing Voices Leeds)", "Olu Other"),
    ("funder", "Acts for a funder (Northern Community Trust)", "Fay Funder"),
    ("treasurer", "Treasurer of the tables (releases payments)", "Theo Treasurer"),
]


def _person(key: str) -> Person:
    return db.session.execute(select(Person).where(Person.email == f"{key}@{DOMAIN}")).scalar_one()


def _round(convenor: Person, title: str, purpose: str, start: datetime, **rules) -> int:  # noqa: ANN003
    values = {
        "title": title,
        "purpose": purpose,
        "who_may_apply": "Groups in the north of England led by people with lived experience of mental ill-health.",
        "max_grant_pence": 500_000,
        "bids_open_at": start,
        "bids_close_at": start + timedelta(days=28),
        "deliberation_opens_at": start + timedelta(days=29),
        "voting_opens_at": start + timedelta(days=42),
        "voting_closes_at": start + timedelta(days=49),
        "ballot_type": "approval",
        "min_picks": None,
        "max_picks": None,
        "ballot_within_budget": True,
        "counting_rule": "greedy",
        "quorum_min_ballots": None,
        "quorum_min_share_percent": 50,
        "tie_break": TieBreak.CHEAPER_FIRST,
        "support_contact": "Sam at Leeds Mind, 0113 000 0000 (weekdays 10 to 4). Out of hours: Samaritans, 116 123.",
    }
    values.update(rules)

    values["ballot_type"] = BallotType(values["ballot_type"])
    values["counting_rule"] = CountingRule(values["counting_rule"])
    return create_round(person=convenor, values=values).id


def load_demo(only_if_empty: bool = False) -> list[tuple[str, str]] | None:
    """Create the demo. Returns (role, e-mail) pairs, or None if skipped."""
    if only_if_empty and db.session.execute(select(Person.id)).first() is not None:
        return None
    for key, _role, name in PEOPLE:
        register_person(email=f"{key}@{DOMAIN}", display_name=name, password=DEMO_PASSWORD)
    convenor, panel, member, other, funder_person, treasurer = (_person(k) for k, _, _ in PEOPLE)
    voters = []
    for i in range(1, 6):
        register_person(email=f"panel{i}@{DOMAIN}", display_name=f"Panel member {i}", password=DEMO_PASSWORD)
        voters.append(_person(f"panel{i}"))

    groups = [
        register_group(
            person=member,
            name="Mind the Gap Peer Support",
            description="A peer support group run by and for people who have used mental health services in Bradford.",
            is_lived_experience_led=True,
            contact_email=f"hello@mindthegap.{DOMAIN}",
        ),
        register_group(
            person=other,
            name="Hearing Voices Leeds",
            description="A hearing voices group meeting weekly in Leeds.",
            is_lived_experience_led=True,
            contact_email=f"hello@hvleeds.{DOMAIN}",
            registered_number="1180000",
        ),
        register_group(
            person=member,
            name="Allotment Minds",
            description="Growing food and friendships on a shared allotment.",
            is_lived_experience_led=True,
            contact_email=f"dig@allotment.{DOMAIN}",
            host_organisation="Bradford Community Hub CIC",
        ),
        register_group(
            person=other,
            name="Survivors' Poetry North",
            description="Writing workshops for survivors of the mental health system.",
            is_lived_experience_led=True,
            contact_email=f"poems@spn.{DOMAIN}",
        ),
    ]
    _demo_bank_details(groups[:3], member, other)
    # An invitation waiting for an answer: Survivors' Poetry North would like the member to join.
    invite_member(person=other, group_id=groups[3].id, email=member.email, role=GroupRole.MEMBER)
    funder = register_funder(
        person=funder_person,
        name="Northern Community Trust",
        description="An independent trust funding community action in the north of England.",
        registered_number="1099999",
        website="https://trust.example.org",
    )

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    specs = [
        (
            "Peer Support Table 2026",
            "Money for peer support groups to meet, grow and look after each other.",
            today - timedelta(days=80),
            "paying",
        ),
        (
            "Creative Recovery Table",
            "Arts and creative projects that help people recover on their own terms.",
            today - timedelta(days=45),
            "voting",
        ),
        (
            "Winter Wellbeing Table",
            "Small grants to keep people connected through the winter.",
            today - timedelta(days=3),
            "open",
        ),
    ]
    for title, purpose, start, stage in specs:
        round_id = _round(convenor, title, purpose, start)
        if stage == "open":  # run in English and Welsh: its convenor wrote both
            _demo_in_welsh_too(convenor, round_id)
        invitation = invite_staff(
            person=convenor, round_id=round_id, email=f"treasurer@{DOMAIN}", role=StaffRole.TREASURER
        )
        answer_staff_invitation(person=treasurer, invitation_id=invitation.id, accept=True)
        if stage == "open":  # a co-convenor without an account yet: the invitation waits for them
            invite_staff(person=convenor, round_id=round_id, email=f"co-convenor@{DOMAIN}", role=StaffRole.CONVENOR)
        advance(person=convenor, round_id=round_id, to=RoundStatus.OPEN_FOR_BIDS)
        # The convenors invite the funder; its pledge then makes it take part (an accepted funder).
        invite_funder(person=convenor, round_id=round_id, funder_id=funder.id)
        item = pledge(person=funder_person, funder_id=funder.id, round_id=round_id, amount_pence=1_200_000)
        sent = record_bank_transfer(
            person=funder_person,
            pledge_id=item.id,
            amount_pence=1_000_000 if stage != "open" else 600_000,
            received_on=start.date() + timedelta(days=2),
            reference=f"NCT-{round_id:04d}",
        )
        _demo_money_in(treasurer, funder_person, item, sent, stage)
        bids = [
            (
                groups[0],
                "Weekly peer support evenings",
                [("Room hire, 40 evenings", 160_000), ("Refreshments", 60_000), ("Facilitator training", 80_000)],
                True,
            ),
            # In both languages: one line written in both, one in English only (shown so, marked, in Welsh).
            (
                groups[1],
                "Hearing voices outreach",
                [({"en": "Outreach sessions", "cy": "Sesiynau allgymorth"}, 250_000), ("Travel", 50_000)],
                True,
            ),
            (groups[2], "Raised beds and tools", [("Timber and soil", 120_000), ("Tools", 30_000)], True),
            # In Welsh only: its lines too.
            (
                groups[3],
                "Poetry workshops",
                [("Arweinwyr gweithdai", 300_000), ("Argraffu blodeugerdd", 150_000)],
                False,
            ),
        ]
        proposal_ids = []
        for group, ptitle, lines, named in bids:
            lead = member if group.id in (groups[0].id, groups[2].id) else other
            fields = {
                "title": ptitle,
                "summary": f"{ptitle} for {group.name}.",
                "activities": "We will run the sessions ourselves, with people who use them deciding what happens.",
                "beneficiaries": "People in our area living with mental ill-health, and their friends.",
                "agreed_to_be_named": named,
            }
            # One group writes in Welsh only, and one in both languages (issue 19).
            fields |= DEMO_WELSH_BIDS.get(ptitle, {})
            p = start_proposal(person=lead, round_id=round_id, group_id=group.id, fields=fields, lines=lines)
            submit_proposal(person=lead, proposal_id=p.id)
            proposal_ids.append(p.id)
        if stage == "open":
            demo_care(convenor=convenor, round_id=round_id, stage=stage, panel=[])
            continue
        for person in [panel, *voters]:
            role = PanelRole.FACILITATOR if person is panel else PanelRole.MEMBER  # the demo shows facilitation too
            _inv, token = invite(person=convenor, round_id=round_id, email=person.email, role=role)
            accept_invitation(person=person, token=token, has_lived_experience=True)  # a lived-experience panel
        demo_care(convenor=convenor, round_id=round_id, stage=stage, panel=[panel, *voters])
        advance(person=convenor, round_id=round_id, to=RoundStatus.BIDS_CLOSED)
        advance(person=convenor, round_id=round_id, to=RoundStatus.DELIBERATION)
        declare_interest(person=voters[0], proposal_id=proposal_ids[1], nature="I go to this group's meetings.")
        advance(person=convenor, round_id=round_id, to=RoundStatus.VOTING)
        if stage == "voting":
            cast_ballot(person=voters[1], round_id=round_id, chosen_ids=[proposal_ids[0], proposal_ids[2]])
            continue
        choices = [
            [proposal_ids[0], proposal_ids[2]],
            [proposal_ids[0], proposal_ids[1]],
            [proposal_ids[1], proposal_ids[2]],
            [proposal_ids[0], proposal_ids[3]],
            [proposal_ids[0], proposal_ids[2]],
        ]
        for person, chosen in zip(voters, choices, strict=True):
            cast_ballot(person=person, round_id=round_id, chosen_ids=chosen)
        close_voting(person=convenor, round_id=round_id)

        first_award = (
            db.session.execute(select(Award).where(Award.round_id == round_id).order_by(Award.id)).scalars().first()
        )
        record_payment(
            person=treasurer,
            award_id=first_award.id,
            amount_pence=first_award.amount_pence // 2,
            paid_on=date.today(),
            bank_reference="OT-DEMO-0001",
        )
        _demo_money_out(convenor, treasurer, funder_person, round_id)
    return demo_logins()


def _demo_bank_details(groups: list, member: Person, other: Person) -> None:
    """Three of the four groups have said how to be paid; the fourth has not yet."""

    for n, group in enumerate(groups):
        set_bank_details(
            person=member if n in (0, 2) else other,
            group_id=group.id,
            account_name=group.host_organisation or group.name,
            sort_code=f"40-11-{n + 20}",
            account_number=f"3100{n + 1:04d}",
        )


def _demo_money_in(treasurer: Person, funder_person: Person, item, sent, stage: str) -> None:  # noqa: ANN001
    """The treasurer confirms the funder's transfer against the bank statement; on the paying
    table a second transfer is still only claimed (the treasurer has not seen it yet)."""

    confirm_bank_transfer(person=treasurer, contribution_id=sent.id)
    if stage == "paying":
        record_bank_transfer(
            person=funder_person,
            pledge_id=item.id,
            amount_pence=200_000,
            received_on=date.today(),
            reference=f"NCT-{item.round_id:04d}-2",
        )


def _demo_returned_and_panel_pay(convenor: Person, treasurer: Person, round_id: int) -> None:
    """A bank payment that came back (the group's account was closed), and one panel pay run."""


    first = db.session.execute(
        select(Tranche).join(Award, Award.id == Tranche.award_id).where(Award.round_id == round_id)
        .order_by(Tranche.id)
    ).scalars().first()
    if first is not None:
        record_bank_return(
            person=treasurer,
            tranche_id=first.id,
            amount_pence=first.amount_pence,
            returned_on=date.today(),
            reason="The bank returned it: the group had moved to a new account.",
        )
        record_payment(
            person=treasurer,
            award_id=first.award_id,
            amount_pence=first.amount_pence,
            paid_on=date.today(),
            bank_reference="OT-DEMO-0002",
        )
    seats = db.session.execute(
        select(PanelMember).where(PanelMember.round_id == round_id).order_by(PanelMember.id)
    ).scalars().all()
    # panel1@ set a weekly limit (as an adviser might suggest for ESA permitted work): approved for
    # more than it, they are offered a smaller amount in the pay run, and the rest waits (issue 20).
    limited = next((seat for seat in seats[:2] if seat.person.email == "panel1@example.org"), None)
    if limited is not None:
        set_limit(
            person=limited.person,
            period=LimitPeriod.WEEK,
            amount_pence=5_000,
            over=OverLimit.LATER,
            reason="My adviser said to keep under £50 a week while I am on ESA.",
        )
    for seat in seats[:2]:
        entry = log_time(
            person=seat.person,
            round_id=round_id,
            activity=Activity.READING,
            worked_on=date.today(),
            units=Decimal("1"),
            note="Reading the bids",
        )
        decide_time(person=convenor, log_id=entry.id, approve=True)
    pay_panel_run(person=treasurer, round_id=round_id, reference="OT-PANEL-0001")


def _demo_money_out(convenor: Person, treasurer: Person, funder_person: Person, round_id: int) -> None:
    """A panel rate, and a scheduled payment the funder has held with a published reason."""

    set_rate(
        person=convenor,
        round_id=round_id,
        unit=RateUnit.HALF_DAY,
        rate_pence=7_500,
        counts_reading=True,
        counts_meetings=True,
    )
    _demo_returned_and_panel_pay(convenor, treasurer, round_id)
    awards = db.session.execute(select(Award).where(Award.round_id == round_id).order_by(Award.id)).scalars().all()
    if len(awards) > 1:
        tranche = release_tranche(person=treasurer, award_id=awards[1].id, amount_pence=awards[1].amount_pence // 2)
        hold_tranche(
            person=funder_person,
            tranche_id=tranche.id,
            reason="We are waiting for the group's first short report; we will release this as soon as it arrives.",
        )
    _demo_money_power(convenor, treasurer, funder_person, round_id, awards)


def _demo_money_power(convenor: Person, treasurer: Person, funder_person: Person, round_id: int, awards) -> None:  # noqa: ANN001
    """Two people before money moves: above £500 a release waits for a second person; and a
    funder that offered to fund a table the convenors have not yet accepted."""

    set_second_person_above(person=convenor, round_id=round_id, amount_pence=50_000)
    award = next((a for a in awards if releasable_pence(a) >= 60_000), None)
    if award is not None:
        tranche = release_tranche(person=funder_person, award_id=award.id, amount_pence=60_000)
        approve_release(person=treasurer, tranche_id=tranche.id)
    offered = register_funder(
        person=funder_person,
        name="Riverside Giving Circle",
        description="Neighbours who pool money for local groups.",
    )
    pledge(person=funder_person, funder_id=offered.id, round_id=round_id, amount_pence=200_000)


WELSH_BID = {
    "title_cy": "Gweithdai barddoniaeth",
    "summary_cy": "Gweithdai barddoniaeth i bobl sy’n byw gyda salwch meddwl, yn Gymraeg.",
    "activities_cy": "Byddwn yn cynnal y gweithdai ein hunain, a’r bobl sy’n dod fydd yn penderfynu beth sy’n digwydd.",
    "beneficiaries_cy": "Pobl yn ein hardal sy’n byw gyda salwch meddwl, a’u ffrindiau.",
}
DEMO_WELSH_BIDS = {
    "Poetry workshops": {"languages": ["cy"], **WELSH_BID},
    "Hearing voices outreach": {
        "languages": ["en", "cy"],
        "title_cy": "Allgymorth clywed lleisiau",
        "summary_cy": "Allgymorth clywed lleisiau i’n grŵp.",
        "activities_cy": "Byddwn yn cynnal y sesiynau ein hunain, a’r bobl sy’n eu defnyddio fydd yn penderfynu.",
        "beneficiaries_cy": "Pobl yn ein hardal sy’n byw gyda salwch meddwl, a’u ffrindiau.",
    },
}


def _demo_in_welsh_too(convenor: Person, round_id: int) -> None:
    """The open table is run in English and Welsh: its convenor adds the Welsh before publishing."""
    rnd = db.session.get(Round, round_id)
    values = {field: getattr(rnd, field) for field in RULE_FIELDS}
    welsh = {
        "title": "Bwrdd Lles y Gaeaf",
        "purpose": "Grantiau bach i gadw pobl mewn cysylltiad drwy’r gaeaf.",
        "who_may_apply": "Grwpiau yng ngogledd Lloegr dan arweiniad pobl sydd â phrofiad bywyd o salwch meddwl.",
    }
    english = {field: getattr(rnd, field) for field in ("title", "purpose", "who_may_apply")}
    change_rules(person=convenor, round_id=round_id, values=values, reason="", versions={"en": english, "cy": welsh})


def demo_logins() -> list[tuple[str, str]]:
    """One login per role: (what they can do, e-mail)."""
    return [(role, f"{key}@{DOMAIN}") for key, role, _ in PEOPLE]
