"""The site's own files (stylesheet, script, icon): fetched once, not again with every page.

Every link to one carries a fingerprint of its bytes (`/static/site.css?v=3f2a9c1b0d4e`), and a
file asked for with its current fingerprint may be kept by the browser for a year: a changed
file has a new address, so nobody keeps an old stylesheet after a change. (nginx serves the same
files in production, for a week; the new address reaches people at once there too.) Asked for
without it, or with an old one, a file is served as before: checked with the browser each time.

Before this, a browser asked again for all three files with every page, and to a signed-in
person each answer was marked `no-store`, so it came in full each time: on a phone on a slow
connection, three more trips a page. A static file holds nothing personal: it is never marked
`no-store` (grants/security.py) and serving it never loads the person.
"""

from __future__ import annotations

import hashlib
import stat as file_mode
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

YEAR = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    """Fingerprint every `url_for('static', ...)` link and let a fingerprinted file be kept."""
    folder = Path(app.static_folder or "").resolve()

    def current(filename: str) -> str | None:
        path = (folder / filename).resolve()
        if not path.is_relative_to(folder):
            return None
        try:
            found = path.stat()
        except OSError:
            return None  # no such file: the link is built as before, and the request is a 404
        if not file_mode.S_ISREG(found.st_mode):
            return None  # a folder: no bytes to fingerprint
        return _fingerprint(str(path), found.st_mtime_ns, found.st_size)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and (version := current(values.get("filename", ""))):
            values["v"] = version

    as_before = app.get_send_file_max_age  # every other file sent (open data, uploads) keeps its own

    def max_age(filename: str | None) -> int | None:
        if request.endpoint != "static" or filename is None:
            return as_before(filename)
        version = request.args.get("v")
        fresh = version is not None and version == current(filename)
        return YEAR if fresh else as_before(filename)  # as before: the browser checks the file each time (ETag)

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]

    @app.after_request
    def immutable(response: Response) -> Response:
        # A reload need not ask again either: this address always names these bytes.
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.immutable = True
        return response


@lru_cache(maxsize=64)
def _fingerprint(path: str, _mtime_ns: int, _size: int) -> str:
    """The first 12 hex digits of the file's SHA-256: read again only when the file changes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
