"""Money in and awards: pledges, bank transfers claimed then confirmed, corrections, the table's limit
on money in, and `commit_awards` (which closing a vote calls). Each use case owns its transaction;
its ledger rows are written by `grants/money/postings.py`. Money out is `grants/money/payouts.py`."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants import audit
from grants.core import DomainError, NotAllowed, hold, lock_for_update, transaction
from grants.extensions import db
from grants.language.records import Money, Named, Words, typed
from grants.language.written import lazy_text
from grants.ledger import books
from grants.ledger.books import OverBudget
from grants.models import (
    N_,
    AccountKind,
    Award,
    Contribution,
    ContributionMethod,
    ContributionStatus,
    EntryGroup,
    Funder,
    MoneyInLimit,
    Person,
    Pledge,
    Proposal,
    Round,
    RoundStaff,
    RoundStatus,
    StaffRole,
)
from grants.models._base import utcnow
from grants.money import power
from grants.money.postings import group_people, post_award, post_contribution, post_correction
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import acts_for_funder, is_convenor, is_treasurer
from grants.site import link_to


def pledge(*, person: Person, funder_id: int, round_id: int, amount_pence: int) -> Pledge:
    """A funder promises an amount to a published round."""
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    with transaction() as session:
        if not acts_for_funder(person, funder_id):
            raise NotAllowed(_("You do not act for that funder."))
        # Held before the pledge is written (its reference to the funder would take a lighter lock
        # first, and two pledges upgrading theirs at once deadlock): power.offer_on_pledge.
        hold(Funder, funder_id)
        rnd = session.get(Round, round_id)
        if rnd is None or not rnd.is_published:
            raise DomainError(_("That table is not open for funding."))
        if rnd.status in (RoundStatus.CLOSED, RoundStatus.NO_DECISION):
            raise DomainError(_("That table has finished; it cannot take more money."))
        if amount_pence > money_in_ceiling(rnd):
            raise DomainError(_over_ceiling(amount_pence, rnd))
        item = Pledge(round_id=round_id, funder_id=funder_id, amount_pence=amount_pence, pledged_by_id=person.id)
        session.add(item)
        power.offer_on_pledge(person=person, funder_id=funder_id, round_id=round_id)
    return item


def record_bank_transfer(
    *, person: Person, pledge_id: int, amount_pence: int, received_on: date, reference: str
) -> Contribution:
    """A funder records a bank transfer it sent against a pledge. It is only claimed: it joins the
    pot when the table's treasurer finds it on the bank statement (`confirm_bank_transfer`)."""
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount of more than £0."))
    reference = reference.strip()
    if not reference:
        raise DomainError(_("Enter the bank reference, so anyone can match it to the statement."))
    if received_on > date.today():
        raise DomainError(_("The date it arrived cannot be in the future. Record the transfer once it has arrived."))
    with transaction() as session:
        item = power.pledge_to_pay_in(person, pledge_id)
        rnd = lock_for_update(Round, item.round_id)
        _check_money_in(rnd, item, amount_pence)
        contribution = Contribution(
            pledge_id=item.id,
            amount_pence=amount_pence,
            method=ContributionMethod.BANK_TRANSFER,
            reference=reference,
            received_on=received_on,
            recorded_by_id=person.id,
            status=ContributionStatus.CLAIMED,
            claim_key=_claim_key(item, reference),
        )
        try:
            with session.begin_nested():
                session.add(contribution)
        except IntegrityError:
            raise DuplicateReference(reference) from None
        notify(
            _money_people(item.round_id),
            "money_alert",
            _l("%(funder)s says it sent %(amount)s", funder=item.funder.name, amount=format_pence(amount_pence)),
            _l(
                "%(funder)s recorded a bank transfer of %(amount)s to %(title)s, reference %(reference)s, on "
                "%(date)s. Check the bank statement, then confirm it (or say it is not there). It is not in the pot "
                "until you do.",
                funder=item.funder.name,
                amount=format_pence(amount_pence),
                title=lazy_text(rnd, "title"),
                reference=reference,
                date=LazyString(format_date, received_on, "d MMMM y"),  # in the reader's language
            ),
            link=link_to("money.money_in", slug=rnd.slug),
        )
    return contribution


