"""Who may act on a table's money, and how (issue 14, "separation of duties").

- A funder takes part in a table only once the table's convenors accept it: they invite it,
  or it offers a pledge and they accept the offer. Until then its pledge is an offer: it is
  not public, no money can be paid in against it, and its people have no power over the pot.
- A funder's people act only on the tables that accepted it, and only within what that
  funder has put in. The table's treasurer acts on the whole pot.
- A hold is lifted only by the funder that placed it (or, if that funder has gone, by the
  convenors with a published reason); the funder is told.
- Above the amount the convenors set, a release waits for a second person: the table's
  treasurer or a person of another accepted funder, never the first person.
- Full bank details only for the table's treasurer (and the group's own leads, on the
  group's page); each full view is in the audit log.

These are separate functions so the rest of `grants/money/` only calls them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants import audit
from grants.core import DomainError, NotAllowed, hold, lock_for_update, transaction
from grants.extensions import db
from grants.jobs import enqueue_job
from grants.language.records import Money, Words
from grants.language.written import lazy_text
from grants.ledger import books
from grants.ledger.books import OverBudget
from grants.models import (
    N_,
    Award,
    Funder,
    FunderMembership,
    Payee,
    PayoutMethod,
    Person,
    Pledge,
    Round,
    RoundStaff,
    StaffRole,
    TableFunder,
    TableFunderStatus,
    TableMoneyRules,
    Tranche,
    TrancheStatus,
)
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import (
    accepted_funder_ids,
    accepted_funders_of,
    acts_for_funder,
    is_convenor,
    is_treasurer,
    may_release_money,
    took_part_in_decision,
)
from grants.site import link_to

# ------------------------------------------------------------------ funders on a table


def table_funder(round_id: int, funder_id: int) -> TableFunder | None:
    """The funder's place on the table, if it has one."""
    return db.session.execute(
        select(TableFunder).where(TableFunder.round_id == round_id, TableFunder.funder_id == funder_id)
    ).scalar_one_or_none()


def is_accepted(round_id: int, funder_id: int) -> bool:
    """The table's convenors accepted this funder."""
    found = table_funder(round_id, funder_id)
    return found is not None and found.status is TableFunderStatus.ACCEPTED


def _convenor_ids(round_id: int) -> list[int]:
    return list(
        db.session.execute(
            select(RoundStaff.person_id).where(RoundStaff.round_id == round_id, RoundStaff.role == StaffRole.CONVENOR)
        ).scalars()
    )


def _funder_people(funder_id: int) -> list[int]:
    return list(
        db.session.execute(select(FunderMembership.person_id).where(FunderMembership.funder_id == funder_id)).scalars()
    )


def offer_on_pledge(*, person: Person, funder_id: int, round_id: int) -> TableFunder:
    """Inside the pledge's transaction: an invited funder that pledges is accepted; any other
    funder's pledge is an offer the convenors are told about.

    The pledge holds the funder's row from its start (`money.services.pledge`), as `invite_funder`
    does: a pledge and an invitation (or two pledges) at the same moment meet in turn, never both
    making the funder's place."""
    place = table_funder(round_id, funder_id)
    rnd = db.session.get(Round, round_id)
    funder = db.session.get(Funder, funder_id)
    if place is not None and place.status is TableFunderStatus.ACCEPTED:
        return place
    if place is not None and place.status is TableFunderStatus.INVITED:
        place.status = TableFunderStatus.ACCEPTED
        place.decided_at = datetime.now(UTC)
        audit.record(
            "funder_accepted",
            Words(N_("%(funder)s accepted the convenors' invitation and funds this table."), funder=funder.name),
            actor_id=person.id,
            round_id=round_id,
            public=True,
            details={"funder_id": funder_id},
        )
        return place
    if place is None:
        place = TableFunder(round_id=round_id, funder_id=funder_id, status=TableFunderStatus.OFFERED)
        db.session.add(place)
    else:  # declined before: a new pledge is a new offer
        place.status = TableFunderStatus.OFFERED
        place.decided_by_id = place.decided_at = None
    place.asked_by_id = person.id
    place.asked_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        "funder_offered",
        f"{funder.name} offered to fund {rnd.title}; the convenors decide.",
        actor_id=person.id,
        round_id=round_id,
        details={"funder_id": funder_id},
    )
    notify(
        _convenor_ids(round_id),
        "funding_offer",
        _l("%(funder)s offered to fund %(title)s", funder=funder.name, title=lazy_text(rnd, "title")),
        _l(
            "%(funder)s pledged to %(title)s. Its pledge is an offer until you accept it: until then "
            "it is not shown in public and its people cannot act on the table's money.",
            funder=funder.name,
            title=lazy_text(rnd, "title"),
        ),
        link=link_to("money.table_funders", slug=rnd.slug),
    )
    return place


