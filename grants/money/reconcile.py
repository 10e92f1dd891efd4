"""Compare the ledger with Stripe: transfers, payouts and balance transactions; and the
ledger's running balances with its entries.

A run is background work: `schedule_reconcile(name)` records it as an outbox job (the run
name is its idempotency key, so the daily run recorded by two workers is one run), and
the worker compares and tells the administrators about any mismatch, once per run.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants import jobs
from grants.core import DomainError, transaction
from grants.extensions import db
from grants.jobs import enqueue_job
from grants.language.written import lazy_text
from grants.ledger import books
from grants.ledger.published import public_ledger_mismatches
from grants.models import (
    Account,
    AccountKind,
    Entry,
    EntryGroup,
    EntryKind,
    OutboxJob,
    PayoutMethod,
    Person,
    Round,
    RoundStaff,
    StaffRole,
    StripeCheckout,
    Tranche,
    TrancheStatus,
)
from grants.money.gateway import get_gateway
from grants.money.stripe_gateway import StripeGateway
from grants.notifications import notify
from grants.site import link_to

log = logging.getLogger(__name__)

RUN_NAME = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


@dataclass(frozen=True)
class Mismatch:
    """One difference between our records and Stripe's."""

    kind: str
    reference: str
    detail: str
    # The table it concerns, when known: its treasurers and convenors are told.
    round_id: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}: {self.detail}"


def reconcile(gateway: StripeGateway | None) -> list[Mismatch]:
    """Every mismatch within the ledger itself and, with Stripe, between the ledger and Stripe
    (empty when all agree). The ledger's self-checks run on every site, Stripe or not."""
    out = ledger_self_check()
    if gateway is None:
        return out
    return out + _against_stripe(gateway)


def ledger_self_check() -> list[Mismatch]:
    """The ledger against itself: every running balance is the sum of its entries, every entry
    group sums to zero, no table's pot is below nothing, and the public rows add up to the totals."""
    out: list[Mismatch] = [
        Mismatch("ledger", "running balance", line, _round_of_balance_line(line)) for line in books.check_balances()
    ]
    unbalanced = db.session.execute(
        select(EntryGroup.id, EntryGroup.round_id)
        .join(Entry, Entry.entry_group_id == EntryGroup.id)
        .group_by(EntryGroup.id, EntryGroup.round_id)
        .having(func.sum(Entry.amount_pence) != 0)
    ).all()
    out += [Mismatch("ledger", f"entry group {gid}", "its entries do not sum to zero", rid) for gid, rid in unbalanced]
    round_ids = list(db.session.execute(select(Round.id)).scalars())
    for rid, money in books.round_summaries(round_ids).items():
        if money.available_pence < 0:
            out.append(Mismatch("ledger", f"table {rid}", f"the pot is below nothing ({money.available_pence}p)", rid))
    out += [Mismatch("ledger", "public ledger", line, rid) for rid, line in public_ledger_mismatches()]
    return out


def _round_of_balance_line(line: str) -> int | None:
    found = re.match(r"^account (\d+),", line)
    acct = db.session.get(Account, int(found.group(1))) if found else None
    return acct.round_id if acct else None


