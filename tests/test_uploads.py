"""Uploads: size cap, type decided by content, metadata stripped from photos, safe serving."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from grants.core import transaction
from grants.uploads import LIMITS, UploadRefused, save_upload


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (8, 8), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (53.0, 48.0, 0.0), 4: (1.0, 33.0, 0.0)}  # GPSInfo: a place in Leeds
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _file(data: bytes, name: str, mimetype: str = "application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=mimetype)


def test_photo_is_reencoded_without_metadata_and_served_safely(app, client):
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()  # the original carries EXIF
    with transaction():
        upload = save_upload(_file(raw, "../../etc/holiday.JPG"), kind="photo", person_id=None, is_public=True)
    assert upload.content_type == "image/jpeg" and upload.original_name == "etc_holiday.JPG"
    response = client.get(f"/uploads/{upload.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not Image.open(io.BytesIO(response.data)).getexif()


def test_type_comes_from_content_not_name(app):
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(UploadRefused, match="cannot be uploaded here"):
        with transaction():
            save_upload(_file(html, "photo.jpg", "image/jpeg"), kind="photo", person_id=None, is_public=True)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    with pytest.raises(UploadRefused):
        with transaction():
            save_upload(_file(pdf, "receipt.pdf"), kind="photo", person_id=None, is_public=True)
    with transaction():
        receipt = save_upload(_file(pdf, "receipt.png"), kind="receipt", person_id=None, is_public=False)
    assert receipt.content_type == "application/pdf"


def test_private_uploads_are_not_served_publicly(app, client):
    pdf = b"%PDF-1.4\n%%EOF"
    with transaction():
        receipt = save_upload(_file(pdf, "r.pdf"), kind="receipt", person_id=None, is_public=False)
    assert client.get(f"/uploads/{receipt.id}").status_code == 404


def test_size_cap_and_broken_images(app):
    with pytest.raises(UploadRefused, match="too big"):
        with transaction():
            save_upload(
                _file(b"\xff\xd8\xff" + b"0" * LIMITS["photo"], "big.jpg"), kind="photo", person_id=None, is_public=True
            )
    with pytest.raises(UploadRefused, match="not a picture we can read"):
        with transaction():
            save_upload(
                _file(b"\xff\xd8\xff\xe0" + b"garbage" * 20, "broken.jpg"), kind="photo", person_id=None, is_public=True
            )


def test_an_upload_keeps_its_sandbox_and_everything_site_wide(app, client):
    # Issue 16: the site-wide policy used to replace the upload's own, dropping `sandbox`.
    with transaction():
        upload = save_upload(_file(_jpeg_with_gps(), "photo.jpg"), kind="photo", person_id=None, is_public=True)
    policy = client.get(f"/uploads/{upload.id}").headers["Content-Security-Policy"]
    directives = {part.strip().split(" ")[0]: part.strip() for part in policy.split(";")}
    assert "sandbox" in directives
    assert directives["default-src"] == "default-src 'none'"
    assert directives["script-src"] == "script-src 'none'"
    for site_wide in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert site_wide in policy
    # Pages keep the site-wide policy without the sandbox.
    assert "sandbox" not in client.get("/").headers["Content-Security-Policy"]