def invite_funder(*, person: Person, round_id: int, funder_id: int) -> TableFunder:
    """The convenors invite a funder to the table (accepted when it pledges)."""
    with transaction():
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can invite funders."))
        funder = db.session.get(Funder, funder_id)
        if funder is None:
            raise DomainError(_("Choose a funder to invite."))
        hold(Funder, funder_id)  # a pledge at the same moment meets this in turn (offer_on_pledge)
        rnd = db.session.get(Round, round_id)
        place = table_funder(round_id, funder_id)
        if place is not None and place.status is TableFunderStatus.ACCEPTED:
            raise DomainError(_("%(funder)s already funds this table.", funder=funder.name))
        if place is not None and place.status is TableFunderStatus.OFFERED:
            return _decide(person, place, TableFunderStatus.ACCEPTED)
        if place is None:
            place = TableFunder(round_id=round_id, funder_id=funder_id, status=TableFunderStatus.INVITED)
            db.session.add(place)
        place.status = TableFunderStatus.INVITED
        place.asked_by_id = person.id
        place.asked_at = datetime.now(UTC)
        db.session.flush()
        audit.record(
            "funder_invited",
            Words(N_("The convenors invited %(funder)s to fund this table."), funder=funder.name),
            actor_id=person.id,
            round_id=round_id,
            public=True,
            details={"funder_id": funder_id},
        )
        notify(
            _funder_people(funder_id),
            "funding_offer",
            _l("An invitation to fund %(title)s", title=lazy_text(rnd, "title")),
            _l(
                "The convenors of %(title)s invited %(funder)s to fund it. Pledge to the table to accept.",
                title=lazy_text(rnd, "title"),
                funder=funder.name,
            ),
            link=link_to("money.pledge", slug=funder.slug),
        )
    return place


def decide_offer(*, person: Person, table_funder_id: int, accept: bool) -> TableFunder:
    """The convenors accept or decline a funder's offer."""
    with transaction():
        place = lock_for_update(TableFunder, table_funder_id)
        if place is None or not is_convenor(person, place.round_id):
            raise NotAllowed(_("Only a convenor of this table can accept or decline a funder."))
        if place.status is not TableFunderStatus.OFFERED:
            raise DomainError(_("That funder's offer has already been decided."))
        return _decide(person, place, TableFunderStatus.ACCEPTED if accept else TableFunderStatus.DECLINED)


def _decide(person: Person, place: TableFunder, status: TableFunderStatus) -> TableFunder:
    place.status = status
    place.decided_by_id = person.id
    place.decided_at = datetime.now(UTC)
    funder, rnd = place.funder, place.round
    accepted = status is TableFunderStatus.ACCEPTED
    audit.record(
        "funder_accepted" if accepted else "funder_declined",
        f"The convenors {'accepted' if accepted else 'declined'} {funder.name}'s offer to fund this table.",
        actor_id=person.id,
        round_id=place.round_id,
        public=accepted,  # a declined offer was never public, so neither is its refusal
        details={"funder_id": place.funder_id},
    )
    notify(
        _funder_people(place.funder_id),
        "funding_offer",
        (
            _l("Your offer to fund %(title)s was accepted", title=lazy_text(rnd, "title"))
            if accepted
            else _l("Your offer to fund %(title)s was declined", title=lazy_text(rnd, "title"))
        ),
        (
            _l(
                "The convenors of %(title)s accepted %(funder)s. You can now pay in what you pledged.",
                title=lazy_text(rnd, "title"),
                funder=funder.name,
            )
            if accepted
            else _l(
                "The convenors of %(title)s declined %(funder)s's offer. Nothing was paid in.",
                title=lazy_text(rnd, "title"),
                funder=funder.name,
            )
        ),
        link=link_to("funders.show", slug=funder.slug),
    )
    return place


