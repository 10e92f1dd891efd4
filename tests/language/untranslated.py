"""Finds words a person reads that are not in a gettext call: in templates and in Python.

Used by tests/language/test_catalogue.py. Templates: the literal HTML between Jinja tags, with
tags, comments, scripts and styles removed, must hold no letters, and the attributes a person
reads (aria-label, title, alt, placeholder) must be empty of words too. Python: the messages of
DomainError, flash, ValidationError, abort, and the labels of form fields, must be gettext calls,
never bare strings or f-strings.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "grants"

_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1>|<[^>]*>", re.S)
_ENTITY = re.compile(r"&[#a-zA-Z0-9]+;")
_READ_ATTR = re.compile(r'\b(aria-label|title|alt|placeholder)="([^"]*)"')
_WORD = re.compile(r"[A-Za-z]{2,}")

_ENV = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def template_words(path: Path) -> list[str]:
    """The bits of bare text a person would read in one template, in order.

    The template's literal parts are joined in order with a mark where each Jinja expression or
    tag was, so a tag split by an expression (`<a href="{{ url }}">`) is still a tag."""
    tree = _ENV.parse(path.read_text(encoding="utf-8"))
    source = "\x00".join(data.data for data in tree.find_all(nodes.TemplateData))
    found = [value.strip() for _name, value in _READ_ATTR.findall(source) if _WORD.search(value)]
    text = _ENTITY.sub(" ", _TAG.sub("\x00", source))
    for part in text.split("\x00"):
        if _WORD.search(part):
            found.append(" ".join(part.split()))
    # Words passed to a macro or joined into a value: `button("Save")`, `hint="Up to " ~ n`.
    for call in tree.find_all(nodes.Call):
        name = getattr(call.node, "name", getattr(call.node, "attr", ""))
        if name in _GETTEXT or name in _NOT_WORDS:
            continue
        for arg in [*call.args, *(k.value for k in call.kwargs)]:
            for const in [arg, *arg.find_all(nodes.Const)] if isinstance(arg, nodes.Concat) else [arg]:
                if isinstance(const, nodes.Const) and _is_sentence(const.value):
                    found.append(const.value)
    for concat in tree.find_all(nodes.Concat):
        found += [c.value for c in concat.nodes if isinstance(c, nodes.Const) and _is_sentence(c.value)]
    return found


# Calls whose string arguments are names, never words a person reads.
_NOT_WORDS = {"url_for", "get", "startswith", "endswith", "replace", "split", "join", "format", "selectattr",
              "rejectattr", "map", "attr", "default", "getattr", "setdefault", "pop", "strftime", "csrf_token",
              "moved"}  # moved(label): looks up a stored timetable change by its (English) record label


def _is_sentence(value: object) -> bool:
    """Words for a person: letters, and a space or a capital (not an id, a class or a field name)."""
    if not isinstance(value, str) or not _WORD.search(value):
        return False
    return " " in value.strip() or value[:1].isupper()


def templates_with_words() -> dict[str, list[str]]:
    result = {}
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        words = template_words(path)
        if words:
            result[str(path.relative_to(TEMPLATES))] = words
    return result


_MESSAGE_CALLS = {"DomainError", "flash", "ValidationError", "abort", "InputError"}
_GETTEXT = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "lazy_ngettext", "pgettext", "plural_patterns"}
_FIELDS = re.compile(r"^[A-Z][A-Za-z]*Field$|^SubmitField$")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_words(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _WORD.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp):  # "..." + "..."
        return _is_words(node.left) or _is_words(node.right)
    return False


def python_words(path: Path) -> list[str]:
    """Bare messages in one module: (line) message, for each call that shows words to a person."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in _GETTEXT:
            continue
        args = list(node.args)
        if name == "append" and len(args) == 1 and isinstance(args[0], ast.Tuple) and len(args[0].elts) == 2:
            where, message = args[0].elts  # problems.append(("field", "What to change")): a message per box
            if isinstance(where, ast.Constant) and _is_words(message):
                found.append(f"{node.lineno}: {ast.unparse(message)[:80]}")
            continue
        if name in _MESSAGE_CALLS or _FIELDS.match(name):
            candidates = args[:1] if name != "abort" else args[1:2]
            candidates += [k.value for k in node.keywords if k.arg in {"message", "description", "label"}]
            found += [f"{node.lineno}: {ast.unparse(c)[:80]}" for c in candidates if _is_words(c)]
    return found


def modules_with_words() -> dict[str, list[str]]:
    result = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tally" in path.parts:  # the engine's words are translated where the site shows them
            continue
        words = python_words(path)
        if words:
            result[str(path.relative_to(ROOT))] = words
    return result
