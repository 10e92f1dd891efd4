"""Issue 16: links and caches never trust the request's Host.

Every absolute link is built from SITE_URL ("http://127.0.0.1:5000" in the tests, while the
test client names "localhost"); a request naming
any other host is refused before it reaches a view; the public cache cannot be filled with
pages built for a forged Host or with one entry per made-up query string.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from config import ProductionConfig
from grants import ConfigurationError, create_app
from grants.extensions import cache, db
from grants.models import Notification
from tests import factories
from tests.conftest import CSRF_RE, Client, csrf_token, make_app
from tests.public.test_query_counts import counting

EVIL = "evil.example"
SITE = "http://127.0.0.1:5000"  # TestConfig.SITE_URL
OTHER = "http://localhost:5999"  # a name the app answers to outside production, not SITE_URL


def _post_from(client, base: str, page: str, data: dict):  # noqa: ANN001, ANN202
    """Fetch `page` and post its form, every request naming `base`'s host."""
    html = client.get(page, base_url=base).get_data(as_text=True)
    token = CSRF_RE.search(html).group(1)
    return client.post(page, data={**data, "csrf_token": token}, base_url=base)


def test_a_forged_host_gets_no_reset_link_and_no_mail(client):
    someone = factories.person("Rosa Reset")
    token = csrf_token(client, "/password-reset")
    forged = client.post(
        "/password-reset", data={"email": someone.email, "csrf_token": token}, headers={"Host": EVIL}
    )
    assert forged.status_code == 400
    assert db.session.execute(select(Notification)).scalars().all() == []


def test_a_reset_link_points_at_the_site_address_whichever_host_was_named(client):
    # localhost is a trusted name outside production, so the request gets through: the link
    # must still be built from SITE_URL, not from the Host header.
    someone = factories.person("Rosa Reset")
    response = _post_from(client, OTHER, "/password-reset", {"email": someone.email})
    assert response.status_code == 302
    note = db.session.execute(select(Notification).where(Notification.event == "password_reset")).scalar_one()
    link = note.link or ""
    assert link.startswith((f"{SITE}/password-reset/", "/password-reset/")), link
    assert "localhost" not in link and "5999" not in link


def test_a_panel_invitation_link_points_at_the_site_address(app, client):
    convenor = factories.person("Cai Convenor")
    rnd = factories.open_round(convenor)
    signed_in = _post_from(client, OTHER, "/login", {"email": convenor.email, "password": "correct horse battery"})
    assert signed_in.status_code == 302
    response = _post_from(
        client, OTHER, f"/panel/{rnd.slug}/invite", {"email": "new.member@example.org", "role": "member"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    note = db.session.execute(select(Notification).where(Notification.event == "panel_invitation")).scalar_one()
    assert (note.link or "").startswith((f"{SITE}/panel/join/", "/panel/join/")), note.link
    assert "localhost" not in (note.link or "")


def test_any_other_host_is_refused(client):
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert client.get("/login", headers={"Host": "localhost.evil.example"}).status_code == 400
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "localhost:8080"}).status_code == 200  # the port is not the host


@pytest.fixture
def cached_app(database_url: str, tmp_path) -> Flask:  # noqa: ANN001
    app = make_app(
        database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300
    )
    app.test_client_class = Client
    with app.app_context():
        cache.clear()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_forged_host_cannot_poison_the_kept_feed(cached_app):
    factories.open_round(factories.person(), title="Table of true links")
    attacker = cached_app.test_client()
    forged = attacker.get("/open-data/feed.atom", headers={"Host": EVIL})
    assert forged.status_code == 400
    # A trusted other name gets the same links as everybody: built from SITE_URL.
    other = attacker.get("/open-data/feed.atom", base_url=OTHER).get_data(as_text=True)
    assert "localhost" not in other and f"{SITE}/" in other
    visitor = cached_app.test_client().get("/open-data/feed.atom").get_data(as_text=True)
    assert EVIL not in visitor and "localhost" not in visitor
    assert f"{SITE}/open-data/feed.atom" in visitor


def test_made_up_query_strings_share_one_kept_page(cached_app):
    factories.open_round(factories.person(), title="Table of one render")
    client = cached_app.test_client()
    for url in ("/", "/open-data/feed.atom", "/ledger"):
        assert client.get(url).status_code == 200
        with counting() as seen:
            for n in range(1, 21):
                assert client.get(f"{url}?x={n}").status_code == 200, url
        assert len(seen) == 0, f"{url}: {len(seen)} queries for 20 made-up query strings"
    # The arguments a page does read still make their own page.
    with counting() as seen:
        client.get("/ledger?page=2")
    assert len(seen) > 0


def _production(**overrides):  # noqa: ANN003, ANN202
    from cryptography.fernet import Fernet

    settings = {
        "SECRET_KEY": "kQ2v9-Zr_4tLx8Wm1Pa7Nc3Hd6Yb0Ej5Gs",
        "DATA_KEYS": Fernet.generate_key().decode(),
        "AUDIT_KEY": "an-audit-key-kept-apart-from-the-database-0123",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "RATELIMIT_STORAGE_URI": "memory://",
        "SITE_URL": "https://tables.example.org",
    }
    settings.update(overrides)
    return create_app(ProductionConfig, settings)


def test_production_needs_a_site_address_and_trusts_only_its_host():
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        _production(SITE_URL="")
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        _production(SITE_URL="tables.example.org")
    app = _production()
    assert app.config["TRUSTED_HOSTS"] == ["tables.example.org"]
    client = app.test_client()
    assert client.get("/healthz", base_url="https://127.0.0.1").status_code == 400
    assert client.get("/login", base_url=f"https://{EVIL}").status_code == 400


def test_production_refuses_a_long_secret_key_with_no_randomness():
    with pytest.raises(ConfigurationError, match="not random enough"):
        _production(SECRET_KEY="a" * 36)
    with pytest.raises(ConfigurationError, match="not random enough"):
        _production(SECRET_KEY="abab" * 10)
    _production(SECRET_KEY="x8F2-kq0_Zp7LmW3vBn9Rt5Yc1Hs6Dg4Je0Ua")


def test_forwarded_host_is_never_trusted_behind_the_proxy(database_url):
    app = make_app(database_url, PROXY_FIX_HOPS=1)
    app.test_client_class = Client
    with app.app_context():
        factories.open_round(factories.person(), title="Table behind nginx")
        body = app.test_client().get(
            "/open-data/feed.atom", headers={"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https"}
        )
        assert body.status_code == 200
        assert EVIL not in body.get_data(as_text=True)
        db.engine.dispose()


def test_no_view_builds_a_link_from_the_request_host():
    """A guard for new code: absolute links come from SITE_URL only."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"request\.(host|host_url|url_root|base_url)\b")
    offenders = [
        str(p.relative_to(root))
        for p in [*(root / "grants").rglob("*.py"), *(root / "templates").rglob("*.html")]
        if pattern.search(p.read_text())
    ]
    assert offenders == []



def test_nginx_drops_unknown_hosts_forwards_no_host_and_logs_no_token():
    import pathlib
    import re

    conf = (pathlib.Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "our-tables.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    default = re.search(r"server\s*\{[^}]*default_server[^}]*\}", code)
    assert default and "return 444" in default.group(0)
    assert "X-Forwarded-Host" not in code
    log_format = re.search(r"log_format\s+private\s+'([^']*)'", code).group(1)
    assert "$uri" not in log_format.split() and "$request " not in log_format + " "
    assert "$request_uri" not in log_format and "$args" not in log_format
