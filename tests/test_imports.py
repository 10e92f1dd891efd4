"""No import loops, and imports inside functions only where they are meant to be (issue 13).

import-linter keeps the layers ([tool.importlinter] in pyproject.toml, run by scripts/test); it
has no contract for a cycle between any modules of a package, so this test finds them itself
with grimp, import-linter's own graph of the imports."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

import grants

PACKAGE = Path(grants.__file__).resolve().parent

# Where an import inside a function is right: the app factory (it imports every feature), the
# `flask` commands and the worker's start-up (they run once the app is built), and the engine's
# lazy numpy (the exact path needs no numpy, and `python -m grants.tally` starts fast).
ALLOWED_FILES = {"__init__.py", "cli.py", "ops/commands.py"}
# The rule modules the count loads only when their rule runs: each brings numpy with it.
ALLOWED_IN_ENGINE = {
    "numpy",
    "grants.tally.fastmes",
    "grants.tally.fastread",  # the numpy reader, loaded only when a plain approval file is read for counting
    "grants.tally.compact",
    "grants.tally.equalshares",
    "grants.tally.fairness",
    "grants.tally.phragmen",
    "grants.tally.utilitarian",
}


def _graph() -> grimp.ImportGraph:
    # No cache: a cached graph can miss an import just written (seen: a stale .grimp_cache).
    graph = grimp.build_graph("grants", exclude_type_checking_imports=True, cache_dir=None)
    # create_app imports every feature, and only when it is called: not a loop.
    for imported in graph.find_modules_directly_imported_by("grants"):
        graph.remove_import(importer="grants", imported=imported)
    return graph


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import one another in a loop (strongly connected, Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def _loop_through(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One loop in the group, written out: a -> b -> ... -> a."""
    first, *rest = group
    for other in rest:
        there = graph.find_shortest_chain(importer=first, imported=other)
        back = graph.find_shortest_chain(importer=other, imported=first)
        if there and back:
            return " -> ".join([*there, *back[1:]])
    return ", ".join(group)


