"""The append-only double-entry ledger, below every feature: each feature posts to it and reads
from it, and it imports none of them (a contract in pyproject.toml keeps it so).

- `books`: accounts, posting an entry group, running balances, and the pot's figures read from them.
"""
