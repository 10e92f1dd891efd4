"""Compare the ledger with Stripe: transfers, payouts and balance transactions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Account,
    AccountKind,
    Entry,
    EntryGroup,
    EntryKind,
    PayoutMethod,
    StripeCheckout,
    Tranche,
    TrancheStatus,
)
from grants.money import ledger
from grants.money.stripe_gateway import StripeGateway


@dataclass(frozen=True)
class Mismatch:
    """One difference between our records and Stripe's."""

    kind: str
    reference: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.reference}: {self.detail}"


def reconcile(gateway: StripeGateway) -> list[Mismatch]:
    """Every mismatch between the ledger and Stripe (empty when they agree)."""
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
    ours = ledger.balance_of(AccountKind.STRIPE_BALANCE)
    if ours != stripe_balance:
        out.append(
            Mismatch(
                "balance",
                "stripe",
                f"the ledger's Stripe balance is {ours}p; Stripe's balance transactions add up to {stripe_balance}p",
            )
        )
    return out
