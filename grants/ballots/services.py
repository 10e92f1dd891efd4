"""Casting a secret ballot.

The ballot row and the participation row are written in one transaction. The ballot
is sealed to the round's count key (grants/ballots/sealing.py) and holds no person, no time
and a random id; the unique participation row makes a second ballot from the same person
fail, also when two arrive at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, bindparam, insert, null, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only, selectinload, undefer

from grants.ballots import sealing
from grants.core import DomainError, NotAllowed, id_of, raise_problems, transaction
from grants.extensions import db
from grants.inputs import is_whole
from grants.ledger import books
from grants.models import (
    Account,
    BallotType,
    CountKey,
    InterestDeclaration,
    PanelMember,
    Participation,
    Person,
    Proposal,
    ProposalStatus,
    Round,
    ScoreComment,
    SealedEnvelope,
)
from grants.money_format import format_pence

ON_THE_BALLOT = (ProposalStatus.SUBMITTED, ProposalStatus.FUNDED, ProposalStatus.NOT_FUNDED)
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class AlreadyVoted(DomainError):
    """One ballot per person per round."""


class VotingClosed(DomainError):
    """The round is not taking ballots."""


@dataclass(frozen=True)
class BallotPaper:
    """What a panel member may choose from, and the limits that apply."""

    round: Round
    proposals: list[Proposal]
    stood_aside: set[int]
    # The round's current ballot key (id, public half), when read with the paper.
    count_key: tuple[int, bytes] | None = None
    # The money in the pot, when read with the proposals (a ballot being cast); else read when asked.
    pot_pence: int | None = None

    @property
    def choosable(self) -> list[Proposal]:
        return [p for p in self.proposals if p.id not in self.stood_aside]

    @cached_property
    def budget_pence(self) -> int:
        """The money in the pot, read when a ballot must fit within it (or the page says so)."""
        if self.pot_pence is not None:
            return self.pot_pence
        return books.round_summary(self.round.id).available_pence


def ballot_proposals(round_id: int, *, for_checking: bool = False) -> list[Proposal]:
    """The proposals on a round's ballot (submitted ones), in a stable order.

    `for_checking` loads only what checking a cast ballot reads (the rest loads if asked for).
    """
    stmt = select(Proposal)
    if for_checking:
        stmt = stmt.options(load_only(Proposal.id, Proposal.title, Proposal.requested_pence))
    else:  # shown to people: each in the reader's language, with its versions loaded at once
        stmt = stmt.options(undefer(Proposal.language), selectinload(Proposal.texts))
    return list(
        db.session.execute(
            stmt.where(
                Proposal.round_id == round_id,
                Proposal.status.in_(ON_THE_BALLOT),
            )
            .order_by(Proposal.id)
        ).scalars()
    )


def new_receipt() -> str:
    """A receipt code like K7QX-MP2D-9RTA: easy to read out and to type."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def ballot_paper(person: Person, rnd: Round) -> BallotPaper:
    """The ballot paper for a panel member, or a refusal saying why they cannot vote."""
    return _paper(_voter_rows(rnd.id, id_of(person)))


def _locked_paper(person: Person, round_id: int | None = None, slug: str | None = None) -> BallotPaper:
    """The ballot paper, with the round (by id or slug) held by a shared lock (PostgreSQL `FOR SHARE`).

    Ballots do not wait for each other: closing the vote takes `FOR UPDATE` and so waits
    for ballots in flight, while two ballots from one person race to the unique
    participation row, which lets exactly one through. SQLite serialises writers anyway.
    On PostgreSQL the paper comes in one statement with its proposals and the pot (one trip
    to the database fewer per ballot: issue 15's cost); on SQLite, where a trip is a function
    call, in two.
    """
    by_slug = slug is not None
    params = {"which": slug if by_slug else round_id, "person_id": id_of(person)}
    if db.session.get_bind().dialect.name == "postgresql":
        return _paper_in_one(db.session.execute(_paper_in_one_stmt(by_slug=by_slug), params).all())
    rows = db.session.execute(_voter_rows_stmt(by_slug=by_slug, lock=True), params).all()
    return _paper(rows, for_checking=True)


