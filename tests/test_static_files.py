"""The site's own files are fetched once: every link carries a fingerprint of the file's bytes,
the file asked for with it may be kept for a year, and nothing about a static file is personal
(never `no-store`, never a query for the person). grants/static_files.py."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import event

from grants.extensions import db
from grants.static_files import YEAR
from tests import factories
from tests.conftest import login

STATIC = Path(__file__).resolve().parents[1] / "static"


def _links(html: str) -> dict[str, str]:
    """file name -> the fingerprint its link on the page carries."""
    return dict(re.findall(r'(?:href|src)="/static/([\w./-]+)\?v=([0-9a-f]+)"', html))


def test_every_link_to_a_static_file_carries_the_fingerprint_of_its_bytes(client) -> None:
    links = _links(client.get("/login").get_data(as_text=True))
    assert {"site.css", "favicon.svg"} <= set(links)
    for name, version in links.items():
        assert version == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12], name


def test_a_file_asked_for_with_its_fingerprint_is_kept_for_a_year_even_when_signed_in(app, client) -> None:
    login(client, factories.person("Kit Kept").email)
    html = client.get("/me").get_data(as_text=True)
    name, version = "site.css", _links(html)["site.css"]
    response = client.get(f"/static/{name}?v={version}")
    assert response.status_code == 200
    assert response.get_data() == (STATIC / name).read_bytes()
    control = response.cache_control
    assert control.max_age == YEAR and control.public and control.immutable and not control.no_store
    # The page itself is personal: it is still never stored.
    assert client.get("/me").headers["Cache-Control"] == "no-store"


def test_without_its_fingerprint_or_with_an_old_one_a_file_is_checked_each_time(app, client) -> None:
    for url in ("/static/site.css", "/static/site.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.no_cache and response.cache_control.max_age is None, url
        assert response.headers.get("ETag")
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_a_changed_file_gets_a_new_address(tmp_path) -> None:
    """An app whose static folder is the test's own (the site's folder is shared by every worker)."""
    from flask import Flask, url_for

    from grants import static_files

    app = Flask(__name__, static_folder=str(tmp_path))
    static_files.init_app(app)
    path = tmp_path / "changing.txt"
    path.write_text("first")
    with app.test_request_context():
        first = url_for("static", filename=path.name)
        path.write_text("second, longer")
        second = url_for("static", filename=path.name)
    assert first != second
    assert second.endswith("?v=" + hashlib.sha256(b"second, longer").hexdigest()[:12])


def test_serving_a_static_file_to_a_signed_in_person_asks_the_database_nothing(app, client) -> None:
    login(client, factories.person("Quinn Quiet").email)
    version = _links(client.get("/me").get_data(as_text=True))["site.css"]
    db.session.remove()
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - before_cursor_execute's statement
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(f"/static/site.css?v={version}").status_code == 200
        assert client.get("/static/favicon.svg").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []


def test_a_missing_file_or_one_outside_the_folder_is_a_404_and_gets_no_fingerprint(app, client) -> None:
    with app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="no-such-file.css") == "/static/no-such-file.css"
        assert url_for("static", filename="../config.py") == "/static/../config.py"
        assert url_for("static", filename="easy-read") == "/static/easy-read"  # a folder
    assert client.get("/static/no-such-file.css").status_code == 404


def test_other_files_sent_keep_their_own_caching(app, client) -> None:
    """Only the site's own files are kept for a year: a file sent by a view (open data, an
    upload) is never given the static files' year, with or without a `v` in its address."""
    for url in ("/open-data/does-not-matter.json", "/open-data/does-not-matter.json?v=abc"):
        with app.test_request_context(url):
            assert app.get_send_file_max_age("does-not-matter.json") is None
