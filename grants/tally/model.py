"""The counting engine's data: projects, an election, and the result of a count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")

Number = int | float | Fraction | Decimal


@dataclass(frozen=True)
class Project:
    """One proposal on the ballot: an id, its cost and anything else the file carried."""

    id: str
    cost: int
    name: str = ""
    extra: Mapping[str, str] = field(default_factory=dict, compare=True, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("A project needs a non-empty string id.")
        if isinstance(self.cost, bool) or not isinstance(self.cost, int | Fraction | Decimal):
            raise ValueError(f"Project {self.id}: cost must be a whole number, got {self.cost!r}.")
        if self.cost < 0:
            raise ValueError(f"Project {self.id}: cost cannot be negative.")


@dataclass
class Election:
    """Everything a count needs: projects, the budget, the ballot type and the ballots.

    ``ballots[i]`` maps project id -> points: 1 for approval and choose-1, the points given
    for cumulative and scoring, and the Pabulib points for ordinal ballots (the file's
    ``points`` column if it has one, otherwise ``max_length - position``, the Pabulib
    Borda default). For ordinal ballots ``rankings[i]`` keeps the preference order
    (most preferred first); a ballot dict also lists its projects in that order.

    ``voter_ids`` and the extra voter columns (``voter_fields`` / ``voter_data``) are kept
    so that a file read and written again loses nothing; the count never looks at them.
    Limits from the Pabulib META section (``min_length``, ``max_length``, ...) are typed
    fields; every other META key stays in ``meta`` as text.
    """

    projects: list[Project]
    budget: int | Decimal
    vote_type: str
    ballots: list[dict[str, Number]]
    meta: dict[str, str] = field(default_factory=dict)
    rankings: list[tuple[str, ...]] | None = None
    voter_ids: list[str] | None = None
    voter_fields: tuple[str, ...] = ()
    voter_data: list[tuple[str, ...]] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_sum_cost: Number | None = None
    max_sum_cost: Number | None = None
    min_points: Number | None = None
    max_points: Number | None = None
    min_sum_points: Number | None = None
    max_sum_points: Number | None = None
    default_score: Number | None = None
    min_project_score_threshold: Number | None = None
    scoring_fn: str | None = None
    # ballots[i] stands for weights[i] identical ballots (None: one each). read_pb(voters=False)
    # merges identical ballots as it reads; voter ids and columns are then not kept.
    weights: list[int] | None = None
    # What the file got wrong that was counted anyway (pabulib.PabulibWarning), first line first.
    warnings: list[Any] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"Unknown vote type {self.vote_type!r}; use one of {', '.join(VOTE_TYPES)}.")
        if isinstance(self.budget, bool) or not isinstance(self.budget, int | Decimal | Fraction):
            raise ValueError(f"The budget must be a whole number of units, got {self.budget!r}.")
        if self.budget < 0:
            raise ValueError("The budget cannot be negative.")
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("Two projects share an id; ids must be unique.")
        if self.vote_type == "ordinal" and self.rankings is None:
            self.rankings = [tuple(b) for b in self.ballots]
        for name, seq in (("rankings", self.rankings), ("voter_data", self.voter_data), ("weights", self.weights)):
            if seq is not None and len(seq) != len(self.ballots):
                raise ValueError(f"{name} must have one entry per ballot.")
        if self.weights is not None and self.weights and min(self.weights) < 1:
            raise ValueError("weights must be whole numbers of ballots, at least 1.")
        if self.voter_ids is not None and len(self.voter_ids) != self.n_voters:
            raise ValueError("voter_ids must have one entry per voter.")

    @property
    def n_voters(self) -> int:
        """How many people voted (ballots, counting merged ones by their weight)."""
        return len(self.ballots) if self.weights is None else sum(self.weights)

    @property
    def project_ids(self) -> list[str]:
        """Project ids in the order the projects were given."""
        return [p.id for p in self.projects]

    @property
    def rule(self) -> str | None:
        """The counting rule named in the META section, if any."""
        return self.meta.get("rule")


@dataclass(frozen=True)
class Explanation:
    """Why one project was or was not funded: a plain-English line and the figures behind it."""

    project_id: str
    funded: bool
    text: str
    figures: dict[str, Any]


@dataclass
class TallyResult:
    """The outcome of one count: who was funded, in what order, and why."""

    selected: list[str]
    rule: str
    budget: int | Decimal
    spent: int | Decimal
    support: dict[str, float]
    explanations: dict[str, Explanation]
    steps: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def remaining(self) -> int | Decimal:
        """Budget left unspent."""
        return self.budget - self.spent

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict of the result (numbers as int/float, ids as strings)."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "budget": _jsonable(self.budget),
            "spent": _jsonable(self.spent),
            "support": {k: _jsonable(v) for k, v in self.support.items()},
            "explanations": {
                pid: {"funded": e.funded, "text": e.text, "figures": _jsonable(e.figures)}
                for pid, e in self.explanations.items()
            },
            "steps": _jsonable(self.steps),
            "details": _jsonable(self.details),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Fraction | Decimal | float):
        if isinstance(value, Fraction) and value.denominator == 1:
            return int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_jsonable(v) for v in value]
    return str(value)
