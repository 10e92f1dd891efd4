"""The append-only double-entry ledger, below every feature: each feature posts to it or reads
from it, and it imports none of them (a contract in pyproject.toml keeps it so).

- `books`: accounts, posting an entry group, running balances, and a pot's own figures.
- `published`: what the public sees of the books (panel pay only in steps of 5 people): the
  published figures, the public ledger's rows with running totals, and the check that the rows
  add up to the figures (`public_ledger_mismatches`, one of `flask reconcile`'s self-checks).
"""
