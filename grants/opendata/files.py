"""The published 360Giving files: made from the database, stored in it, sent from a copy on disk.

Making them reads every award and every payment, which takes seconds on a large site, so it
is done by the worker after a change (grants/opendata/services.py), never for a download. A
download reads one small row (which version is current) and sends that version's copy in
this server's OPEN_DATA_FOLDER (default `instance/open-data/`), written once per version
from the database, so every app server sends the same bytes and gunicorn can use sendfile.
Each file is stored plain and gzipped; a client that accepts gzip gets the smaller one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from grants.caching import GENERATION
from grants.extensions import cache, db
from grants.models import OpenDataFile
from grants.opendata import threesixty
from grants.opendata.csvtext import csv_lines

# An old copy on disk is deleted only once it is this old, so a request that has just looked
# it up can still open it.
KEEP_OLD_COPIES_SECONDS = 120


@dataclass(frozen=True)
class Published:
    """One published file: its stored name, media type and the name it downloads as."""

    name: str
    mimetype: str
    download_name: str


FILES = {
    f.name: f
    for f in (
        Published("360giving.json", "application/json", "our-tables-360giving.json"),
        Published("360giving.csv", "text/csv", "our-tables-360giving-grants.csv"),
        Published("360giving-disbursements.csv", "text/csv", "our-tables-360giving-disbursements.csv"),
    )
}


def make_bodies() -> dict[str, bytes]:
    """Every published file's bytes, from one reading of the grants.

    Call it inside one consistent snapshot (see services.make_open_data_files). Links in the
    files are made from SITE_URL, so they are the same whoever makes them."""
    with current_app.test_request_context("/", base_url=current_app.config["SITE_URL"]):
        items = threesixty.grants()
        package = json.dumps(threesixty.package(items), ensure_ascii=False, indent=1)
        grant_header, grant_rows = threesixty.grant_rows(items)
        payment_header, payment_rows = threesixty.transaction_rows(items)
    return {
        "360giving.json": package.encode(),
        "360giving.csv": "".join(csv_lines(grant_header, grant_rows)).encode(),
        "360giving-disbursements.csv": "".join(csv_lines(payment_header, payment_rows)).encode(),
    }


def store(bodies: dict[str, bytes], made_at: datetime) -> None:
    """Keep each file with its gzip and ETag, inside the caller's transaction.

    A file is replaced only by one made from a later reading, so when two workers make the
    files at once the older reading never overwrites the newer."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for name, body in bodies.items():
        stmt = dialect.insert(OpenDataFile).values(
            name=name,
            etag=hashlib.sha256(body).hexdigest(),
            made_at=made_at,
            body=body,
            body_gzip=gzip.compress(body, compresslevel=9, mtime=0),
        )
        db.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[OpenDataFile.name],
                set_={c: stmt.excluded[c] for c in ("etag", "made_at", "body", "body_gzip")},
                where=OpenDataFile.made_at < stmt.excluded.made_at,
            )
        )


@dataclass(frozen=True)
class Version:
    """Which version of a file is current: its ETag and when it was made."""

    etag: str
    made_at: datetime


def current(name: str) -> Version | None:
    """The stored version of a file (None if never made), without its body.

    Kept in the public-page cache (grants/caching.py) like a page: storing new files is a
    committed use case, which moves the cache on, so every server asks the database again."""
    key = f"open-data:{cache.get(GENERATION) or 0}:{name}"
    found = cache.get(key)
    if found is None:
        row = db.session.execute(
            select(OpenDataFile.etag, OpenDataFile.made_at).where(OpenDataFile.name == name)
        ).first()
        if row is None:
            return None
        found = Version(row.etag, row.made_at)
        cache.set(key, found)
    return found


def made_at() -> datetime | None:
    """When the 360Giving package was last made (None: not yet)."""
    found = current("360giving.json")
    return found.made_at if found else None


def _folder() -> Path:
    return Path(current_app.config.get("OPEN_DATA_FOLDER") or Path(current_app.instance_path) / "open-data")


def local_copy(name: str, etag: str, gzipped: bool) -> Path | None:
    """This server's copy of one version of a file, written from the database the first time.

    None if that version is no longer stored (it was remade meanwhile)."""
    stem, ext = name.rsplit(".", 1)
    folder = _folder()
    path = folder / f"{stem}-{etag}.{ext}{'.gz' if gzipped else ''}"
    if path.exists():
        return path
    column = OpenDataFile.body_gzip if gzipped else OpenDataFile.body
    data = db.session.execute(select(column).where(OpenDataFile.name == name, OpenDataFile.etag == etag)).scalar()
    if data is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then renamed: another worker never sends half a file.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".making-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
    _delete_old_copies(folder, stem, ext, etag)
    return path


def _delete_old_copies(folder: Path, stem: str, ext: str, etag: str) -> None:
    mine = re.compile(rf"^{re.escape(stem)}-([0-9a-f]{{64}})\.{re.escape(ext)}(\.gz)?$")
    old_enough = time.time() - KEEP_OLD_COPIES_SECONDS
    for path in folder.iterdir():
        match = mine.match(path.name)
        if match and match.group(1) != etag:
            try:
                if path.stat().st_mtime < old_enough:
                    path.unlink()
            except FileNotFoundError:  # another worker tidied it first
                pass