# ------------------------------------------------------------------ money in that is true


class DuplicateReference(DomainError):
    """The same funder already recorded a transfer with this reference to this table."""

    field = "reference"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"A transfer with the reference {reference} is already recorded for this table. "
            "If it was a second payment, use the reference on the bank statement for that payment."
        )


def _claim_key(item: Pledge, reference: str) -> str:
    """One bank reference per funder and table, whatever its case and spacing."""
    return f"{item.funder_id}:{item.round_id}:{' '.join(reference.upper().split())}"[:200]


def money_in_ceiling(rnd: Round) -> int:
    """The most one pledge or one transfer to this table may be."""
    found = db.session.execute(
        select(MoneyInLimit.amount_pence).where(MoneyInLimit.round_id == rnd.id)
    ).scalar_one_or_none()
    return found or int(current_app.config["MONEY_IN_CEILING_PENCE"])


def _over_ceiling(amount_pence: int, rnd: Round) -> str:
    return _(
        "%(amount)s is more than this table takes in one go (%(ceiling)s). Check the amount; if it is "
        "right, ask the table's convenors to raise the limit.",
        amount=format_pence(amount_pence),
        ceiling=format_pence(money_in_ceiling(rnd)),
    )


def _check_money_in(rnd: Round, item: Pledge, amount_pence: int) -> None:
    """Refuse a transfer beyond the table's ceiling or beyond what is left of the pledge."""
    if amount_pence > money_in_ceiling(rnd):
        raise DomainError(_over_ceiling(amount_pence, rnd))
    open_pence = sum(
        c.amount_pence
        for c in item.contributions
        if c.status in (ContributionStatus.CLAIMED, ContributionStatus.CONFIRMED)
    )
    left = item.amount_pence - open_pence
    if amount_pence > left:
        raise DomainError(
            _(
                "%(amount)s is more than is left of the pledge (%(left)s of %(pledged)s). "
                "Raise the pledge first, then record the transfer.",
                amount=format_pence(amount_pence),
                left=format_pence(max(left, 0)),
                pledged=format_pence(item.amount_pence),
            )
        )


def _money_people(round_id: int) -> list[int]:
    """The table's treasurers and convenors: they are told about money to check."""
    return list(
        db.session.execute(
            select(RoundStaff.person_id)
            .where(RoundStaff.round_id == round_id, RoundStaff.role.in_([StaffRole.TREASURER, StaffRole.CONVENOR]))
            .distinct()
        ).scalars()
    )


def _contribution_for_treasurer(person: Person, contribution_id: int) -> Contribution:
    item = lock_for_update(Contribution, contribution_id)
    if not is_treasurer(person, item.pledge.round_id):
        raise NotAllowed(_("Only the table's treasurer can check money in against the bank statement."))
    return item


def confirm_bank_transfer(*, person: Person, contribution_id: int) -> Contribution:
    """The table's treasurer found a claimed transfer on the bank statement: it joins the pot.

    Two people: whoever recorded the claim cannot also confirm it."""
    with transaction() as session:
        item = _contribution_for_treasurer(person, contribution_id)
        if item.status is not ContributionStatus.CLAIMED:
            raise DomainError(_("That transfer is not waiting to be checked."))
        if item.recorded_by_id == person.id:
            raise NotAllowed(_("You recorded this transfer, so someone else must check it against the statement."))
        lock_for_update(Round, item.pledge.round_id)
        funder = session.get(Funder, item.pledge.funder_id)
        group = post_contribution(
            item.pledge,
            item.amount_pence,
            where=AccountKind.BANK,
            description=Words(
                N_("%(funder)s paid %(amount)s into %(table)s"),
                funder=funder.name,
                amount=Money(item.amount_pence),
                table=Named.of(item.pledge.round),
            ),
            occurred_on=item.received_on,
            reference=item.reference,
            recorded_by_id=person.id,
        )
        item.entry_group_id = group.id
        item.status = ContributionStatus.CONFIRMED
        item.confirmed_by_id, item.confirmed_at = person.id, utcnow()
        audit.record(
            "money_in_confirmed",
            Words(
                N_("%(amount)s from %(funder)s (reference %(reference)s) was found on the bank statement and joined "
                   "the pot."),
                amount=Money(item.amount_pence),
                funder=funder.name,
                reference=item.reference,
            ),
            actor_id=person.id,
            round_id=item.pledge.round_id,
            public=True,
        )
    return item


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise DomainError(_("Write the reason (it is kept with the record, and shown on the ledger)."))
    return reason[:500]


