"""CSV text for the downloads, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):  # noqa: ANN001, ANN201
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):  # e.g. a text in every language: JSON, which a program can read
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The header and then each row as one line of CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()
