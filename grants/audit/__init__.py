"""The audit log of sensitive actions: rules changed, voting opened and closed, results
published, money released or held, roles granted. See `record` and `verify`."""

from grants.audit.log import GENESIS, record, verify

__all__ = ["GENESIS", "record", "verify"]
