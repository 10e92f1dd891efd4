"""Proposal use cases: start, edit until bids close, submit after checking."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from grants.core import DomainError, NotAllowed, transaction
from grants.extensions import db
from grants.language import DEFAULT, written
from grants.language.written import lazy_text
from grants.models import BudgetLine, BudgetLineText, Group, GroupMembership, Person, Proposal, ProposalStatus, Round
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_group_member
from grants.site import link_to

TEXT_FIELDS = ("title", "summary", "activities", "beneficiaries")


# A bid's budget lines as (item, pence): the item as plain text (in the bid's own language), or in each
# language it was written in ({code: item}, the bid's own language needed).
Lines = list[tuple[str | dict[str, str], int]]


class OverMaxGrant(DomainError):
    """A budget that adds up to more than the table's largest grant."""


def _over_max_message(total: int, rnd: Round) -> str:
    return _(
        "Your budget adds up to %(total)s, more than this table's largest grant of %(most)s. Make the budget smaller.",
        total=format_pence(total),
        most=format_pence(rnd.max_grant_pence),
    )


def _apply(proposal: Proposal, fields: dict[str, Any], lines: Lines) -> None:
    # The bid's texts in each language the group writes it in ({code: {field: text}}), its boxes
    # named as in the form (title, title_cy); without `languages`, the ones it is written in already.
    languages = fields.get("languages") or (proposal.languages if proposal.id else [DEFAULT])
    versions = written.versions_from(fields, TEXT_FIELDS, languages)
    if not versions:
        raise DomainError(_("Choose at least one language"))
    if any(not text for version in versions.values() for text in version.values()):
        raise DomainError(_("Write the title and every answer in each language you chose."))
    proposal.write_versions(versions)
    proposal.agreed_to_be_named = bool(fields.get("agreed_to_be_named"))
    codes = list(versions)
    # Each line's item: in the bid's own language (needed), and in each further language it is written in
    # where the group wrote it so (a line given as plain text is in the bid's own language).
    items = [item if isinstance(item, dict) else {codes[0]: item} for item, _amount in lines]
    for written_items, (_item, amount) in zip(items, lines, strict=True):
        if not (written_items.get(codes[0]) or "").strip() or amount is None or amount <= 0:
            raise DomainError(_("Each budget line needs an item and a cost of more than £0."))
    # Said on the budget itself, not only when the proposal is submitted at the end.
    total = sum(amount for _item, amount in lines)
    if total > proposal.round.max_grant_pence:
        raise OverMaxGrant(_over_max_message(total, proposal.round))
    amounts = [amount for _item, amount in lines]
    proposal.budget_lines = [_line(i, *pair, codes) for i, pair in enumerate(zip(items, amounts, strict=True))]


def _line(position: int, items: dict[str, str], amount: int, codes: list[str]) -> BudgetLine:
    """A budget line: its item in the bid's own language, and a row for each further language written."""
    line = BudgetLine(position=position, item=items[codes[0]].strip(), amount_pence=amount)
    further = [code for code in codes[1:] if (items.get(code) or "").strip()]
    if further:  # a line in one language only writes nothing to budget_line_texts
        line.texts = [BudgetLineText(language=code, item=items[code].strip()) for code in further]
    return line


def _check_editable(person: Person, proposal: Proposal) -> None:
    if not is_group_member(person, proposal.group_id):
        raise NotAllowed(_("Only members of the group can change its proposal."))
    if not proposal.round.accepts_bids:
        raise DomainError(_("Bids have closed for this table, so the proposal cannot change now."))
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED):
        raise DomainError(_("This proposal can no longer be changed."))


def start_proposal(
    *, person: Person, round_id: int, group_id: int, fields: dict[str, Any], lines: Lines
) -> Proposal:
    """Start a draft proposal for a group to a table open for bids."""
    with transaction() as session:
        rnd = session.get(Round, round_id)
        group = session.get(Group, group_id)
        if rnd is None or group is None:
            raise DomainError(_("That table or group does not exist."))
        if not is_group_member(person, group.id):
            raise NotAllowed(_("Only members of the group can bid for it."))
        if not rnd.accepts_bids:
            raise DomainError(_("This table is not open for bids."))
        proposal = Proposal(round_id=rnd.id, group_id=group.id, created_by_id=person.id, status=ProposalStatus.DRAFT)
        proposal.round = rnd
        _apply(proposal, fields, lines)
        session.add(proposal)
    return proposal


def update_proposal(
    *, person: Person, proposal_id: int, fields: dict[str, Any], lines: Lines
) -> Proposal:
    """Change a proposal while bids are open."""
    with transaction():
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is None:
            raise DomainError(_("That proposal does not exist."))
        _check_editable(person, proposal)
        _apply(proposal, fields, lines)
    return proposal


def submit_proposal(*, person: Person, proposal_id: int) -> Proposal:
    """Submit a proposal after its check-your-answers page."""
    with transaction():
        proposal = db.session.get(Proposal, proposal_id)
        if proposal is None:
            raise DomainError(_("That proposal does not exist."))
        _check_editable(person, proposal)
        if not proposal.budget_lines:
            raise DomainError(_("Add at least one budget line before you submit."))
        total = sum(line.amount_pence for line in proposal.budget_lines)
        if total > proposal.round.max_grant_pence:
            raise DomainError(
                _(
                    "Your budget adds up to %(total)s, more than this table's largest grant of %(most)s. "
                    "Change the budget, then submit.",
                    total=format_pence(total),
                    most=format_pence(proposal.round.max_grant_pence),
                )
            )
        if proposal.status is ProposalStatus.DRAFT:
            proposal.status = ProposalStatus.SUBMITTED
            proposal.submitted_at = datetime.now(UTC)
            members = db.session.execute(
                select(GroupMembership.person_id).where(GroupMembership.group_id == proposal.group_id)
            ).scalars()
            notify(
                members,
                "bid_received",
                _l("Your bid “%(title)s” was received", title=lazy_text(proposal, "title")),
                _l(
                    "The bid from %(group)s to %(round)s was received. You can change it until bids close on %(date)s.",
                    group=proposal.group.name,
                    round=proposal.round.title,
                    date=LazyString(format_date, proposal.round.bids_close_at, "dd MMMM y"),
                ),
                link=link_to("proposals.show", proposal_id=proposal.id),
            )
    return proposal
