"""Background work: a huey queue fed from a transactional outbox in the database.

Nothing is lost: work is written as a row (a `Notification` or an `OutboxJob`) in the same
transaction as the change that causes it. After the commit the row's id is put on the huey
queue; if the process dies first, the relay (every minute, and when a worker starts) finds
the row and queues it again. Workers claim a row with a conditional UPDATE and a lease
before doing anything, so the work never runs twice with effect.

Each feature registers its own work by name when it is imported (`@jobs.job("money.send_tranche")`,
`@jobs.periodic(...)`, see grants/jobs/registry.py), and records it with
`jobs.enqueue_job("money.send_tranche", key, **payload)` inside a use case. The queue finds a
job by its name; it never imports a feature.
"""

from grants.jobs.outbox import enqueue_job
from grants.jobs.queue import huey, init_app
from grants.jobs.registry import crontab, job, periodic, run_periodic, runner
from grants.jobs.tasks import relay, retry_now

__all__ = [
    "crontab",
    "enqueue_job",
    "huey",
    "init_app",
    "job",
    "periodic",
    "relay",
    "retry_now",
    "run_periodic",
    "runner",
]
