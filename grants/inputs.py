"""The one place input is checked for characters nothing should store.

A NUL byte makes PostgreSQL refuse the whole statement (a 500 on any page that saves or looks
up text), and the other control characters are invisible on every page and in every export.
No person types them; they come from broken copy and paste or from someone probing. So every
request's address, query string, form fields (names and values) and upload file names are
checked before any view runs, and a request carrying one is refused with a 400 that says why:
nothing is read or written. Tab, line feed and carriage return are ordinary text and pass.

Request bodies that are not forms (the Stripe webhook's signed JSON) are left to their reader.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map

# The largest amount of money one field or one imported cost may hold: the pence columns are
# 32-bit integers on PostgreSQL (up to £21,474,836.47), and sums of several amounts must fit too.
MAX_PENCE = 1_000_000_000  # £10,000,000

# The largest id an address may name: the id columns are 32-bit integers on PostgreSQL. SQLite's
# driver cannot even send a number past 64 bits (an OverflowError, a 500), so no such number
# should reach a query.
MAX_ID = 2**31 - 1

# C0 controls except tab, line feed and carriage return; DEL; the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# The page says it in the reader's language (a NUL pasted into a Welsh form is refused in Welsh);
# the API's reason is for programs and stays as it is.
TITLE = _l("Something you sent has a character we cannot keep")
ADVICE = _l(
    "What you typed or pasted has an invisible control character in it (such as a NUL byte), "
    "so nothing was saved. Go back, type that text again rather than pasting it, and send the form again."
)
API_REASON = "The address or a query parameter has a control character (such as a NUL byte) in it; remove it."


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number no larger than `MAX_ID`; a larger one is a 404,
    as an id that names nothing is."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:  # fmt: skip
        super().__init__(map, fixed_digits, min, max, signed)


class SiteMap(Map):
    """The URL map every app of ours has: its `int` converter is `IdConverter`."""

    default_converters = {**Map.default_converters, "int": IdConverter}


def is_whole(text: str) -> bool:
    """True if `text` is a whole number in ASCII digits short enough to be an id, points or a place.

    `str.isdigit` alone also accepts "²" and 5,000-digit strings, which `int()` then refuses (a 500).
    """
    return text.isascii() and text.isdigit() and len(text) <= 18


def as_id(text: str) -> int | None:
    """`text` as an id an id column can hold (1 to `MAX_ID`), or None if it cannot be one."""
    return int(text) if is_whole(text) and 0 < int(text) <= MAX_ID else None


def is_lookup_safe(slug: str | None) -> bool:
    """A slug from a URL that can be looked up: PostgreSQL refuses NUL bytes, and slugs are at most 80 characters."""
    return slug is not None and 0 < len(slug) <= 80 and "\x00" not in slug


def has_control(text: str) -> bool:
    """True if `text` has a character no field may hold (see CONTROL)."""
    return CONTROL.search(text) is not None


def _offending() -> bool:
    if has_control(request.path):
        return True
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            if has_control(key) or any(has_control(value) for value in values):
                return True
    return any(
        has_control(key) or has_control(upload.filename or "") for key, upload in request.files.items(multi=True)
    )


def init_app(app: Flask) -> None:
    """Refuse, before any view runs, a request whose text input holds a control character."""

    @app.before_request
    def refuse_control_characters() -> Any:
        if request.endpoint == "stripe_webhook" or not _offending():
            return None
        if request.blueprint == "api":
            return jsonify({"error": "bad_request", "reason": API_REASON}), 400
        return render_template("errors/error.html", code=400, title=TITLE, advice=ADVICE), 400