@cache
def _paper_in_one_stmt(*, by_slug: bool):  # noqa: ANN202
    """PostgreSQL: the round (locked `FOR SHARE`), the voter's seat, vote and count key, each
    proposal on the ballot with whether the voter declared an interest in it, and the money in
    the pot; a row per proposal (one with no proposal if there are none). Built once per process."""
    person_id = bindparam("person_id")
    which = Round.slug == bindparam("which") if by_slug else Round.id == bindparam("which")
    declared = (
        select(InterestDeclaration.id)
        .where(
            InterestDeclaration.round_id == Round.id,
            InterestDeclaration.person_id == person_id,
            InterestDeclaration.proposal_id == Proposal.id,
        )
        .exists()
    )
    # The ledger's own statement for a round's money (books.round_summary), read once per paper.
    pot = books.summary_stmt().where(Account.round_id == Round.id).lateral("pot")
    return (
        select(*_voter_columns(person_id), Proposal, declared, *pot.c)
        .options(undefer(Round.receipts_on), load_only(Proposal.id, Proposal.title, Proposal.requested_pence))
        .outerjoin(PanelMember, _seat_of(person_id))
        .outerjoin(pot, true())
        .outerjoin(Proposal, and_(Proposal.round_id == Round.id, Proposal.status.in_(ON_THE_BALLOT)))
        .where(which)
        .order_by(Proposal.id)
        .with_for_update(read=True, of=Round)
        .execution_options(populate_existing=True)
    )


def _paper_in_one(rows: list) -> BallotPaper:
    """`_paper_in_one_stmt`'s rows as a ballot paper, or the refusal saying why this person cannot vote."""
    if not rows:
        raise DomainError(_("That table no longer exists."))
    rnd, seat_id, is_paused, has_voted, key_id, public_key = rows[0][:6]
    _refuse_unless_may_vote(rnd, seat_id, is_paused, has_voted)
    proposals = [row[6] for row in rows if row[6] is not None]
    return BallotPaper(
        round=rnd,
        proposals=proposals,
        stood_aside={row[6].id for row in rows if row[6] is not None and row[7]},
        count_key=(key_id, public_key) if key_id is not None else None,
        pot_pence=books.summary_from_row(*rows[0][8:]).available_pence if rnd.ballot_within_budget else None,
    )


def _voter_rows(round_id: int, person_id: int, *, lock: bool = False) -> list:
    """The round, the voter's seat, whether they have voted, and what they declared an interest in.

    One query, a row per declared interest (or one row with none); no row if the round is
    gone. The person's id is passed in, not reloaded, since a use case's start expires
    every row read before.
    """
    return db.session.execute(
        _voter_rows_stmt(by_slug=False, lock=lock), {"which": round_id, "person_id": person_id}
    ).all()


def _seat_of(person_id):  # noqa: ANN001, ANN202
    """The join to the voter's seat on the round's panel (none if they stepped down)."""
    return and_(
        PanelMember.round_id == Round.id,
        PanelMember.person_id == person_id,
        PanelMember.stepped_down_at.is_(None),
    )


