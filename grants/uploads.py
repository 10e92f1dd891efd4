"""Saving and serving uploads safely.

- A size cap per kind (and MAX_CONTENT_LENGTH for the whole request).
- The type is decided from the content, never from the name or the browser's claim.
- Photos are decoded and re-encoded with Pillow, which proves they are images and drops
  metadata such as GPS positions that could show where someone lives.
- Files are stored under random names outside the static folder and served with their
  checked content type, `nosniff`, and as attachments unless they are images.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

import filetype
from flask import current_app, g, send_file
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from grants.core import DomainError
from grants.extensions import db
from grants.models.uploads import Upload

PHOTO_TYPES = {"image/jpeg": ("JPEG", ".jpg"), "image/png": ("PNG", ".png"), "image/webp": ("WEBP", ".webp")}
RECEIPT_TYPES = {**PHOTO_TYPES, "application/pdf": (None, ".pdf")}
# An end-of-grant report may come in the group's own format: a document, pictures, a voice note.
REPORT_TYPES = {
    **RECEIPT_TYPES,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (None, ".docx"),
    "application/vnd.oasis.opendocument.text": (None, ".odt"),
    "audio/mpeg": (None, ".mp3"),
    "audio/x-m4a": (None, ".m4a"),
}
LIMITS = {"photo": 5 * 1024 * 1024, "receipt": 5 * 1024 * 1024, "report": 5 * 1024 * 1024}
MAX_PIXELS = 40_000_000  # refuse decompression bombs


class UploadRefused(DomainError):
    """The file is too big or not a kind we accept."""


def upload_dir() -> Path:
    """Where uploads live (instance/uploads unless UPLOAD_FOLDER is set)."""
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read_capped(file: FileStorage, limit: int) -> bytes:
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(f"That file is too big. The limit is {limit // (1024 * 1024)} MB.")
    if not data:
        raise UploadRefused("That file is empty. Choose the file again.")
    return data


def _clean_image(data: bytes, mime: str) -> bytes:
    fmt = PHOTO_TYPES[mime][0]
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            clean = img.copy()
            # A copy with no `info` is saved without EXIF, XMP or text chunks: no location or camera data.
            clean.info = {}
            out = io.BytesIO()
            clean.save(out, format=fmt)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UploadRefused("That file is not a picture we can read. Use a JPEG, PNG or WebP image.") from exc


def save_upload(file: FileStorage | None, *, kind: str, person_id: int | None, is_public: bool) -> Upload:
    """Check and store an uploaded file inside the caller's transaction."""
    if file is None or not file.filename:
        raise UploadRefused("Choose a file to upload.")
    allowed = {"photo": PHOTO_TYPES, "report": REPORT_TYPES}.get(kind, RECEIPT_TYPES)
    data = _read_capped(file, LIMITS[kind])
    guess = filetype.guess(data)
    mime = guess.mime if guess else None
    if mime not in allowed:
        kinds = {
            "photo": "a JPEG, PNG or WebP image",
            "report": "a PDF, Word or OpenDocument file, an MP3 or M4A recording, or a JPEG, PNG or WebP image",
        }.get(kind, "a PDF or a JPEG, PNG or WebP image")
        raise UploadRefused(f"That kind of file cannot be uploaded here. Use {kinds}.")
    if mime in PHOTO_TYPES:
        data = _clean_image(data, mime)
    stored = secrets.token_hex(16) + allowed[mime][1]
    (upload_dir() / stored).write_bytes(data)
    upload = Upload(
        kind=kind,
        stored_name=stored,
        content_type=mime,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=secure_filename(file.filename)[:200] or "file",
        is_public=is_public,
        uploaded_by_id=person_id,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def send_upload(upload: Upload):  # noqa: ANN201
    """Serve a stored upload with its checked type; non-images download rather than open."""
    inline = upload.content_type in PHOTO_TYPES
    # Read into memory (uploads are capped at a few MB), so no file handle outlives the request.
    response = send_file(
        io.BytesIO((upload_dir() / upload.stored_name).read_bytes()),
        mimetype=upload.content_type,
        as_attachment=not inline,
        download_name=upload.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The site-wide headers are set after this (flask-talisman); grants/security.py sees this
    # mark and sends UPLOAD_CSP: the site's policy, tightened, with `sandbox`.
    g.upload_sandbox = True
    return response
