"""Read-only queries behind the public pages. Each page does a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload, subqueryload, undefer

from grants import paging
from grants.extensions import db
from grants.inputs import is_lookup_safe
from grants.language import DEFAULT, chosen, written
from grants.ledger import books, published
from grants.models import (
    PUBLIC_PROPOSAL,
    Account,
    AccountKind,
    AuditEntry,
    Award,
    Balance,
    Funder,
    Group,
    GroupUpdate,
    InterestDeclaration,
    PanelMember,
    PanelRole,
    Pledge,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
    RoundStatus,
    RoundText,
    Tranche,
    TrancheStatus,
)
from grants.privacy import people_count, people_part
from grants.public import charts
from grants.roles import accepted_funders_of, accepted_pairs


def published_rounds() -> list[Round]:
    """Every published round, newest first."""
    return list(
        db.session.execute(
            select(Round)
            .where(Round.status != RoundStatus.DRAFT)
            .order_by(Round.created_at.desc())
            .options(undefer(Round.language), selectinload(Round.texts))  # each in the reader's language
        ).scalars()
    )


@dataclass
class RoundPage:
    """Everything the public round page shows."""

    round: Round
    # The long lists a page at a time (`rows`): the proposals and awards on this page, and how many
    # there are in all; the result has all its lines (the chart and the explanations read them).
    rows: paging.Window
    proposals: list[Proposal]
    proposal_count: int
    unnamed_count: int
    result: Result | None
    recusals: int
    money: books.MoneySummary
    awards: list[Award]
    award_count: int
    paid: dict[int, int]
    # Money awarded but paused by a hold, over every award of the table.
    held_pence: int
    funders: list[tuple[Funder, int]]
    record: list[AuditEntry]
    panel: PanelMakeup


@dataclass(frozen=True)
class PanelMakeup:
    """A panel in aggregate. Each figure is None when it would cover fewer than 5 people."""

    members: int | None
    lived_experience: int | None
    facilitators: int | None
    paused: int | None


def panel_makeup(round_id: int) -> PanelMakeup:
    """Count the active panel in one query and suppress small numbers."""
    total, lived, facilitators, paused = db.session.execute(
        select(
            func.count(PanelMember.id),
            func.coalesce(func.sum(case((PanelMember.has_lived_experience.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((PanelMember.role == PanelRole.FACILITATOR, 1), else_=0)), 0),
            func.coalesce(func.sum(case((PanelMember.is_paused.is_(True), 1), else_=0)), 0),
        ).where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
    ).one()
    total, lived, facilitators, paused = int(total), int(lived), int(facilitators), int(paused)
    return PanelMakeup(
        members=people_count(total),
        lived_experience=people_part(lived, total),
        facilitators=people_part(facilitators, total),
        paused=people_part(paused, total),
    )


def round_page(rnd: Round, number: int | None = None) -> RoundPage:
    """The public view of one round, its long lists (proposals, how each did, awards) `paging.PER_PAGE`
    rows at a time: page `number`. Only that page's proposals and awards are read."""
    public = select(Proposal).where(Proposal.round_id == rnd.id, PUBLIC_PROPOSAL)
    held = (
        select(func.coalesce(func.sum(Tranche.amount_pence), 0))
        .join(Award, Award.id == Tranche.award_id)
        .where(Award.round_id == rnd.id, Tranche.status == TrancheStatus.HELD)
    )
    # Every count the page shows, in one query; the table's proposals are read once for both of
    # their counts (at 10,000 proposals each reading of them is most of the page's database time).
    proposal_counts = (
        select(
            func.count(Proposal.id).filter(PUBLIC_PROPOSAL).label("public"),
            func.count(Proposal.id).filter(Proposal.status != ProposalStatus.DRAFT).label("submitted"),
        )
        .where(Proposal.round_id == rnd.id)
        .subquery()
    )
    proposal_count, submitted, recusals, award_count, held_pence = db.session.execute(
        select(
            proposal_counts.c.public,
            proposal_counts.c.submitted,
            select(func.count(InterestDeclaration.id)).where(InterestDeclaration.round_id == rnd.id).scalar_subquery(),
            select(func.count(Award.id)).where(Award.round_id == rnd.id).scalar_subquery(),
            held.scalar_subquery(),
        ).select_from(proposal_counts)
    ).one()
    result = db.session.execute(
        select(Result)
        .where(Result.round_id == rnd.id)
        .options(
            selectinload(Result.lines).joinedload(ResultLine.proposal).joinedload(Proposal.group),
            # Each proposal in the reader's language: its language and its other versions, with the lines.
            selectinload(Result.lines).joinedload(ResultLine.proposal).undefer(Proposal.language),
            selectinload(Result.lines).joinedload(ResultLine.proposal).subqueryload(Proposal.texts),
        )
    ).scalar_one_or_none()
    rows = paging.window(max(proposal_count, len(result.lines) if result else 0, award_count), number)
    proposals = list(
        db.session.execute(
            public.options(joinedload(Proposal.group), undefer(Proposal.language), selectinload(Proposal.texts))
            .order_by(Proposal.title, Proposal.id)
            .limit(rows.per_page)
            .offset(rows.start)
        ).scalars()
    )
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.round_id == rnd.id)
            .options(joinedload(Award.group))
            .order_by(Award.id)
            .limit(rows.per_page)
            .offset(rows.start)
        ).scalars()
    )
    funders = list(
        db.session.execute(
            select(Funder, func.sum(Pledge.amount_pence))
            .join(Pledge, Pledge.funder_id == Funder.id)
            .where(Pledge.round_id == rnd.id, Funder.id.in_(accepted_funders_of(rnd.id)))
            .group_by(Funder.id)
            .order_by(Funder.name)
        ).all()
    )
    record = list(
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.round_id == rnd.id, AuditEntry.is_public.is_(True))
            .order_by(AuditEntry.seq)
        ).scalars()
    )
    return RoundPage(
        round=rnd,
        rows=rows,
        proposals=proposals,
        proposal_count=proposal_count,
        unnamed_count=submitted - proposal_count,
        result=result,
        recusals=recusals,
        money=published.round_summary(rnd.id),
        awards=awards,
        award_count=award_count,
        paid=books.award_paid_totals([a.id for a in awards]),
        held_pence=int(held_pence),
        funders=funders,
        record=record,
        panel=panel_makeup(rnd.id),
    )