def _against_stripe(gateway: StripeGateway) -> list[Mismatch]:
    """Every mismatch between the ledger and Stripe."""
    out: list[Mismatch] = []
    transfers = list(gateway.list_transfers())
    txns = list(gateway.list_balance_transactions())
    payouts = list(gateway.list_payouts())

    # Transfers: each paid Stripe tranche has exactly one transfer of the same amount, and
    # Stripe has no transfer we do not know about.
    tranches = db.session.execute(select(Tranche).where(Tranche.method == PayoutMethod.STRIPE)).scalars().all()
    by_key = {t.idempotency_key: t for t in tranches}
    by_transfer = {t.stripe_transfer_id: t for t in tranches if t.stripe_transfer_id}
    seen: set[int] = set()
    for tr in transfers:
        tranche = by_transfer.get(tr.id) or by_key.get(tr.metadata.get("tranche", ""))
        if tranche is None:
            out.append(Mismatch("transfer", tr.id, f"Stripe sent {tr.amount_pence}p to {tr.destination}; no tranche"))
            continue
        seen.add(tranche.id)
        if tranche.status not in (TrancheStatus.PAID, TrancheStatus.REVERSED):
            out.append(
                Mismatch(
                    "transfer",
                    tr.id,
                    f"Stripe made the transfer but tranche {tranche.idempotency_key} is {tranche.status.value}"
                    " (run send_tranche to record it)",
                )
            )
        elif tranche.stripe_transfer_id != tr.id:
            out.append(Mismatch("transfer", tr.id, f"tranche {tranche.idempotency_key} records another transfer"))
        if tr.amount_pence != tranche.amount_pence:
            out.append(Mismatch("transfer", tr.id, f"Stripe {tr.amount_pence}p, ledger {tranche.amount_pence}p"))
        if tr.amount_reversed_pence != tranche.reversed_pence:
            out.append(
                Mismatch(
                    "reversal",
                    tr.id,
                    f"Stripe reversed {tr.amount_reversed_pence}p, ledger {tranche.reversed_pence}p",
                )
            )
    for t in tranches:
        if t.status in (TrancheStatus.PAID, TrancheStatus.REVERSED) and t.id not in seen:
            out.append(Mismatch("transfer", t.idempotency_key, "paid in the ledger but Stripe has no such transfer"))

    # Balance transactions: each charge matches a recorded payment, with the same fee.
    checkouts = db.session.execute(select(StripeCheckout)).scalars().all()
    by_charge = {c.charge_id: c for c in checkouts if c.charge_id}
    charged: set[int] = set()
    for txn in txns:
        if txn.type not in ("charge", "payment"):
            continue
        c = by_charge.get(txn.source)
        if c is None or c.contribution_id is None:
            out.append(Mismatch("charge", txn.id, f"{txn.amount_pence}p received by Stripe but not in the ledger"))
            continue
        charged.add(c.id)
        if c.fee_pence != txn.fee_pence:
            out.append(Mismatch("fee", txn.id, f"Stripe fee {txn.fee_pence}p, ledger {c.fee_pence}p"))
        if c.amount_pence != txn.amount_pence:
            out.append(Mismatch("charge", txn.id, f"Stripe {txn.amount_pence}p, ledger {c.amount_pence}p"))
    for c in checkouts:
        if c.contribution_id is not None and c.id not in charged:
            out.append(Mismatch("charge", c.reference, "in the ledger but Stripe has no such charge"))
    refunded_stripe = -sum(t.amount_pence for t in txns if t.type == "refund")
    refunded_ours = sum(c.refunded_pence for c in checkouts)
    if refunded_stripe != refunded_ours:
        out.append(Mismatch("refunds", "total", f"Stripe refunded {refunded_stripe}p, ledger {refunded_ours}p"))

    # Payouts: each one Stripe paid to the platform's bank is in the ledger, for the same amount.
    recorded = dict(
        db.session.execute(
            select(EntryGroup.reference, Entry.amount_pence)
            .join(Entry, Entry.entry_group_id == EntryGroup.id)
            .join(Account, Account.id == Entry.account_id)
            .where(EntryGroup.kind == EntryKind.PAYOUT, Account.kind == AccountKind.BANK)
        ).all()
    )
    for p in payouts:
        if p.status == "failed":
            out.append(Mismatch("payout", p.id, f"payout of {p.amount_pence}p failed ({p.failure_code})"))
        elif p.status == "paid" and recorded.get(p.id) != p.amount_pence:
            out.append(Mismatch("payout", p.id, f"Stripe paid out {p.amount_pence}p; ledger {recorded.get(p.id, 0)}p"))

    # The balance: the ledger's Stripe account against the sum of every balance transaction.
    stripe_balance = sum(t.net_pence for t in txns)
    ours = books.balance_of(AccountKind.STRIPE_BALANCE)
    if ours != stripe_balance:
        out.append(
            Mismatch(
                "balance",
                "stripe",
                f"the ledger's Stripe balance is {ours}p; Stripe's balance transactions add up to {stripe_balance}p",
            )
        )
    return out


# ------------------------------------------------------------------ as background work


