"""Money use cases. Each owns its transaction and goes through the ledger."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from grants import audit
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.models import (
    AccountKind,
    Award,
    Contribution,
    ContributionMethod,
    EntryKind,
    Funder,
    Person,
    Pledge,
    Proposal,
    Round,
    RoundStatus,
    Tranche,
    TrancheStatus,
)
from grants.money import ledger
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import acts_for_funder, may_release_money


def _group_people(group_id: int) -> list[int]:
    from grants.models import GroupMembership

    return list(
        db.session.execute(select(GroupMembership.person_id).where(GroupMembership.group_id == group_id)).scalars()
    )


class OverBudget(DomainError):
    """More than the pot holds."""


def pledge(*, person: Person, funder_id: int, round_id: int, amount_pence: int) -> Pledge:
    """A funder promises an amount to a published round."""
    if amount_pence <= 0:
        raise DomainError("Enter an amount of more than £0.")
    with transaction() as session:
        if not acts_for_funder(person, funder_id):
            raise NotAllowed("You do not act for that funder.")
        rnd = session.get(Round, round_id)
        if rnd is None or not rnd.is_published:
            raise DomainError("That table is not open for funding.")
        if rnd.status in (RoundStatus.CLOSED, RoundStatus.NO_DECISION):
            raise DomainError("That table has finished; it cannot take more money.")
        item = Pledge(round_id=round_id, funder_id=funder_id, amount_pence=amount_pence, pledged_by_id=person.id)
        session.add(item)
        from grants.money.power import offer_on_pledge

        offer_on_pledge(person=person, funder_id=funder_id, round_id=round_id)
    return item


def record_bank_transfer(
    *, person: Person, pledge_id: int, amount_pence: int, received_on: date, reference: str
) -> Contribution:
    """Record money received by bank transfer against a pledge. It joins the round's pot."""
    if amount_pence <= 0:
        raise DomainError("Enter an amount of more than £0.")
    if not reference.strip():
        raise DomainError("Enter the bank reference, so anyone can match it to the statement.")
    with transaction() as session:
        item = session.get(Pledge, pledge_id)
        if item is None or not acts_for_funder(person, item.funder_id):
            raise NotAllowed("You do not act for the funder of that pledge.")
        from grants.money.power import require_accepted

        require_accepted(funder_id=item.funder_id, round_id=item.round_id)
        lock_for_update(Round, item.round_id)
        funder = session.get(Funder, item.funder_id)
        group = ledger.post(
            EntryKind.CONTRIBUTION,
            f"{funder.name} paid {format_pence(amount_pence)} into {item.round.title}",
            [
                (
                    ledger.account(AccountKind.FUNDER_GIVING, funder_id=item.funder_id, round_id=item.round_id),
                    -amount_pence,
                ),
                (ledger.account(AccountKind.ROUND_AVAILABLE, round_id=item.round_id), amount_pence),
                *ledger.cash(AccountKind.BANK, amount_pence),
            ],
            occurred_on=received_on,
            reference=reference.strip(),
            round_id=item.round_id,
            funder_id=item.funder_id,
            recorded_by_id=person.id,
        )
        contribution = Contribution(
            pledge_id=item.id,
            amount_pence=amount_pence,
            method=ContributionMethod.BANK_TRANSFER,
            reference=reference.strip(),
            received_on=received_on,
            recorded_by_id=person.id,
            entry_group_id=group.id,
        )
        session.add(contribution)
    return contribution