def group_page(
    slug: str,
) -> tuple[Group, list[Award], dict[int, int], list[Proposal], list[GroupUpdate]] | None:
    """A group's public page: what it does, its awards and payments, its named proposals, its updates."""
    if not is_lookup_safe(slug):
        return None
    group = db.session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none()
    if group is None:
        return None
    awards = list(
        db.session.execute(
            select(Award)
            .where(Award.group_id == group.id)
            .options(
                joinedload(Award.round).undefer(Round.language),
                joinedload(Award.round).selectinload(Round.texts),
                joinedload(Award.proposal).undefer(Proposal.language),
                joinedload(Award.proposal).selectinload(Proposal.texts),
                subqueryload(Award.tranches),
            )
            .order_by(Award.awarded_on.desc())
        ).scalars()
    )
    proposals = list(
        db.session.execute(
            select(Proposal)
            .where(Proposal.group_id == group.id, PUBLIC_PROPOSAL)
            .options(joinedload(Proposal.round), undefer(Proposal.language), selectinload(Proposal.texts))
            .order_by(Proposal.created_at.desc())
        ).scalars()
    )
    updates = list(
        db.session.execute(
            select(GroupUpdate)
            .where(GroupUpdate.group_id == group.id)
            .options(joinedload(GroupUpdate.photo), joinedload(GroupUpdate.file), joinedload(GroupUpdate.award))
            .order_by(GroupUpdate.created_at.desc(), GroupUpdate.id.desc())
            .limit(UPDATES_SHOWN)
        ).scalars()
    )
    return group, awards, books.award_paid_totals([a.id for a in awards]), proposals, updates


UPDATES_SHOWN = 50


def funder_page(slug: str) -> tuple[Funder, list[tuple[Round, int, int]]] | None:
    """A funder's public page: what it pledged and gave to which rounds."""
    if not is_lookup_safe(slug):
        return None
    funder = db.session.execute(select(Funder).where(Funder.slug == slug)).scalar_one_or_none()
    if funder is None:
        return None
    given = books.funder_summary(funder.id)
    pledged = db.session.execute(
        select(Round, func.sum(Pledge.amount_pence))
        .join(Pledge, Pledge.round_id == Round.id)
        .where(Pledge.funder_id == funder.id, tuple_(Round.id, Pledge.funder_id).in_(accepted_pairs()))
        .group_by(Round.id)
        .order_by(Round.title)
    ).all()
    return funder, [(rnd, int(amount), given.get(rnd.id, 0)) for rnd, amount in pledged]




