"""One writer for each kind of business event on the ledger (issue 13, "Money has one path").

Use cases (`services`, `payouts`, `stripe_in`) check who may act and how much; the functions here
write the entry group and what must change with it (a tranche paid or come back, the table's
step in its life cycle, the group told), inside the caller's transaction. So a payment recorded
by hand and one sent through Stripe cannot drift apart. Panel pay writes its own kinds
(`grants/panel_pay/services.py`).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.core import lock_for_update
from grants.extensions import db
from grants.language.records import Money, Named, Words, typed
from grants.ledger import books
from grants.models import (
    N_,
    AccountKind,
    Award,
    EntryGroup,
    EntryKind,
    GroupMembership,
    PayoutMethod,
    Pledge,
    Proposal,
    Round,
    RoundStatus,
    Tranche,
    TrancheStatus,
)
from grants.money_format import format_pence
from grants.notifications import notify
from grants.site import link_to


def group_people(group_id: int) -> list[int]:
    """Everyone in a group: they hear about its award and its payments."""
    return list(
        db.session.execute(select(GroupMembership.person_id).where(GroupMembership.group_id == group_id)).scalars()
    )


# ------------------------------------------------------------------------ money in


def post_contribution(
    item: Pledge,
    amount_pence: int,
    *,
    where: AccountKind,
    description: str | Words,
    occurred_on: date,
    reference: str,
    reverses_id: int | None = None,
    recorded_by_id: int | None = None,
) -> EntryGroup:
    """Money from a funder joins the table's pot, arriving at the bank or the Stripe balance."""
    return books.post(
        EntryKind.CONTRIBUTION,
        description,
        [
            (
                books.account(AccountKind.FUNDER_GIVING, funder_id=item.funder_id, round_id=item.round_id),
                -amount_pence,
            ),
            (books.account(AccountKind.ROUND_AVAILABLE, round_id=item.round_id), amount_pence),
            *books.cash(where, amount_pence),
        ],
        occurred_on=occurred_on,
        reference=reference,
        round_id=item.round_id,
        funder_id=item.funder_id,
        reverses_id=reverses_id,
        recorded_by_id=recorded_by_id,
    )


def post_withdrawal(
    item: Pledge,
    amount_pence: int,
    *,
    kind: EntryKind,
    description: str | Words,
    reference: str,
    reverses_id: int | None,
) -> EntryGroup:
    """Money goes back out of the pot to the funder through Stripe (a refund, or a disputed payment)."""
    return books.post(
        kind,
        description,
        [
            (books.account(AccountKind.ROUND_AVAILABLE, round_id=item.round_id), -amount_pence),
            (
                books.account(AccountKind.FUNDER_GIVING, funder_id=item.funder_id, round_id=item.round_id),
                amount_pence,
            ),
            *books.cash(AccountKind.STRIPE_BALANCE, -amount_pence),
        ],
        occurred_on=date.today(),
        reference=reference,
        round_id=item.round_id,
        funder_id=item.funder_id,
        reverses_id=reverses_id,
    )


def post_correction(
    original: EntryGroup,
    description: str | Words,
    *,
    occurred_on: date,
    reference: str | None,
    round_id: int,
    funder_id: int | None,
    recorded_by_id: int,
) -> EntryGroup:
    """The mirror of an entry group recorded by mistake: never an edit, a reversing group."""
    return books.post(
        EntryKind.REVERSAL,
        description,
        [(entry.account, -entry.amount_pence) for entry in original.entries],
        occurred_on=occurred_on,
        reference=reference,
        round_id=round_id,
        funder_id=funder_id,
        reverses_id=original.id,
        recorded_by_id=recorded_by_id,
    )


def post_fee(item: Pledge, fee_pence: int, *, borne_by_platform: bool, reference: str, occurred_on: date) -> None:
    """Stripe's fee on a payment in: from the pot, or from the platform's own funds."""
    if borne_by_platform:
        lines = [
            (books.account(AccountKind.PLATFORM_FUNDS), -fee_pence),
            (books.account(AccountKind.PLATFORM_FEES), fee_pence),
        ]
        text = Words(
            N_("Stripe's fee of %(amount)s on a payment into %(table)s, paid by Our Tables"),
            amount=Money(fee_pence),
            table=Named.of(item.round),
        )
    else:
        lines = [
            (books.account(AccountKind.ROUND_AVAILABLE, round_id=item.round_id), -fee_pence),
            (books.account(AccountKind.ROUND_FEES, round_id=item.round_id), fee_pence),
        ]
        text = Words(
            N_("Stripe's fee of %(amount)s on a payment into %(table)s, paid from the pot"),
            amount=Money(fee_pence),
            table=Named.of(item.round),
        )
    # Either way, Stripe keeps the fee out of the platform's Stripe balance.
    lines += books.cash(AccountKind.STRIPE_BALANCE, -fee_pence)
    books.post(EntryKind.FEE, text, lines, occurred_on=occurred_on, reference=reference, round_id=item.round_id)