def schedule_reconcile(run_name: str) -> tuple[OutboxJob, bool]:
    """Record a reconcile run as a background job. Returns the job and whether it is new:
    a run already recorded under the same name is not run again."""
    if not RUN_NAME.match(run_name):
        raise DomainError(_("Name the run with up to 100 letters, digits, dots, colons, dashes or underscores."))
    key = f"reconcile-{run_name}"
    with transaction() as session:
        new = session.execute(select(OutboxJob.id).where(OutboxJob.key == key)).first() is None
        job = enqueue_job("money.reconcile", key)
    return job, new


@jobs.periodic("money.reconcile_daily", jobs.crontab(minute="30", hour="6"), was="reconcile_stripe")
def _reconcile_each_morning(now: datetime) -> str | None:
    """Every morning at 06:30 UTC: record the day's reconcile run (once, however many workers get here)."""
    return schedule_daily_reconcile(now.date())


def schedule_daily_reconcile(today: date) -> str | None:
    """The worker's morning run (one per day, whichever worker records it first): the ledger's
    self-checks on every site, and the comparison with Stripe where Stripe is set up."""
    job, _new = schedule_reconcile(f"daily-{today.isoformat()}")
    return job.key


@jobs.job("money.reconcile", was="reconcile")
def _reconcile_job(key: str) -> None:
    """The worker's entry point: one reconcile run."""
    run_reconcile(key)


def run_reconcile(run_key: str) -> list[Mismatch]:
    """Check the ledger (and compare it with Stripe, if set up); tell the administrators and the
    treasurers and convenors of the tables concerned about any mismatch (once per run)."""
    mismatches = reconcile(get_gateway())
    db.session.rollback()
    if not mismatches:
        log.info("reconcile %s: the ledger and Stripe agree", run_key)
        return mismatches
    log.warning("reconcile %s: %d mismatch(es): %s", run_key, len(mismatches), "; ".join(map(str, mismatches)))
    with transaction() as session:
        admins = list(session.execute(select(Person.id).where(Person.is_admin.is_(True))).scalars())
        _tell_the_tables(mismatches, run_key)
        notify(
            admins,
            "money_alert",
            _l("The ledger and Stripe differ in %(count)s place(s)", count=len(mismatches))
            if get_gateway() is not None
            else _l("The ledger's own check found %(count)s difference(s)", count=len(mismatches)),
            _l(
                "The regular check of the ledger found these differences:\n\n%(items)s\n\nNothing was changed. "
                "`flask reconcile --now` lists them again once they are put right.",
                items="\n\n".join(str(m) for m in mismatches[:50]),
            ),
            key=run_key,
        )
    return mismatches


def _tell_the_tables(mismatches: list[Mismatch], run_key: str) -> None:
    """Each table's treasurers and convenors hear of the mismatches about their table; one with no
    table (Stripe's balance as a whole, say) goes to those of every table that has money."""
    concerned: dict[int | None, list[Mismatch]] = {}
    for m in mismatches:
        concerned.setdefault(m.round_id, []).append(m)
    with_money = set(db.session.execute(select(Account.round_id).where(Account.round_id.is_not(None))).scalars())
    for round_id in sorted(with_money):
        found = concerned.get(round_id, []) + concerned.get(None, [])
        if not found:
            continue
        rnd = db.session.get(Round, round_id)
        people = list(
            db.session.execute(
                select(RoundStaff.person_id).where(
                    RoundStaff.round_id == round_id, RoundStaff.role.in_([StaffRole.TREASURER, StaffRole.CONVENOR])
                )
            ).scalars()
        )
        notify(
            people,
            "money_alert",
            _l(
                "The money records of %(title)s need checking (%(count)s difference(s))",
                title=lazy_text(rnd, "title"),
                count=len(found),
            ),
            _l(
                "The regular check of the ledger found these differences for your table:\n\n%(items)s\n\nNothing "
                "was changed. Please look at them with the site's administrator.",
                items="\n\n".join(str(m) for m in found[:50]),
            ),
            link=link_to("money.money_in", slug=rnd.slug),
            key=f"{run_key}-table-{round_id}",
        )
