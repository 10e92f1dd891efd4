"""Quorum: who could vote, how many had to, and every published quorum rule checked at the close."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from grants.ballots.codes import codes_issued
from grants.extensions import db
from grants.language.records import Listed, Named, Words, counted
from grants.language.written import writing_in
from grants.models import N_, Electorate, InterestDeclaration, PanelMember, Participation, Proposal, Round
from grants.privacy import MIN_PEOPLE, people_count, people_words


def quorum_required(rnd: Round, eligible: int) -> int:
    """The fewest ballots for a decision under the round's published quorum rule."""
    needed = rnd.quorum_min_ballots or 0
    if rnd.quorum_min_share_percent:
        needed = max(needed, math.ceil(eligible * rnd.quorum_min_share_percent / 100))
    return max(needed, 1)


def eligible_voters(round_id: int) -> int:
    """Who counts towards quorum: active, unpaused panel members; for a community-wide vote, codes given out."""
    rnd = db.session.get(Round, round_id)
    if rnd is not None and rnd.electorate is Electorate.COMMUNITY:
        return codes_issued(round_id)
    return len(
        db.session.execute(
            select(PanelMember.id).where(
                PanelMember.round_id == round_id,
                PanelMember.stepped_down_at.is_(None),
                PanelMember.is_paused.is_(False),
            )
        ).all()
    )


@dataclass
class QuorumCheck:
    """Every published quorum rule, checked: whether all are met, and plain reasons when not.

    Each reason is kept as its parts (`Words`): put into words in the language of whoever reads it
    (a panel member's notice, the public record), and in English for the record's sentence."""

    eligible: int
    required: int
    ballots: int
    met: bool = True
    reasons: list[Words] = field(default_factory=list)
    lived_experience_percent: int | None = None
    free_to_vote: dict[int, int] = field(default_factory=dict)
    recusals: dict[int, int] = field(default_factory=dict)
    # Every part as applied, met or not, for the public result (figures about people are
    # suppressed when shown, never here): kind, what it needed, what was found, met.
    parts: list[dict] = field(default_factory=list)


def recusals_by_proposal(round_id: int) -> dict[int, int]:
    """How many panel members stood aside from each proposal (a count; never who)."""
    rows = db.session.execute(
        select(InterestDeclaration.proposal_id, func.count(InterestDeclaration.id))
        .where(InterestDeclaration.round_id == round_id)
        .group_by(InterestDeclaration.proposal_id)
    ).all()
    return {pid: n for pid, n in rows}


def check_quorum(rnd: Round, proposals: list[Proposal], ballots: int) -> QuorumCheck:
    """Check the round's combined quorum rules: ballots, lived experience share, voters per proposal."""
    eligible = eligible_voters(rnd.id)
    check = QuorumCheck(eligible=eligible, required=quorum_required(rnd, eligible), ballots=ballots)
    check.recusals = recusals_by_proposal(rnd.id)
    check.parts.append(
        {
            "kind": "ballots",
            "needed": check.required,
            "found": ballots,
            "min_ballots": rnd.quorum_min_ballots,
            "share_percent": rnd.quorum_min_share_percent,
            "eligible": eligible,
            "met": ballots >= check.required,
        }
    )
    if ballots < check.required:
        check.met = False
        check.reasons.append(
            counted(
                "%(num)s ballot was cast and the published quorum needed %(needed)s",
                "%(num)s ballots were cast and the published quorum needed %(needed)s",
                ballots,
                needed=check.required,
            )
            if people_count(ballots) is not None
            # Published (the record keeps the reasons): a count of ballots from 1 to 4 is one of voters.
            else Words(
                N_("fewer than %(fewest)s ballots were cast and the published quorum needed %(needed)s"),
                fewest=MIN_PEOPLE,
                needed=check.required,
            )
        )
    voters = db.session.execute(
        select(Participation.person_id, PanelMember.has_lived_experience)
        .join(
            PanelMember,
            (PanelMember.person_id == Participation.person_id) & (PanelMember.round_id == Participation.round_id),
            isouter=True,
        )
        .where(Participation.round_id == rnd.id)
    ).all()
    if voters:
        with_experience = sum(1 for _pid, lived in voters if lived)
        check.lived_experience_percent = math.floor(100 * with_experience / len(voters))
    with_lived = sum(1 for _pid, lived in voters if lived)
    lived_met = (check.lived_experience_percent or 0) >= (rnd.quorum_lived_experience_percent or 0)
    check.parts.append(
        {
            "kind": "lived_experience",
            "needed_percent": rnd.quorum_lived_experience_percent,
            "with": with_lived,
            "voters": len(voters),
            "met": lived_met if rnd.quorum_lived_experience_percent else None,
        }
    )
    if rnd.quorum_lived_experience_percent:
        share = check.lived_experience_percent or 0
        if share < rnd.quorum_lived_experience_percent:
            check.met = False
            check.reasons.append(
                Words(
                    N_(
                        "%(share)s%% of those who voted have lived experience and the published quorum needed "
                        "%(needed)s%%"
                    ),
                    share=share,
                    needed=rnd.quorum_lived_experience_percent,
                )
            )
    voter_ids = {pid for pid, _lived in voters}
    declared = db.session.execute(
        select(InterestDeclaration.proposal_id, InterestDeclaration.person_id).where(
            InterestDeclaration.round_id == rnd.id
        )
    ).all()
    aside: dict[int, set[int]] = {}
    for proposal_id, person_id in declared:
        aside.setdefault(proposal_id, set()).add(person_id)
    for p in proposals:
        # Every ballot counts, less those of voters who stood aside from this proposal. Ballots
        # with no participation row (voting codes, imported files) carry no recusal.
        check.free_to_vote[p.id] = ballots - len(voter_ids & aside.get(p.id, set()))
    if rnd.quorum_min_scorers:
        short = [p for p in proposals if check.free_to_vote[p.id] < rnd.quorum_min_scorers]
        check.parts.append(
            {
                "kind": "free_to_vote",
                "needed": rnd.quorum_min_scorers,
                "short": [{"proposal_id": p.id, "free": check.free_to_vote[p.id]} for p in short],
                "met": not short,
            }
        )
        if short:
            check.met = False
            # Each with how many were free to vote on it, under the one suppression rule (it is published:
            # the record keeps the reasons, and a count under 5 would tell who stood aside). Worded when read.
            names = Listed(
                tuple(
                    Words(N_("“%(title)s” (%(free)s)"), title=Named.of(p), free=people_words(check.free_to_vote[p.id]))
                    for p in short[:3]
                ),
                ", ",
            )
            if len(short) > 3:
                reason = Words(
                    N_(
                        "the published quorum needs %(needed)s voters free to vote on each proposal, and fewer voted "
                        "on %(names)s and others"
                    ),
                    needed=rnd.quorum_min_scorers,
                    names=names,
                )
            else:
                reason = Words(
                    N_(
                        "the published quorum needs %(needed)s voters free to vote on each proposal, and fewer voted "
                        "on %(names)s"
                    ),
                    needed=rnd.quorum_min_scorers,
                    names=names,
                )
            check.reasons.append(reason)
    return check


def reasons_listed(check: QuorumCheck) -> Listed:
    """The reasons quorum was not met, one after another, as parts of a record's sentence."""
    return Listed(tuple(check.reasons), "; ")


def reasons_joined(check: QuorumCheck) -> LazyString:
    """The reasons quorum was not met, joined: put into words when read, in the reader's language."""
    return LazyString(lambda: Words("%(reasons)s", reasons=reasons_listed(check)).read(writing_in()))