def post_payout(amount_pence: int, *, reference: str) -> EntryGroup:
    """Stripe moved money from the platform's Stripe balance to its bank account."""
    return books.post(
        EntryKind.PAYOUT,
        Words(N_("Stripe paid %(amount)s out to the platform's bank account"), amount=Money(amount_pence)),
        [
            (books.account(AccountKind.STRIPE_BALANCE), -amount_pence),
            (books.account(AccountKind.BANK), amount_pence),
        ],
        occurred_on=date.today(),
        reference=reference,
    )


# ------------------------------------------------------------------------ awards


def post_award(award: Award, proposal: Proposal) -> EntryGroup:
    """An award moves its amount from the table's available pot to committed to the group."""
    return books.post(
        EntryKind.AWARD,
        Words(
            N_("%(amount)s awarded to %(group)s for %(bid)s"),
            amount=Money(award.amount_pence),
            group=proposal.group.name,
            bid=Named.of(proposal),
        ),
        [
            (books.account(AccountKind.ROUND_AVAILABLE, round_id=award.round_id), -award.amount_pence),
            (
                books.account(
                    AccountKind.AWARD_COMMITTED, round_id=award.round_id, award_id=award.id, group_id=award.group_id
                ),
                award.amount_pence,
            ),
        ],
        occurred_on=award.awarded_on,
        reference=award.reference,
        round_id=award.round_id,
        group_id=award.group_id,
        award_id=award.id,
    )


# ------------------------------------------------------------------------ money out


def _cash_account(tranche: Tranche) -> AccountKind:
    return AccountKind.STRIPE_BALANCE if tranche.method is PayoutMethod.STRIPE else AccountKind.BANK


def post_payment(tranche: Tranche, *, transfer_id: str | None, reference: str, paid_on: date) -> EntryGroup:
    """A tranche was paid (sent through Stripe, or by bank transfer): the one writer of a payment.

    The tranche becomes paid and the group is told. The table moves along its life cycle
    (counted → awarding → paying → reporting): to paying with its first payment, and from paying
    to reporting once nothing is left committed; a table in any other step stays where it is.
    """
    award = tranche.award
    rnd = lock_for_update(Round, award.round_id)
    group = books.post(
        EntryKind.PAYMENT,
        Words(
            N_("Paid %(amount)s to %(payee)s (award %(award)s, part %(part)s)"),
            amount=Money(tranche.amount_pence),
            payee=tranche.payee_name or award.group.name,
            award=award.reference,
            part=tranche.number,
        ),
        books.award_payment_lines(award, tranche.amount_pence, _cash_account(tranche)),
        occurred_on=paid_on,
        reference=reference,
        round_id=award.round_id,
        group_id=award.group_id,
        award_id=award.id,
        recorded_by_id=tranche.released_by_id,
    )
    tranche.entry_group_id = group.id
    tranche.status = TrancheStatus.PAID
    tranche.stripe_transfer_id = transfer_id
    tranche.bank_reference = reference
    tranche.paid_on = paid_on
    tranche.failure_reason = None
    notify(
        group_people(award.group_id),
        "payment_sent",
        _l("A payment of %(amount)s was sent", amount=format_pence(tranche.amount_pence)),
        _l(
            "%(amount)s was paid to %(payee)s for award %(award)s, reference %(reference)s.",
            amount=format_pence(tranche.amount_pence),
            payee=tranche.payee_name or award.group.name,
            award=award.reference,
            reference=reference,
        ),
        link=link_to("public.group", slug=award.group.slug),
    )
    if rnd.status in (RoundStatus.COUNTED, RoundStatus.AWARDING):
        rnd.status = RoundStatus.PAYING
    db.session.flush()
    if rnd.status is RoundStatus.PAYING and books.round_summary(rnd.id).committed_pence == 0:
        rnd.status = RoundStatus.REPORTING
    return group


def post_payment_returned(
    tranche: Tranche, amount_pence: int, *, occurred_on: date, reason: str = "", recorded_by_id: int | None = None
) -> EntryGroup:
    """(Part of) a paid tranche came back (Stripe reversed the transfer, or the bank returned it):
    the money is committed to the award again, and the tranche shows it."""
    award = tranche.award
    lock_for_update(Round, award.round_id)
    group = books.post(
        EntryKind.REVERSAL,
        Words(
            N_("%(amount)s came back from %(payee)s (award %(award)s, part %(part)s). Reason: %(reason)s")
            if reason
            else N_("%(amount)s came back from %(payee)s (award %(award)s, part %(part)s)"),
            amount=Money(amount_pence),
            payee=tranche.payee_name or award.group.name,
            award=award.reference,
            part=tranche.number,
            **({"reason": typed(reason)} if reason else {}),
        ),
        books.award_payment_lines(award, -amount_pence, _cash_account(tranche)),
        occurred_on=occurred_on,
        reference=tranche.stripe_transfer_id or tranche.bank_reference,
        round_id=award.round_id,
        group_id=award.group_id,
        award_id=award.id,
        reverses_id=tranche.entry_group_id,
        recorded_by_id=recorded_by_id,
    )
    tranche.reversed_pence += amount_pence
    tranche.status = TrancheStatus.REVERSED
    return group