def money_flows(
    round_id: int | None = None, *, given: bool = True, awarded: bool = True
) -> tuple[list[charts.Flow], list[charts.Flow]]:
    """Funder-to-table money received and table-to-group money awarded, from the ledger and awards (two
    queries; either can be left out, its list then empty). A table is named in the reader's language
    when it is written in it, else in its own, and the chart marks it so (charts.Name)."""
    code = chosen()
    # The table's version in the reader's language, if it has one (a further language's row).
    theirs = select(RoundText.round_id, RoundText.title).where(RoundText.language == code).subquery()
    title = (Round.title, Round.language, theirs.c.title)
    giving = (
        select(Funder.name, *title, func.sum(Balance.amount_pence))
        .select_from(Balance)
        .join(Account, Account.id == Balance.account_id)
        .join(Funder, Funder.id == Account.funder_id)
        .join(Round, Round.id == Account.round_id)
        .outerjoin(theirs, theirs.c.round_id == Round.id)
        .where(Account.kind == AccountKind.FUNDER_GIVING)
        .group_by(Funder.id, Funder.name, Round.id, *title)
        .order_by(Funder.name, Round.title)
    )
    awarded_sql = (
        select(*title, Group.name, func.sum(Award.amount_pence))
        .select_from(Award)
        .join(Round, Round.id == Award.round_id)
        .join(Group, Group.id == Award.group_id)
        .outerjoin(theirs, theirs.c.round_id == Round.id)
        .group_by(Round.id, *title, Group.id, Group.name)
        .order_by(Round.title, Group.name)
    )
    if round_id is not None:
        giving = giving.where(Account.round_id == round_id)
        awarded_sql = awarded_sql.where(Award.round_id == round_id)

    def named(own: str, language: str | None, in_code: str | None) -> charts.Name:
        return charts.Name(in_code, code) if in_code else charts.Name(own, language or DEFAULT)

    into = (
        [
            charts.Flow(f, named(t, lang, mine), -int(total))
            for f, t, lang, mine, total in db.session.execute(giving)
            if total
        ]
        if given
        else []
    )
    out = (
        [
            charts.Flow(named(t, lang, mine), g, int(total))
            for t, lang, mine, g, total in db.session.execute(awarded_sql)
            if total
        ]
        if awarded
        else []
    )
    return into, out


def round_money_flows(
    rnd: Round, keep: int = charts.FLOWS_SHOWN
) -> tuple[list[charts.Flow], list[charts.Flow], charts.OtherGroups | None]:
    """One table's money flows for its page, with a table of thousands of awards added up in SQL:
    the `keep` biggest groups (by amount, then name, as the chart ranks them) one by one and the
    rest as one sum and count, instead of every award read and folded on every render."""
    given, _awarded = money_flows(rnd.id, awarded=False)
    per_name = (
        select(Group.name.label("name"), func.sum(Award.amount_pence).label("total"))
        .join(Group, Group.id == Award.group_id)
        .where(Award.round_id == rnd.id)
        .group_by(Group.name)
        .having(func.sum(Award.amount_pence) != 0)
        .subquery()
    )
    # The chart ranks names as Python compares them (code points): "C" on PostgreSQL (UTF-8 bytes
    # sort in code point order), SQLite's own BINARY already does.
    name = per_name.c.name.collate("C") if db.session.get_bind().dialect.name == "postgresql" else per_name.c.name
    ranked = select(
        per_name.c.name,
        per_name.c.total,
        func.row_number().over(order_by=(per_name.c.total.desc(), name)).label("rank"),
        func.count().over().label("names"),
        func.sum(per_name.c.total).over().label("everything"),
    ).subquery()
    top = db.session.execute(
        select(ranked.c.name, ranked.c.total, ranked.c.names, ranked.c.everything)
        .where(ranked.c.rank <= keep)
        .order_by(ranked.c.name)
    ).all()
    if not top or top[0].names <= keep:
        return given, money_flows(rnd.id, given=False)[1], None  # few groups: every award, as before
    table = charts.Name(*written.shown(rnd, "title"))
    kept = [charts.Flow(table, name, int(total)) for name, total, _n, _all in top if total]
    rest = int(top[0].everything) - sum(f.amount_pence for f in kept)
    return given, kept, charts.OtherGroups(count=top[0].names - keep, source=table, amount_pence=rest)


def round_timeline(rnd: Round, today) -> charts.Chart:  # noqa: ANN001
    """The round's timetable as a chart, with the published changes noted against each date."""
    fields = [
        ("bids_open_at", _("Bids open")),
        ("bids_close_at", _("Bids close")),
        ("deliberation_opens_at", _("The panel starts reading")),
        ("voting_opens_at", _("Voting opens")),
        ("voting_closes_at", _("Voting closes")),
    ]
    notes: dict[str, list[str]] = {}
    for change in rnd.rule_changes:
        note = _("Changed from %(old)s: %(reason)s", old=change.old_value, reason=change.reason)
        notes.setdefault(change.field, []).append(note)
    steps = [charts.Milestone(label, getattr(rnd, name), " ".join(notes.get(name, []))) for name, label in fields]
    return charts.timeline(written.text_of(rnd, "title"), steps, today)


def _bar_name(proposal: Proposal) -> charts.Name:
    """A bid's name and its group's in a result chart, in the language its name is written in."""
    text, code = written.shown(proposal, "title")
    return charts.Name(f"{text} ({proposal.group.name})", code)


def result_chart(page: RoundPage, public_ids: set[int]) -> charts.Chart | None:
    """Support per proposal and the budget line, from the stored result (no extra queries)."""
    if page.result is None or not page.result.quorum_met:
        return None
    lines = sorted(page.result.lines, key=lambda line: line.position)
    bars = [
        charts.Bar(
            _bar_name(line.proposal)
            if line.proposal_id in public_ids
            else _("A group that asked not to be named"),
            int(line.support),
            line.cost_pence,
            line.is_funded,
        )
        for line in lines
    ]
    return charts.result_support(
        written.text_of(page.round, "title"), bars, page.result.budget_pence, people_count(page.result.ballots_counted)
    )
