"""Where background work is registered.

feature/money registers its Stripe work here (or in its own module with the same
decorator), for example:

    @job_handler("send_tranche")
    def _send(key: str, tranche_id: int) -> None:
        send_tranche(tranche_id, idempotency_key=key)

and records it inside the use case that releases the money:

    enqueue_job("send_tranche", f"tranche-{tranche.id}", tranche_id=tranche.id)

Registered so far: "send_tranche" (grants/money/payouts.py), "stripe_webhook" (the webhook
view stores the event row and the job together; grants/money/stripe_in.py processes it) and
"reconcile" (grants/money/reconcile.py). The key is unique in `outbox_jobs`, so recording the
same work twice is one job; the worker claims a job before running it; and the key goes to
Stripe as the idempotency key, so a retry after a crash mid-call has no second effect.
"""

from __future__ import annotations

from grants.jobs.outbox import job_handler

__all__ = ["job_handler"]