def require_accepted(*, funder_id: int, round_id: int) -> None:
    """Money is paid in only by a funder the table accepted (an offer moves no money)."""
    if not is_accepted(round_id, funder_id):
        funder = db.session.get(Funder, funder_id)
        raise NotAllowed(
            f"The table's convenors have not accepted {funder.name} yet, so its pledge is an offer. "
            "Pay in once they accept it."
        )


def pledge_to_pay_in(person: Person, pledge_id: int) -> Pledge:
    """Inside a payment in: the pledge, if this person acts for its funder and the table accepted that funder."""
    item = db.session.get(Pledge, pledge_id)
    if item is None or not acts_for_funder(person, item.funder_id):
        raise NotAllowed(_("You do not act for the funder of that pledge."))
    require_accepted(funder_id=item.funder_id, round_id=item.round_id)
    return item


# ------------------------------------------------------------------ the table's rules


def second_person_above(round_id: int) -> int | None:
    """The amount above which a release of this table needs a second person (None: never)."""
    rules = db.session.get(TableMoneyRules, round_id)
    return rules.second_person_above_pence if rules else None


def set_second_person_above(*, person: Person, round_id: int, amount_pence: int | None) -> TableMoneyRules:
    """The convenors set the amount above which a release needs a second person."""
    if amount_pence is not None and amount_pence < 0:
        raise DomainError(_("Enter an amount of £0 or more (£0: every release needs a second person)."))
    with transaction():
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can set its money rules."))
        rules = db.session.get(TableMoneyRules, round_id)
        if rules is None:
            rules = TableMoneyRules(round_id=round_id)
            db.session.add(rules)
        rules.second_person_above_pence = amount_pence
        rules.changed_by_id = person.id
        rules.changed_at = datetime.now(UTC)
        audit.record(
            "money_rules_changed",
            (
                Words(
                    N_("A release of more than %(amount)s now needs a second person to approve it."),
                    amount=Money(amount_pence),
                )
                if amount_pence is not None
                else Words(N_("No release of this table needs a second person any more."))
            ),
            actor_id=person.id,
            round_id=round_id,
            public=True,
            details={"second_person_above_pence": amount_pence},
        )
    return rules


# ------------------------------------------------------------------ releasing money


def funder_released_pence(funder_id: int, round_id: int) -> int:
    """What a funder's people have released on a table (failed and reversed money is back)."""
    return int(
        db.session.execute(
            select(func.coalesce(func.sum(Tranche.amount_pence - Tranche.reversed_pence), 0))
            .join(Award, Award.id == Tranche.award_id)
            .where(
                Award.round_id == round_id,
                Tranche.acting_for_funder_id == funder_id,
                Tranche.status != TrancheStatus.FAILED,
            )
        ).scalar_one()
    )


def funder_headroom_pence(funder_id: int, round_id: int) -> int:
    """What a funder's people can still release on a table: what it put in less what they released."""
    put_in = books.funder_summary(funder_id).get(round_id, 0)
    return put_in - funder_released_pence(funder_id, round_id)


def release_power(person: Person, round_id: int, amount_pence: int) -> int | None:
    """Inside a release: check the person may move this much of this table's money.

    Returns the funder the person acts for (None for the treasurer, who acts on the whole pot).
    """
    if not may_release_money(person, round_id):
        raise NotAllowed(
            "Only a funder the table's convenors accepted, or the table's treasurer, can release money, "
            "and not someone who took part in the decision."
        )
    if is_treasurer(person, round_id):
        return None
    funders = accepted_funder_ids(person, round_id)
    room = {fid: funder_headroom_pence(fid, round_id) for fid in funders}
    best = max(funders, key=lambda fid: (room[fid], -fid))
    if amount_pence > room[best]:
        funder = db.session.get(Funder, best)
        raise OverBudget(
            f"{funder.name} can release up to what it has put into this table: "
            f"{format_pence(max(room[best], 0))} is left, and {format_pence(amount_pence)} is more than that."
        )
    return best