def reject_bank_transfer(*, person: Person, contribution_id: int, reason: str) -> Contribution:
    """The treasurer could not find a claimed transfer on the statement: it never joins the pot."""
    reason = _reason(reason)
    with transaction():
        item = _contribution_for_treasurer(person, contribution_id)
        if item.status is not ContributionStatus.CLAIMED:
            raise DomainError(_("That transfer is not waiting to be checked."))
        item.status = ContributionStatus.REJECTED
        item.correction_reason = reason
        item.claim_key = None  # the funder may record the real transfer under its reference
        item.confirmed_by_id, item.confirmed_at = person.id, utcnow()
        notify(
            [p for p in [item.recorded_by_id] if p],
            "money_alert",
            _l("A transfer you recorded was not found on the bank statement"),
            _l(
                "%(amount)s, reference %(reference)s: the treasurer of %(title)s did not find it. Their note: "
                "%(reason)s",
                amount=format_pence(item.amount_pence),
                reference=item.reference,
                title=item.pledge.round.title,
                reason=reason,
            ),
            link=link_to("public.funder", slug=item.pledge.funder.slug),
        )
    return item


def reverse_contribution(*, person: Person, contribution_id: int, reason: str) -> Contribution:
    """Correct a confirmed bank transfer recorded by mistake: a reversing entry group with the
    reason, never an edit. Refused if the money is already awarded (the pot cannot go below 0)."""
    reason = _reason(reason)
    with transaction() as session:
        item = _contribution_for_treasurer(person, contribution_id)
        if item.status is not ContributionStatus.CONFIRMED or item.method is not ContributionMethod.BANK_TRANSFER:
            raise DomainError(_("Only a confirmed bank transfer can be corrected here."))
        rnd = lock_for_update(Round, item.pledge.round_id)
        available = books.round_summary(rnd.id).available_pence
        if item.amount_pence > available:
            raise OverBudget(
                f"The pot holds {format_pence(available)}, less than this transfer ({format_pence(item.amount_pence)}):"
                " the rest is already awarded, so it cannot be taken back."
            )
        original = session.get(EntryGroup, item.entry_group_id)
        group = post_correction(
            original,
            Words(
                N_("Correction: %(amount)s from %(funder)s taken back out of %(table)s. Reason: %(reason)s"),
                amount=Money(item.amount_pence),
                funder=item.pledge.funder.name,
                table=Named.of(rnd),
                reason=typed(reason),
            ),
            occurred_on=date.today(),
            reference=item.reference,
            round_id=rnd.id,
            funder_id=item.pledge.funder_id,
            recorded_by_id=person.id,
        )
        item.status = ContributionStatus.REVERSED
        item.correction_reason = reason
        item.reversal_group_id = group.id
        audit.record(
            "money_in_reversed",
            Words(
                N_("%(amount)s from %(funder)s (reference %(reference)s) was reversed. Reason: %(reason)s"),
                amount=Money(item.amount_pence),
                funder=item.pledge.funder.name,
                reference=item.reference,
                reason=typed(reason),
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return item


def raise_pledge(*, person: Person, pledge_id: int, amount_pence: int) -> Pledge:
    """A funder raises its pledge (within the table's ceiling), so a larger transfer can be recorded."""
    with transaction():
        item = lock_for_update(Pledge, pledge_id)
        if not acts_for_funder(person, item.funder_id):
            raise NotAllowed(_("You do not act for the funder of that pledge."))
        if amount_pence <= item.amount_pence:
            raise DomainError(
                _("Enter more than the pledge is now (%(amount)s).", amount=format_pence(item.amount_pence))
            )
        if amount_pence > money_in_ceiling(item.round):
            raise DomainError(_over_ceiling(amount_pence, item.round))
        audit.record(
            "pledge_raised",
            Words(
                N_("%(funder)s raised its pledge to %(table)s from %(old)s to %(new)s."),
                funder=item.funder.name,
                table=Named.of(item.round),
                old=Money(item.amount_pence),
                new=Money(amount_pence),
            ),
            actor_id=person.id,
            round_id=item.round_id,
            public=True,
        )
        item.amount_pence = amount_pence
    return item


def set_money_in_ceiling(*, person: Person, round_id: int, amount_pence: int) -> Round:
    """The table's convenors set the most one pledge or one transfer in may be."""
    if amount_pence <= 0 or amount_pence > MAX_CEILING_PENCE:
        raise DomainError(
            _("Enter an amount of more than £0 and at most %(amount)s.", amount=format_pence(MAX_CEILING_PENCE))
        )
    with transaction() as session:
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only the table's convenors can set this."))
        rnd = lock_for_update(Round, round_id)
        limit = session.execute(select(MoneyInLimit).where(MoneyInLimit.round_id == round_id)).scalar_one_or_none()
        if limit is None:
            limit = MoneyInLimit(round_id=round_id, amount_pence=amount_pence, set_by_id=person.id)
            session.add(limit)
        limit.amount_pence, limit.set_by_id, limit.set_at = amount_pence, person.id, utcnow()
        audit.record(
            "money_in_ceiling_set",
            Words(
                N_("The most one pledge or transfer to %(table)s may be is now %(amount)s."),
                table=Named.of(rnd),
                amount=Money(amount_pence),
            ),
            actor_id=person.id,
            round_id=round_id,
            public=True,
        )
    return rnd


# What fits the database's whole-number column on every backend, with room to spare.
MAX_CEILING_PENCE = 2_000_000_000


def money_in_for_round(round_id: int) -> list[Contribution]:
    """A table's bank transfers in, newest first: claimed ones first for the treasurer to check."""
    rows = db.session.execute(
        select(Contribution)
        .join(Pledge, Pledge.id == Contribution.pledge_id)
        .where(Pledge.round_id == round_id, Contribution.method == ContributionMethod.BANK_TRANSFER)
        .order_by(Contribution.received_on.desc(), Contribution.id.desc())
    ).scalars()
    return sorted(rows, key=lambda c: c.status is not ContributionStatus.CLAIMED)


def commit_awards(rnd: Round, funded: list[Proposal], awarded_on: date) -> list[Award]:
    """Turn funded proposals into awards, inside the caller's transaction.

    Each award moves its amount from the round's available pot to committed; if the
    pot cannot cover it the whole decision is refused, so nothing half-done is written.
    """
    available = books.round_summary(rnd.id).available_pence
    report_due_on = awarded_on + timedelta(days=int(current_app.config["REPORT_DUE_AFTER_DAYS"]))
    awards = []
    for proposal in funded:
        amount = proposal.requested_pence
        if amount > available:
            raise OverBudget(
                f"The pot holds {format_pence(available)}, not enough for {proposal.title} ({format_pence(amount)})."
            )
        available -= amount
        award = Award(
            reference=f"OT-{rnd.id}-{proposal.id}",
            round_id=rnd.id,
            proposal_id=proposal.id,
            group_id=proposal.group_id,
            amount_pence=amount,
            awarded_on=awarded_on,
            report_due_on=report_due_on,
        )
        db.session.add(award)
        db.session.flush()
        post_award(award, proposal)
        notify(
            group_people(award.group_id),
            "award_made",
            _l("%(group)s was awarded %(amount)s", group=proposal.group.name, amount=format_pence(amount)),
            _l(
                "The panel for %(title)s decided to fund “%(proposal)s”: %(amount)s, award %(reference)s. The "
                "table's treasurer will be in touch about payment.",
                title=lazy_text(rnd, "title"),
                proposal=lazy_text(proposal, "title"),
                amount=format_pence(amount),
                reference=award.reference,
            ),
            link=link_to("public.group", slug=proposal.group.slug),
        )
        awards.append(award)
    return awards
