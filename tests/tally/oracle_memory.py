"""pabutools' answers on the shared Pabulib files, recorded beside the tests.

pabutools is the field's reference implementation and our oracle. On the large files it needs
15-90 s a rule (reading the file alone takes seconds): asked afresh, it was a fifth of the
suite's time. Its answer is a pure function of the file's bytes, of the question asked (the
code of the function that asks it, the text of the test module it is written in, and the
values it reads) and of the versions of pabutools and gmpy2 (and of Python, whose compiled code
is part of the question's key). So each answer is recorded under that key in
`tests/tally/oracle_answers/`, in the repository, and read back by every run on every machine.
Our engine is counted afresh every time: only the oracle's side is recorded, and each test
compares the two exactly as before.

A changed file, a changed question or a new pabutools is another key: the test asks pabutools
and records the new answer beside the old ones, for the change's commit. `OT_ORACLE_FRESH=1`
asks again whatever is recorded and records what it answers; `scripts/oracle-recount` does
that for every question and shows, through git, any answer that came out different (and the
ones no test asks any more). Anyone can recount the record that way.
A question whose function reads a value that cannot be keyed (anything but text, numbers,
paths, tuples of them, and pabutools' own functions and classes, named by where they live since
pabutools' version is in the key) is never recorded: it is asked each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import types
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "oracle_answers"
_PLAIN = (str, int, float, bool, type(None))
ORACLE_PACKAGES = ("pabutools", "gmpy2")  # their versions are part of every key (`question_key`)


@cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _value_key(value: Any) -> str | None:  # noqa: ANN401
    """A stable text for a value the question reads; None if it has none."""
    if isinstance(value, Path):
        return f"file:{_file_digest(str(value))}"
    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, tuple):
        parts = [_value_key(v) for v in value]
        return None if None in parts else "(" + ",".join(parts) + ")"  # type: ignore[arg-type]
    if isinstance(value, (types.FunctionType, type)) and value.__module__.split(".")[0] in ORACLE_PACKAGES:
        # The oracle's own rule (a test that imports it inside the function closes over it):
        # what it does is fixed by its name and the package's version, which is in the key.
        return f"oracle:{value.__module__}.{value.__qualname__}"
    return None


def _code_key(code: types.CodeType) -> str | None:
    """The function's code: its instructions, the names it uses and its constants (nested code too)."""
    consts = []
    for const in code.co_consts:
        key = _code_key(const) if isinstance(const, types.CodeType) else _value_key(const)
        if key is None:
            return None
        consts.append(key)
    return "|".join([code.co_code.hex(), ",".join(code.co_names), ",".join(consts)])


def question_key(ask: Callable[[], Any]) -> str | None:
    """The key of the question `ask` puts: its code, the values it closes over, the versions
    of the oracle; None when a value it reads cannot be keyed."""
    # The whole test module's text too: a helper it calls may have changed.
    parts = [_file_digest(ask.__code__.co_filename), _code_key(ask.__code__)]
    for cell in ask.__closure__ or ():
        parts.append(_value_key(cell.cell_contents))
    if ask.__defaults__:
        parts.append(_value_key(tuple(ask.__defaults__)))
    if None in parts:
        return None
    parts += [version(package) for package in ORACLE_PACKAGES]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()  # type: ignore[arg-type]


def _encode(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((_encode(v) for v in value), key=json.dumps), "frozen": isinstance(value, frozenset)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        # In key order, as sets are: pabutools builds some of its dicts from sets, whose order
        # changes from run to run, and the same answer must be written as the same bytes.
        pairs = sorted(([_encode(k), _encode(v)] for k, v in value.items()), key=lambda pair: json.dumps(pair[0]))
        return {"dict": pairs}
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"an oracle's answer must be sets, lists, dicts, text or numbers, not {type(value).__name__}")


def _decode(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and "set" in value:
        items = [_decode(v) for v in value["set"]]
        items = [frozenset(v) if isinstance(v, set) else v for v in items]
        return frozenset(items) if value["frozen"] else set(items)
    if isinstance(value, dict) and "dict" in value:
        return {_hashable(_decode(k)): _decode(v) for k, v in value["dict"]}
    return value


def _hashable(value: Any) -> Any:  # noqa: ANN401
    return tuple(value) if isinstance(value, list) else value


def _where(ask: Callable[[], Any]) -> str:
    """Where the question is asked, for a person reading the record: the test file and function
    (not the line, which moves when a line above it changes while the question stays the same)."""
    code = ask.__code__
    return f"{Path(code.co_filename).name}::{code.co_qualname}"


def _files(ask: Callable[[], Any]) -> list[str]:
    """The files the question reads (through the paths it closes over), by name."""
    return sorted({cell.cell_contents.name for cell in ask.__closure__ or () if isinstance(cell.cell_contents, Path)})


def remembered(ask: Callable[[], Any]) -> Any:  # noqa: ANN401
    """What `ask()` answers, from the record when the same question was put to the same oracle.

    `ask` takes no argument and returns sets, lists, dicts, text or numbers (project names, not
    pabutools' objects). It must read its file through a `Path` it closes over, so that the
    file's bytes are part of the key."""
    key = question_key(ask)
    if key is None:
        return ask()
    kept = FOLDER / f"{key}.json"
    if kept.exists() and not os.environ.get("OT_ORACLE_FRESH"):
        return _decode(json.loads(kept.read_text())["answer"])
    answer = ask()
    record = {
        "asked in": _where(ask),
        "reads": _files(ask),
        "versions": {package: version(package) for package in ORACLE_PACKAGES},
        "answer": _encode(answer),
    }
    FOLDER.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed, so a worker never reads another's half-written answer. The same
    # answer is written as the same bytes, so a recount that agrees changes nothing git can see.
    with tempfile.NamedTemporaryFile("w", dir=FOLDER, suffix=".tmp", delete=False) as out:
        json.dump(record, out, indent=1, ensure_ascii=False)
        out.write("\n")
    os.chmod(out.name, 0o644)
    os.replace(out.name, kept)
    return answer