def mark_release(tranche: Tranche, *, funder_id: int | None) -> None:
    """Inside a release, once the tranche exists: note whose money it is and whether it waits for
    a second person (then it is not sent until approved)."""
    tranche.acting_for_funder_id = funder_id
    above = second_person_above(tranche.award.round_id)
    tranche.needs_second_person = above is not None and tranche.amount_pence > above
    if tranche.needs_second_person:
        audit.record(
            "release_needs_second_person",
            Words(
                N_("The release of %(amount)s to %(payee)s is more than %(above)s, so it waits for a second person "
                   "to approve it."),
                amount=Money(tranche.amount_pence),
                payee=tranche.payee_name,
                above=Money(above),
            ),
            actor_id=tranche.released_by_id,
            round_id=tranche.award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key},
        )
        notify(
            [pid for pid in second_people(tranche) if pid != tranche.released_by_id],
            "money_alert",
            _l("A payment needs a second person"),
            _l(
                "%(amount)s to %(payee)s (award %(reference)s) was released and waits for a second person to "
                "approve it.",
                amount=format_pence(tranche.amount_pence),
                payee=tranche.payee_name,
                reference=tranche.award.reference,
            ),
            link=link_to("money.round_payments", slug=tranche.award.round.slug),
        )


def refuse_over_second_person(round_id: int, amount_pence: int) -> None:
    """A payment recorded in one step cannot go above the table's amount: it needs a second person."""
    above = second_person_above(round_id)
    if above is not None and amount_pence > above:
        raise DomainError(
            _(
                "A payment of more than %(amount)s needs a second person: release it from the "
                "payments page, and the table's treasurer or another funder approves it.",
                amount=format_pence(above),
            )
        )


def second_people(tranche: Tranche) -> list[int]:
    """Who may approve a release: the table's treasurers and the people of other accepted funders."""
    round_id = tranche.award.round_id
    treasurers = select(RoundStaff.person_id).where(
        RoundStaff.round_id == round_id, RoundStaff.role == StaffRole.TREASURER
    )
    funders = select(FunderMembership.person_id).where(
        FunderMembership.funder_id.in_(accepted_funders_of(round_id)),
        *([FunderMembership.funder_id != tranche.acting_for_funder_id] if tranche.acting_for_funder_id else []),
    )
    found = set(db.session.execute(treasurers).scalars()) | set(db.session.execute(funders).scalars())
    return sorted(pid for pid in found if pid != tranche.released_by_id)


def may_approve(person: Person, tranche: Tranche) -> bool:
    """A second person: not the first, not of the same funder, not someone who decided."""
    round_id = tranche.award.round_id
    if person.id == tranche.released_by_id or took_part_in_decision(person, round_id):
        return False
    if is_treasurer(person, round_id):
        return True
    others = [fid for fid in accepted_funder_ids(person, round_id) if fid != tranche.acting_for_funder_id]
    return bool(others)


def approve_release(*, person: Person, tranche_id: int) -> Tranche:
    """A second person approves a release above the table's amount; then it can be sent."""
    with transaction():
        tranche = lock_for_update(Tranche, tranche_id)
        if tranche is None:
            raise DomainError(_("That payment does not exist."))
        if not tranche.awaiting_second_person:
            raise DomainError(_("That payment is not waiting for a second person."))
        if person.id == tranche.released_by_id:
            raise NotAllowed(_("You released this payment, so someone else must approve it."))
        if not may_approve(person, tranche):
            raise NotAllowed(
                "A second person is the table's treasurer or a person of another funder the table accepted, "
                "who did not take part in the decision."
            )
        tranche.approved_by_id = person.id
        tranche.approved_at = datetime.now(UTC)
        award = tranche.award
        audit.record(
            "release_approved",
            Words(
                N_("A second person approved the release of %(amount)s to %(payee)s (award %(award)s, part "
                   "%(part)s)."),
                amount=Money(tranche.amount_pence),
                payee=tranche.payee_name,
                award=award.reference,
                part=tranche.number,
            ),
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
            details={"tranche": tranche.idempotency_key, "released_by": tranche.released_by_id},
        )
        if tranche.method is PayoutMethod.STRIPE and tranche.status is TrancheStatus.SCHEDULED:
            if tranche.due_on is None or tranche.due_on <= datetime.now(UTC).date():
                enqueue_job("money.send_tranche", f"{tranche.idempotency_key}-approved", tranche_id=tranche.id)
    db.session.refresh(tranche)
    return tranche