def commit_awards(rnd: Round, funded: list[Proposal], awarded_on: date) -> list[Award]:
    """Turn funded proposals into awards, inside the caller's transaction.

    Each award moves its amount from the round's available pot to committed; if the
    pot cannot cover it the whole decision is refused, so nothing half-done is written.
    """
    available = ledger.round_summary(rnd.id).available_pence
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
        ledger.post(
            EntryKind.AWARD,
            f"{format_pence(amount)} awarded to {proposal.group.name} for {proposal.title}",
            [
                (ledger.account(AccountKind.ROUND_AVAILABLE, round_id=rnd.id), -amount),
                (
                    ledger.account(
                        AccountKind.AWARD_COMMITTED, round_id=rnd.id, award_id=award.id, group_id=award.group_id
                    ),
                    amount,
                ),
            ],
            occurred_on=awarded_on,
            reference=award.reference,
            round_id=rnd.id,
            group_id=award.group_id,
            award_id=award.id,
        )
        notify(
            _group_people(award.group_id),
            "award_made",
            f"{proposal.group.name} was awarded {format_pence(amount)}",
            f"The panel for {rnd.title} decided to fund “{proposal.title}”: {format_pence(amount)}, award "
            f"{award.reference}. The table's treasurer will be in touch about payment.",
            link=f"/groups/{proposal.group.slug}",
        )
        awards.append(award)
    return awards


def record_payment(*, person: Person, award_id: int, amount_pence: int, paid_on: date, bank_reference: str) -> Tranche:
    """Record a payment (a tranche) to a group by bank transfer.

    Only a funder of the round or its treasurer may release money, and never someone
    who took part in the decision. Nothing is paid beyond what is committed to the award.
    """
    if amount_pence <= 0:
        raise DomainError("Enter an amount of more than £0.")
    if not bank_reference.strip():
        raise DomainError("Enter the bank reference of the transfer.")
    with transaction() as session:
        award = session.get(Award, award_id)
        if award is None:
            raise DomainError("That award does not exist.")
        if not may_release_money(person, award.round_id):
            raise NotAllowed(
                "Only a funder of this table or its treasurer can release money, and not "
                "someone who took part in the decision."
            )
        rnd = lock_for_update(Round, award.round_id)
        from grants.money import power
        from grants.money.payouts import in_flight_pence

        power.refuse_over_second_person(award.round_id, amount_pence)
        acting_for = power.release_power(person, award.round_id, amount_pence)

        # Tranches already scheduled or on their way are reserved against the award.
        committed = ledger.award_committed(award) - in_flight_pence(award.id)
        if amount_pence > committed:
            raise OverBudget(
                f"Only {format_pence(committed)} of this award is still to be paid; "
                f"{format_pence(amount_pence)} is more than that."
            )
        number = 1 + len(session.execute(select(Tranche.id).where(Tranche.award_id == award.id)).all())
        from grants.money.payouts import payee_for

        payee_name = payee_for(award.group_id).payee_name
        tranche = Tranche(
            award_id=award.id,
            number=number,
            amount_pence=amount_pence,
            status=TrancheStatus.PAID,
            idempotency_key=f"grant-{award.reference}-tranche-{number}",
            bank_reference=bank_reference.strip(),
            paid_on=paid_on,
            released_by_id=person.id,
            payee_name=payee_name,
            acting_for_funder_id=acting_for,
        )
        session.add(tranche)
        group = ledger.post(
            EntryKind.PAYMENT,
            f"Paid {format_pence(amount_pence)} to {award.group.name} (award {award.reference}, part {number})",
            ledger.award_payment_lines(award, amount_pence, AccountKind.BANK),
            occurred_on=paid_on,
            reference=tranche.bank_reference,
            round_id=award.round_id,
            group_id=award.group_id,
            award_id=award.id,
            recorded_by_id=person.id,
        )
        tranche.entry_group_id = group.id
        audit.record(
            "money_released",
            f"{format_pence(amount_pence)} paid to {award.group.name} (award {award.reference}).",
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "bank_reference": tranche.bank_reference},
        )
        notify(
            _group_people(award.group_id),
            "payment_sent",
            f"A payment of {format_pence(amount_pence)} was sent",
            f"{format_pence(amount_pence)} was paid to {award.group.name} for award {award.reference}, "
            f"bank reference {tranche.bank_reference}.",
            link=f"/groups/{award.group.slug}",
        )
        if rnd.status in (RoundStatus.COUNTED, RoundStatus.AWARDING):
            rnd.status = RoundStatus.PAYING
        session.flush()
        if ledger.round_summary(rnd.id).committed_pence == 0:
            rnd.status = RoundStatus.REPORTING
    return tranche
