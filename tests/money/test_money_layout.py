"""Money has one path (issue 13), kept so by reading the code: one module writes the ledger's
business events, no money module reaches into another's private names, and money imports at the
top of the file (an import inside a function hid the loop services → payouts → stripe_in → services).
"""

from __future__ import annotations

import ast
from pathlib import Path

import grants

GRANTS = Path(grants.__file__).parent
MONEY = GRANTS / "money"
# Panel pay writes its own kinds of event (it moves to its own feature package, issue 20).
WRITERS = {"grants/money/postings.py", "grants/panel_pay/services.py"}
# Imports inside functions that this rule leaves to others: the CLI's commands, and panel pay's files.
LATE_IMPORTS_ALLOWED = {"commands.py", "panel_pay.py", "panel_views.py", "truth_views.py"}


def _modules(root: Path) -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(GRANTS.parent).as_posix(), ast.parse(path.read_text(), str(path)))
        for path in sorted(root.rglob("*.py"))
    ]


def test_only_postings_writes_business_events_to_the_ledger():
    callers = {
        name
        for name, tree in _modules(GRANTS)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "post"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "books"  # grants/ledger/books.py, imported as `books`
    }
    assert callers - WRITERS == set()
    assert "grants/money/postings.py" in callers


def test_no_module_imports_a_private_name_of_money_or_the_ledger():
    found = [
        f"{name}:{node.lineno} {node.module}.{alias.name}"
        for name, tree in _modules(GRANTS)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("grants.money", "grants.ledger"))
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert found == []


def test_money_imports_at_the_top_of_each_file():
    found = [
        f"{name}:{inner.lineno}"
        for name, tree in _modules(MONEY)
        if Path(name).name not in LATE_IMPORTS_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]
    assert found == []