def refuse_unapproved(tranche: Tranche) -> None:
    """Nothing waiting for a second person is paid or recorded as paid."""
    if tranche.awaiting_second_person:
        raise DomainError(_("This payment waits for a second person to approve it before it is sent."))


# ------------------------------------------------------------------ holds


def holding_funder(person: Person, round_id: int) -> int:
    """The funder a person holds a payment for (the first accepted one they act for)."""
    funders = accepted_funder_ids(person, round_id)
    if not funders or took_part_in_decision(person, round_id):
        raise NotAllowed(_("Only a funder the table's convenors accepted can hold a payment."))
    return funders[0]


def funder_has_gone(tranche: Tranche) -> bool:
    """The funder that held the payment no longer takes part in the table (or nobody acts for it)."""
    if tranche.held_by_funder_id is None:
        return False
    return not is_accepted(tranche.award.round_id, tranche.held_by_funder_id) or not _funder_people(
        tranche.held_by_funder_id
    )


def may_lift(person: Person, tranche: Tranche) -> bool:
    """Only the funder that placed the hold lifts it (its people, who did not decide)."""
    round_id = tranche.award.round_id
    if took_part_in_decision(person, round_id):
        return False
    if tranche.held_by_funder_id is None:  # held before holds named their funder
        return tranche.held_by_id == person.id
    return tranche.held_by_funder_id in accepted_funder_ids(person, round_id)


def check_lift(person: Person, tranche: Tranche, reason: str) -> str:
    """Inside a lift: who lifts it and why. Returns the published reason (empty for the funder itself)."""
    if may_lift(person, tranche):
        return ""
    if is_convenor(person, tranche.award.round_id) and funder_has_gone(tranche):
        if len(reason.strip()) < 10:
            raise DomainError(_("Write the reason for lifting this hold (it is published on the table's page)."))
        return reason.strip()
    raise NotAllowed(_("Only the funder that held this payment can lift the hold."))


def tell_holder(tranche: Tranche, person: Person, reason: str) -> None:
    """Tell the funder that held a payment that its hold was lifted, and by whom."""
    if tranche.held_by_funder_id is not None:
        people = _funder_people(tranche.held_by_funder_id)
    else:
        people = [tranche.held_by_id] if tranche.held_by_id else []
    award = tranche.award
    notify(
        [pid for pid in people if pid != person.id],
        "money_alert",
        _l("Your hold on a payment was lifted"),
        (
            _l(
                "The hold on %(amount)s to %(group)s (award %(reference)s) was lifted by %(name)s. "
                "Their reason: %(reason)s",
                amount=format_pence(tranche.amount_pence),
                group=award.group.name,
                reference=award.reference,
                name=person.display_name,
                reason=reason,
            )
            if reason
            else _l(
                "The hold on %(amount)s to %(group)s (award %(reference)s) was lifted by %(name)s.",
                amount=format_pence(tranche.amount_pence),
                group=award.group.name,
                reference=award.reference,
                name=person.display_name,
            )
        ),
        link=link_to("money.round_payments", slug=award.round.slug),
    )


# ------------------------------------------------------------------ bank details


def sees_full_bank_details(person: Person, round_id: int) -> bool:
    """Only the table's treasurer sees a group's full bank details on the table's pages."""
    return is_treasurer(person, round_id)


def record_full_view(person: Person, round_id: int, payees: list[Payee]) -> None:
    """Each full view of bank details goes into the audit log (not public)."""
    shown = [p for p in payees if p.method is PayoutMethod.BANK and p.bank_ready]
    if not shown:
        return
    with transaction():
        audit.record(
            "bank_details_viewed",
            f"{person.display_name} saw the full bank details of {', '.join(p.payee_name for p in shown)}.",
            actor_id=person.id,
            round_id=round_id,
            details={"group_ids": [p.group_id for p in shown]},
        )
