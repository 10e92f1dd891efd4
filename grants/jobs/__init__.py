"""Background work: a huey queue fed from a transactional outbox in the database.

Nothing is lost: work is written as a row (a `Notification` or an `OutboxJob`) in the same
transaction as the change that causes it. After the commit the row's id is put on the huey
queue; if the process dies first, the relay (every minute, and when a worker starts) finds
the row and queues it again. Workers claim a row with a conditional UPDATE and a lease
before doing anything, so the work never runs twice with effect.

Register a handler for new kinds of work with `@job_handler("kind")` and record work with
`enqueue_job("kind", key, **payload)` inside a use case (see grants/jobs/handlers.py).
"""

from grants.jobs.outbox import enqueue_job, job_handler, relay
from grants.jobs.queue import huey, init_app

__all__ = ["enqueue_job", "huey", "init_app", "job_handler", "relay"]
