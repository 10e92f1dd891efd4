"""Helpers shared by the counting engine's tests (shared Pabulib files, loading)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

# tests/tally/conftest.py -> parents[2] is the repository root; shared/ sits beside it.
# OUR_TABLES_SHARED points elsewhere (a git worktree sits one level deeper than the checkout).
SHARED = Path(os.environ.get("OUR_TABLES_SHARED") or Path(__file__).resolve().parents[2] / ".." / "shared").resolve()
PABULIB = SHARED / "pabulib"


def pabulib_files() -> list[Path]:
    """Every shared .pb file, sorted (empty if the shared folder is absent)."""
    return sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []


def pabulib_params(predicate=lambda election: True, slow=lambda path: False) -> list:
    """pytest params over shared files whose election satisfies predicate."""
    if not PABULIB.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"shared Pabulib folder {PABULIB} is absent"))]
    params = []
    for path in pabulib_files():
        if predicate(load(path)):
            marks = [pytest.mark.slow] if slow(path) else []
            params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@cache
def load(path: Path):
    """Read a shared file once per test session."""
    from grants.tally import read_pb

    return read_pb(path)


def official(election) -> set[str]:
    """The project ids a file marks as selected (selected == 1)."""
    return {p.id for p in election.projects if p.extra.get("selected") == "1"}


def has_selected(election) -> bool:
    return any("selected" in p.extra for p in election.projects)
