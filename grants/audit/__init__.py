"""The audit log of sensitive actions: rules changed, voting opened and closed, results
published, money released or held, roles granted. See `record` and `verify`."""

from grants.audit.log import GENESIS, Head, head_at, init_app, published_head, record, verify

__all__ = ["GENESIS", "Head", "head_at", "init_app", "published_head", "record", "verify"]