def _voter_columns(person_id):  # noqa: ANN001, ANN202
    """The round, the voter's seat id and pause, whether they have voted, and the round's current
    ballot key (id and public half): the first columns of every ballot paper's statement."""
    voted = (
        select(Participation.id)
        .where(Participation.round_id == Round.id, Participation.person_id == person_id)
        .exists()
    )

    def count_key(column):  # noqa: ANN001, ANN202 - the round's current ballot key, in the same query
        return (
            select(column)
            .where(CountKey.round_id == Round.id, CountKey.purpose == "ballots", CountKey.destroyed_at.is_(None))
            .order_by(CountKey.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    return Round, PanelMember.id, PanelMember.is_paused, voted, count_key(CountKey.id), count_key(CountKey.public_key)


@cache
def _voter_rows_stmt(*, by_slug: bool, lock: bool):  # noqa: ANN202
    """`_voter_rows`' statement for a round by id or by slug (parameter `which`) and a voter (`person_id`).

    Built once per process: a statement is immutable, and one built afresh for every ballot cost
    more of the machine than running it (issue 15's profile, scripts/profile_ballot.py)."""
    person_id = bindparam("person_id")
    which = Round.slug == bindparam("which") if by_slug else Round.id == bindparam("which")
    stmt = (
        select(*_voter_columns(person_id), InterestDeclaration.proposal_id)
        .options(undefer(Round.receipts_on))
        .outerjoin(PanelMember, _seat_of(person_id))
        .outerjoin(
            InterestDeclaration,
            and_(InterestDeclaration.round_id == Round.id, InterestDeclaration.person_id == person_id),
        )
        .where(which)
    )
    if lock:
        # The locked row's values, not what was read before; only the round is locked.
        stmt = stmt.with_for_update(read=True, of=Round).execution_options(populate_existing=True)
    return stmt


def _paper(rows: list, *, for_checking: bool = False) -> BallotPaper:
    """Refuse with the reason a person cannot vote, or give them their paper."""
    if not rows:
        raise DomainError(_("That table no longer exists."))
    rnd, seat_id, is_paused, has_voted, key_id, public_key, _proposal_id = rows[0]
    _refuse_unless_may_vote(rnd, seat_id, is_paused, has_voted)
    proposals, pot_pence = (
        _checking_proposals(rnd.id, with_pot=rnd.ballot_within_budget)
        if for_checking
        else (ballot_proposals(rnd.id), None)
    )
    return BallotPaper(
        round=rnd,
        proposals=proposals,
        stood_aside={proposal_id for *_, proposal_id in rows if proposal_id is not None},
        count_key=(key_id, public_key) if key_id is not None else None,
        pot_pence=pot_pence,
    )


def _refuse_unless_may_vote(rnd: Round, seat_id: int | None, is_paused: bool | None, has_voted: bool) -> None:
    """Refuse, saying why, a person who cannot vote on this round now."""
    if not rnd.is_voting:
        raise VotingClosed(_("Voting is not open on this table."))
    if rnd.ballot_type is BallotType.CONSENSUS:
        raise DomainError(_("This table decides by consensus: there is no ballot to fill in."))
    if rnd.electorate.value == "community":
        raise DomainError(_("This is a community-wide vote: vote with the voting code you were given."))
    if seat_id is None:
        raise NotAllowed(_("Only members of this table's panel can vote."))
    if is_paused:
        raise DomainError(_("You have paused. Resume taking part on your panel page if you want to vote."))
    if has_voted:
        raise AlreadyVoted(_("You have already voted on this table. Each person votes once."))


def _checking_proposals(round_id: int, *, with_pot: bool) -> tuple[list[Proposal], int | None]:
    """The proposals on the ballot as checking a cast ballot reads them and, if the ballot must fit
    within the pot, the money in the pot: one query (the ledger's own summary, joined to each row)."""
    rows = db.session.execute(_checking_stmt(with_pot=with_pot), {"round_id": round_id}).all()
    proposals = [row[0] for row in rows]
    if not with_pot or not rows:  # no proposals: the pot is read if anything asks for it
        return proposals, None
    return proposals, books.summary_from_row(*rows[0][1:]).available_pence


@cache
def _checking_stmt(*, with_pot: bool):  # noqa: ANN202
    """`_checking_proposals`' statement (parameter `round_id`), built once per process."""
    stmt = (
        select(Proposal)
        .options(load_only(Proposal.id, Proposal.title, Proposal.requested_pence))
        .where(Proposal.round_id == bindparam("round_id"), Proposal.status.in_(ON_THE_BALLOT))
        .order_by(Proposal.id)
    )
    if with_pot:
        # The ledger's own statement for a round's money (books.round_summary), not a copy of it.
        pot = books.summary_stmt().where(Account.round_id == bindparam("round_id")).subquery()
        stmt = stmt.join(pot, true()).add_columns(*pot.c)
    return stmt


def write_ballot(
    session: Session,
    *,
    round_id: int,
    checked: CheckedBallot,
    receipt: str | None,
    count_key: tuple[int, bytes] | None = None,
) -> None:
    """Seal a checked ballot and its rubric comments to the round's count key, in the caller's transaction.

    What is written is one envelope with a random id and no person or time: ciphertext that
    only the count key opens, once, at the close (grants/ballots/sealing.py).
    """
    key = count_key or sealing.current_key(round_id, sealing.BALLOTS)
    if key is None:  # a table that was already voting before ballots were sealed
        key = sealing.make_key(session, round_id, sealing.BALLOTS)
    sealing.seal(session, key, _sealed_content(checked, receipt))


def _sealed_content(checked: CheckedBallot, receipt: str | None) -> dict:
    """What a ballot's envelope holds: its marks, its receipt code and its rubric comments."""
    return {"marks": checked.marks, "receipt": receipt, "comments": [list(c) for c in checked.comments]}


def _write_participation(session: Session, round_id: int, person_id: int) -> None:
    """The record that this person has voted here; unique, so a second ballot fails."""
    session.execute(_participation_stmt(), {"round_id": round_id, "person_id": person_id, "channel": "online"})


@cache
def _participation_stmt():  # noqa: ANN202 - built once per process, like the paper's statements
    return insert(Participation.__table__)


def _write_participation_and_ballot(
    session: Session, round_id: int, person_id: int, checked: CheckedBallot, receipt: str | None, key: tuple[int, bytes]
) -> None:
    """PostgreSQL: the participation row and the sealed ballot (as `write_ballot` seals it) in one
    statement, so one round trip to the database, not two. The same two rows, in the same
    transaction; if the person has voted already, the unique participation row fails it whole."""
    row = sealing.envelope(key, _sealed_content(checked, receipt))
    session.execute(
        _participation_and_ballot_stmt(),
        {
            "round_id": round_id,
            "person_id": person_id,
            "envelope_id": row["id"],
            "key_id": row["key_id"],
            "sealed": row["sealed"],
        },
    )


@cache
def _participation_and_ballot_stmt():  # noqa: ANN202
    """WITH voted AS (INSERT INTO participations ... RETURNING id) INSERT INTO sealed_envelopes ... FROM voted.

    (The receivers of `use_case_committing` hear of sealed_envelopes only; both tables are ones no
    public page reads, grants/caching.py's UNSEEN_TABLES, so what they do is the same.)"""
    voted = (
        insert(Participation.__table__)
        .values(round_id=bindparam("round_id"), person_id=bindparam("person_id"), channel="online")
        .returning(Participation.__table__.c.id)
        .cte("voted")
    )
    envelopes = SealedEnvelope.__table__
    columns = envelopes.c
    return (
        insert(envelopes)
        .add_cte(voted)
        .from_select(
            ["id", "key_id", "paper_batch_id", "sealed"],
            select(
                bindparam("envelope_id", type_=columns.id.type),  # not "id": that would be the participation's
                bindparam("key_id", type_=columns.key_id.type),
                null(),  # no paper batch: cast online
                bindparam("sealed", type_=columns.sealed.type),
            ).select_from(voted),
        )
    )


def check_choices(paper: BallotPaper, chosen_ids: list[int]) -> list[Proposal]:
    """The chosen proposals, or a refusal that says what to change."""
    by_id = {p.id: p for p in paper.proposals}
    if len(set(chosen_ids)) != len(chosen_ids):
        raise DomainError(_("Each proposal can be picked once."))
    unknown = [pid for pid in chosen_ids if pid not in by_id]
    if unknown:
        raise DomainError(_("Your ballot named a proposal that is not on this table's ballot."))
    conflicted = [by_id[pid].title for pid in chosen_ids if pid in paper.stood_aside]
    if conflicted:
        raise DomainError(_("You declared an interest in “%(title)s”, so you cannot vote for it.", title=conflicted[0]))
    chosen = [by_id[pid] for pid in chosen_ids]
    rnd = paper.round
    if rnd.min_picks and len(chosen) < rnd.min_picks:
        raise DomainError(
            ngettext(
                "Pick at least %(num)d proposal. You picked %(picked)s.",
                "Pick at least %(num)d proposals. You picked %(picked)s.",
                rnd.min_picks,
                picked=len(chosen),
            )
        )
    if rnd.max_picks and len(chosen) > rnd.max_picks:
        raise DomainError(
            ngettext(
                "Pick no more than %(num)d proposal. You picked %(picked)s.",
                "Pick no more than %(num)d proposals. You picked %(picked)s.",
                rnd.max_picks,
                picked=len(chosen),
            )
        )
    total = sum(p.requested_pence for p in chosen)
    if rnd.ballot_within_budget and total > paper.budget_pence:
        raise DomainError(
            _(
                "Your picks add up to %(total)s, more than the pot of %(pot)s. Untick some proposals so they fit.",
                total=format_pence(total),
                pot=format_pence(paper.budget_pence),
            )
        )
    return chosen


def cast_ballot(*, person: Person, round_id: int, chosen_ids: list[int]) -> str | None:
    """Cast a secret approval ballot and return the voter's receipt code (None if the table gives none)."""
    return _cast(person, round_id, None, lambda paper: CheckedBallot(
        marks={str(p.id): 1 for p in check_choices(paper, chosen_ids)}
    ))  # fmt: skip


def _cast(
    person: Person, round_id: int | None, slug: str | None, check: Callable[[BallotPaper], CheckedBallot]
) -> str | None:
    """Lock the round, check the ballot with `check`, and write the participation and the sealed ballot together."""
    try:
        with transaction() as session:
            paper = _locked_paper(person, round_id, slug)
            checked = check(paper)
            receipt = new_receipt() if paper.round.receipts_on else None
            voter = id_of(person)
            if paper.count_key is not None and session.get_bind().dialect.name == "postgresql":
                _write_participation_and_ballot(session, paper.round.id, voter, checked, receipt, paper.count_key)
            else:
                _write_participation(session, paper.round.id, voter)
                write_ballot(
                    session, round_id=paper.round.id, checked=checked, receipt=receipt, count_key=paper.count_key
                )
    except IntegrityError as exc:
        # Two submissions at once: the unique participation row let only one through.
        raise AlreadyVoted(_("You have already voted on this table. Each person votes once.")) from exc
    return receipt


# ---------------------------------------------------------------------------
# Every ballot type: read what the form sent, check it, and say it back plainly.

COMMENT_MAX = 500


class FormData(Protocol):
    """What a submitted form offers (werkzeug's MultiDict fits)."""

    def get(self, key: str, default: str | None = None) -> str | None: ...  # noqa: D102

    def getlist(self, key: str) -> list[str]: ...  # noqa: D102

    def keys(self): ...  # noqa: ANN201, D102


@dataclass
class CheckedBallot:
    """A ballot that passed every check: its marks, its rubric comments, and what to show back."""

    marks: dict[str, int]
    comments: list[tuple[int, int, int, str]] = field(default_factory=list)
    rows: list[tuple[Proposal, str]] = field(default_factory=list)
    carried: list[tuple[str, str]] = field(default_factory=list)


def _whole(raw: str | None, what: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not is_whole(raw):
        raise DomainError(_("%(what)s: enter a whole number, like 2.", what=what))
    return int(raw)


def _refuse_hidden(paper: BallotPaper, form: FormData, prefix: str) -> None:
    """A form field naming a proposal the voter may not vote on is refused, not ignored."""
    choosable = {p.id for p in paper.choosable}
    by_id = {p.id: p for p in paper.proposals}
    for key in form.keys():
        if not key.startswith(prefix):
            continue
        pid_text = key[len(prefix) :].split("-")[0]
        if not is_whole(pid_text) or int(pid_text) not in by_id:
            raise DomainError(_("Your ballot named a proposal that is not on this table's ballot."))
        if int(pid_text) not in choosable and (form.get(key) or "").strip() not in ("", "0"):
            raise DomainError(
                _(
                    "You declared an interest in “%(title)s”, so you cannot vote on it.",
                    title=by_id[int(pid_text)].title,
                )
            )


def read_ballot(paper: BallotPaper, form: FormData) -> CheckedBallot:
    """Check a submitted ballot of the round's type; refuse it with a message saying what to change."""
    kind = paper.round.ballot_type
    if kind is BallotType.APPROVAL:
        ids = []
        for raw in form.getlist("proposal"):
            if not is_whole(raw):
                raise DomainError(_("Your ballot named a proposal that is not on this table's ballot."))
            ids.append(int(raw))
        chosen = check_choices(paper, ids)
        return CheckedBallot(
            marks={str(p.id): 1 for p in chosen},
            rows=[(p, _("Supported")) for p in chosen],
            carried=[("proposal", str(p.id)) for p in chosen],
        )
    if kind is BallotType.CUMULATIVE:
        return _read_points(paper, form)
    if kind is BallotType.SCORE:
        return _read_scores(paper, form)
    if kind is BallotType.RANKED:
        return _read_ranking(paper, form)
    raise DomainError(_("This table decides by consensus: there is no ballot to fill in."))


def _read_points(paper: BallotPaper, form: FormData) -> CheckedBallot:
    rnd = paper.round
    _refuse_hidden(paper, form, "points-")
    total = rnd.points_total or 0
    checked = CheckedBallot(marks={})
    problems: list[tuple[str, str]] = []  # every box to fix, said at once (issue 17)
    for p in paper.choosable:
        where = f"points-{p.id}"
        try:
            points = _whole(form.get(where), _("Points for “%(title)s”", title=p.title)) or 0
        except DomainError as exc:
            problems.append((where, exc.message))
            continue
        if rnd.points_cap and points > rnd.points_cap:
            problems.append((where, _(
                "Give “%(title)s” no more than %(cap)s points. You gave %(points)s.",
                title=p.title,
                cap=rnd.points_cap,
                points=points,
            )))
            continue
        if points:
            checked.marks[str(p.id)] = points
            checked.rows.append((p, ngettext("%(num)d point", "%(num)d points", points)))
            checked.carried.append((f"points-{p.id}", str(points)))
    raise_problems(problems)
    spent = sum(checked.marks.values())
    if spent > total:
        raise DomainError(
            _(
                "You have %(total)s points to spread and gave %(spent)s. Take some away.",
                total=total,
                spent=spent,
            )
        )
    if spent == 0:
        raise DomainError(_("Give your %(total)s points to the proposals you support.", total=total))
    return checked


def _read_scores(paper: BallotPaper, form: FormData) -> CheckedBallot:
    rnd = paper.round
    _refuse_hidden(paper, form, "score-")
    _refuse_hidden(paper, form, "comment-")
    _refuse_hidden(paper, form, "skip-")
    top = rnd.score_max or 0
    words = rnd.score_words
    checked = CheckedBallot(marks={})
    problems: list[tuple[str, str]] = []  # every box to fix, said at once (issue 17)
    for p in paper.choosable:
        if rnd.score_skip_allowed and form.get(f"skip-{p.id}"):
            # "Not enough information": left off this ballot, so its average is over those who scored it.
            checked.rows.append((p, _("Skipped: not enough information to score it")))
            checked.carried.append((f"skip-{p.id}", "1"))
            continue
        total = 0
        parts = []
        for ci, criterion in enumerate(rnd.score_criteria):
            what = f"“{p.title}”, {criterion}"
            where = f"score-{p.id}-{ci}"
            try:
                score = _whole(form.get(where), _("Score for %(what)s", what=what))
            except DomainError as exc:
                problems.append((where, exc.message))
                score = None
            else:
                if score is None:
                    problems.append((where, _("Choose a score for %(what)s.", what=what)))
                elif score > top:
                    problems.append((where, _(
                        "Scores go from 0 to %(top)s. Check the score for %(what)s.",
                        top=top,
                        what=what,
                    )))
                    score = None
            box = f"comment-{p.id}-{ci}"
            comment = (form.get(box) or "").strip()
            if not comment:
                problems.append((box, _(
                    "Write a short comment on your score for %(what)s. It helps the group.",
                    what=what,
                )))
                continue
            if len(comment) > COMMENT_MAX:
                problems.append((box, _(
                    "Keep the comment for %(what)s under %(max)s characters.",
                    what=what,
                    max=COMMENT_MAX,
                )))
                continue
            if score is None:
                continue
            total += score
            parts.append(f"{criterion}: {score} ({words[score]}) – {comment}")
            checked.comments.append((p.id, ci, score, comment))
            checked.carried += [(f"score-{p.id}-{ci}", str(score)), (f"comment-{p.id}-{ci}", comment)]
        # Every proposal the voter scores is on their ballot, even at 0, so averages divide by
        # the members free to score it who did not skip it.
        checked.marks[str(p.id)] = total
        checked.rows.append((p, _(
            "%(score)s out of %(top)s.",
            score=total,
            top=top * len(rnd.score_criteria),
        ) + " " + "; ".join(parts)))
    raise_problems(problems)
    if paper.choosable and not checked.marks:
        raise DomainError(_("Score at least one proposal. You skipped them all."))
    return checked


def _read_ranking(paper: BallotPaper, form: FormData) -> CheckedBallot:
    rnd = paper.round
    _refuse_hidden(paper, form, "rank-")
    depth = rnd.rank_depth or 0
    ranks: dict[int, Proposal] = {}
    problems: list[tuple[str, str]] = []  # every box to fix, said at once (issue 17)
    for p in paper.choosable:
        where = f"rank-{p.id}"
        try:
            rank = _whole(form.get(where), _("Place for “%(title)s”", title=p.title))
        except DomainError as exc:
            problems.append((where, exc.message))
            continue
        if rank is None:
            continue
        if not 1 <= rank <= depth:
            problems.append((where, _(
                "Places go from 1 to %(depth)s. Check the place for “%(title)s”.",
                depth=depth,
                title=p.title,
            )))
        elif rank in ranks:
            problems.append(
                (where, _(
                    "You put “%(first)s” and “%(second)s” both in place %(place)s. Give each its own.",
                    first=ranks[rank].title,
                    second=p.title,
                    place=rank,
                ))
            )
        else:
            ranks[rank] = p
    raise_problems(problems)
    if not ranks:
        raise DomainError(_("Put at least one proposal in order: give your favourite place 1."))
    missing = [r for r in range(1, max(ranks) + 1) if r not in ranks]
    if missing:
        raise DomainError(
            _(
                "Nothing is in place %(place)s. Use places 1, 2, 3 and so on without gaps.",
                place=missing[0],
            )
        )
    checked = CheckedBallot(marks={})
    for rank in sorted(ranks):
        p = ranks[rank]
        checked.marks[str(p.id)] = rank
        checked.rows.append((p, _("Choice %(place)s", place=rank)))
        checked.carried.append((f"rank-{p.id}", str(rank)))
    return checked


def cast(
    *, person: Person, form: FormData | Mapping[str, list[str]], round_id: int | None = None, slug: str | None = None
) -> str | None:
    """Cast a checked ballot of any type on the round (by id or slug); return the voter's receipt code, if any.

    The participation row, the ballot and any rubric comments are written together; the
    comments, like the ballot, carry no person, no time and a random id.
    """
    return _cast(person, round_id, slug, lambda paper: read_ballot(paper, form))  # type: ignore[arg-type]


@dataclass(frozen=True)
class FeedbackComment:
    """One anonymous score and comment for a proposal, for assembling the group's feedback."""

    criterion: str
    score: int
    comment: str


def feedback_for(proposal: Proposal) -> list[FeedbackComment]:
    """The panel's scores and comments on a proposal, by criterion, once voting has closed.

    They carry no name: the comments were stored without a person and shuffled at close.
    Before the close they stay sealed, like the ballots.
    """
    rnd = proposal.round
    if not rnd.rules_frozen or rnd.is_voting:
        raise DomainError(_("The panel's comments are sealed until voting closes."))
    rows = db.session.execute(
        select(ScoreComment)
        .where(ScoreComment.proposal_id == proposal.id)
        .order_by(ScoreComment.criterion, ScoreComment.id)
    ).scalars()
    names = rnd.score_criteria or []
    return [
        FeedbackComment(
            criterion=names[row.criterion] if row.criterion < len(names) else f"Criterion {row.criterion + 1}",
            score=row.score,
            comment=row.comment,
        )
        for row in rows
    ]
