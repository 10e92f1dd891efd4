"""Open-data files made by the worker after a change and served as they were stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._base import UTCDateTime


class OpenDataFile(db.Model):
    """One published file (the 360Giving package, its CSV sheets), as last made.

    The database is the source of truth, shared by every app server; each server keeps a
    copy on disk per `etag` to send. `made_at` is when the data it shows was read.
    """

    __tablename__ = "open_data_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # The SHA-256 of `body`, in hex: the file's ETag and the name of each server's copy.
    etag: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<OpenDataFile {self.name} {self.etag[:12]} made {self.made_at:%Y-%m-%d %H:%M}>"