def _absolute(relative: str, node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, with a relative one (`from .fastmes import ...`) made absolute."""
    if not node.level:
        return node.module or ""
    package = ["grants", *relative.split("/")[:-1]]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def in_function_imports() -> list[str]:
    """Each import inside a function outside the allowed places, as `file:line: module`."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED_FILES or relative.endswith("/commands.py"):
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    modules = [_absolute(relative, node)]
                else:
                    continue
                if relative.startswith("tally/") and set(modules) <= ALLOWED_IN_ENGINE:
                    continue
                found.append(f"grants/{relative}:{node.lineno}: {', '.join(modules)}")
    return sorted(set(found))


def test_the_cycle_finder_finds_a_cycle():
    """The finder is not blind: a loop added to a copy of the real graph is found and written out."""
    graph = _graph()
    graph.add_import(importer="grants.models", imported="grants.auth.services")
    groups = import_cycles(graph)
    group = next(g for g in groups if "grants.models" in g)
    assert "grants.auth.services" in group
    loop = _loop_through(graph, group)
    assert loop.startswith(group[0]) and loop.endswith(group[0])


def test_the_in_function_scan_finds_one(tmp_path, monkeypatch):
    """The scan is not blind either: an import inside a function in a feature module is listed."""
    feature = tmp_path / "feature"
    feature.mkdir()
    (feature / "services.py").write_text("def f():\n    from grants import models\n    return models\n")
    (feature / "commands.py").write_text("def g():\n    import json\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    assert in_function_imports() == ["grants/feature/services.py:2: grants"]


def test_no_import_cycles():
    """No module of grants imports itself back through others (the app factory aside)."""
    graph = _graph()
    loops = [_loop_through(graph, group) for group in import_cycles(graph)]
    assert not loops, "import cycles:\n" + "\n".join(loops)


def test_imports_inside_functions_only_where_allowed():
    """In-function imports only in the app factory, the commands, the worker's start-up and the engine's lazy numpy."""
    found = in_function_imports()
    assert not found, f"{len(found)} imports inside functions:\n" + "\n".join(found)


# Features whose modules still import each other both ways, each with why and what would end it.
# Empty since the ledger stands below the features (grants/ledger/, issue 13): a pair that
# starts to loop fails below; a pair listed here that no longer loops must be struck off.
KNOWN_FEATURE_LOOPS: set[tuple[str, str]] = set()


def feature_loops(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """Each pair of grants' packages (and top-level modules) where each imports the other directly."""
    features = feature_graph(graph)
    return {
        (a, b)
        for a in features.modules
        for b in features.find_modules_directly_imported_by(a)
        if a < b and features.direct_import_exists(importer=b, imported=a)
    }


def test_the_loop_finder_between_features_finds_one():
    graph = grimp.ImportGraph()
    for module in ("grants.rounds.services", "grants.ballots.sealing", "grants.ballots.closing"):
        graph.add_module(module)
    graph.add_import(importer="grants.rounds.services", imported="grants.ballots.sealing")
    graph.add_import(importer="grants.ballots.closing", imported="grants.rounds.services")
    assert feature_loops(graph) == {("grants.ballots", "grants.rounds")}


def test_no_new_loop_between_features():
    """No two features import each other (rounds and ballots did, and panels, notifications and updates...);
    the layer contracts in pyproject.toml keep the main ones so in `lint-imports` too."""
    found = feature_loops(_graph())
    new, gone = sorted(found - KNOWN_FEATURE_LOOPS), sorted(KNOWN_FEATURE_LOOPS - found)
    assert not new, f"features that now import each other: {new}"
    assert not gone, f"no longer a loop, strike off KNOWN_FEATURE_LOOPS: {gone}"


# Loops through three or more features (each imports the next, the last the first), which the pairs
# above cannot see. Empty since groups tell panels of a new member through grants/groups/events.py
# and a result's explanation lives with deciding (grants/ballots/explain.py): the loop was
# ballots -> money -> groups -> panels -> public -> decisions -> ballots.
KNOWN_LONGER_LOOPS: set[frozenset[str]] = set()


def feature_graph(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """grants' packages (and top-level modules), each importing the others its modules import."""
    features = grimp.ImportGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = (".".join(name.split(".")[:2]) for name in (module, imported))
            if a != b and "grants" not in (a, b):
                features.add_module(a)
                features.add_module(b)
                features.add_import(importer=a, imported=b)
    return features


def longer_feature_loops(graph: grimp.ImportGraph) -> dict[frozenset[str], str]:
    """Each group of three or more features tied in a loop, with one loop through it written out."""
    features = feature_graph(graph)
    return {frozenset(g): _loop_through(features, g) for g in import_cycles(features) if len(g) > 2}


def test_the_longer_loop_finder_finds_one():
    graph = grimp.ImportGraph()
    chain = ("grants.rounds.services", "grants.ballots.closing", "grants.money.services")
    for module in chain:
        graph.add_module(module)
    for importer, imported in zip(chain, (*chain[1:], chain[0]), strict=True):
        graph.add_import(importer=importer, imported=imported)
    assert feature_loops(graph) == set()  # no pair imports each other: the pairs cannot see it
    assert set(longer_feature_loops(graph)) == {frozenset({"grants.rounds", "grants.ballots", "grants.money"})}


def test_no_new_longer_loop_between_features():
    """No new loop through three or more features; a known one that is gone must be struck off."""
    found = longer_feature_loops(_graph())
    new = [loop for group, loop in found.items() if group not in KNOWN_LONGER_LOOPS]
    gone = [sorted(group) for group in KNOWN_LONGER_LOOPS if group not in found]
    assert not new, "features now tied in a loop:\n" + "\n".join(new)
    assert not gone, f"no longer a loop, strike off KNOWN_LONGER_LOOPS: {gone}"


def private_imports() -> list[str]:
    """Each name with a leading underscore that one of grants' modules imports from another, as
    `file:line: module.name`. A private name is its module's own business: one that another
    module needs is made public (issue 13: `_group_people`, `_require_gateway`...)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            module = _absolute(relative, node)
            if module != "grants" and not module.startswith("grants."):
                continue
            found += [
                f"grants/{relative}:{node.lineno}: {module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_the_private_name_scan_finds_one(tmp_path, monkeypatch):
    """The scan is not blind: a private name imported from another module, absolute or relative, is listed;
    a public one, a dunder and another package's `_` (gettext) are not."""
    feature = tmp_path / "feature"
    feature.mkdir()
    (feature / "views.py").write_text(
        "from grants.feature.services import _helper, public\nfrom .services import _other\n"
        "from grants import __version__\nfrom flask_babel import gettext as _\n"
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path)
    assert private_imports() == [
        "grants/feature/views.py:1: grants.feature.services._helper",
        "grants/feature/views.py:2: grants.feature.services._other",
    ]


def test_no_module_imports_another_modules_private_names():
    found = private_imports()
    assert not found, f"{len(found)} private names imported from another module:\n" + "\n".join(found)
