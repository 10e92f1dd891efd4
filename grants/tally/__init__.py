"""The pure counting engine: projects, costs, ballots and a rule in; a result with reasons out.

No Flask, no database: everything here is plain Python so it can be tested against other
implementations (pabutools, the official Pabulib outcomes) and run from the command line::

    python -m grants.tally FILE.pb [--rule RULE] [--json]
"""

from .counting import RULES, count
from .lottery import lottery_order
from .model import Election, Explanation, Project, TallyResult
from .pabulib import PabulibError, PabulibWarning, parse_number, read_pb, write_pb
from .ties import TiedOutcomes, tied_outcomes

__all__ = [
    "RULES",
    "Election",
    "Explanation",
    "PabulibError",
    "PabulibWarning",
    "Project",
    "TallyResult",
    "TiedOutcomes",
    "count",
    "lottery_order",
    "parse_number",
    "read_pb",
    "tied_outcomes",
    "write_pb",
]
