"""Security headers on every response, cookie flags in production, throttled sign-in and
password reset, a new session at sign-in, one generic failure message, and `next` kept on site."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from cryptography.fernet import Fernet
from flask import Flask, url_for

from config import ProductionConfig, TestConfig
from grants import create_app
from grants.auth.services import LOGIN_FAILED
from grants.extensions import db
from tests.conftest import Client, csrf_token, login, post_form, text_of
from tests.factories import PASSWORD, person
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import EMAILS, describe


def _check_headers(response, signed_in: bool, where: str) -> None:  # noqa: ANN001
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert directives.get("object-src") == "object-src 'none'", where
    assert directives.get("base-uri") == "base-uri 'none'", where
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", where
    # Issue 16: an uploaded file gets the stricter policy: nothing loads, and it is sandboxed.
    if directives.get("default-src") == "default-src 'none'":
        assert "sandbox" in directives, where
    else:
        assert directives.get("default-src") == "default-src 'self'", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    if signed_in:
        assert response.headers.get("Cache-Control") == "no-store", where


def test_headers_on_every_page_for_anonymous_and_signed_in_people(world_app: Flask) -> None:
    """Every GET route in the matrix, allowed or refused, as nobody and as someone."""
    world = describe(world_app)
    world.extra_token = "nope"  # type: ignore[attr-defined]
    world.reset_token = "nope"  # type: ignore[attr-defined]
    world_app.test_client_class = Client
    anonymous = world_app.test_client()
    convenor = world_app.test_client()
    login(convenor, EMAILS["convenor"], "our-tables-demo")
    checked = 0
    for endpoint, cases in MATRIX.items():
        for item in cases:
            if item.method != "GET":
                continue
            with world_app.test_request_context():
                url = url_for(endpoint, **item.args(world))
            _check_headers(anonymous.get(url), signed_in=False, where=f"{url} anonymous")
            _check_headers(convenor.get(url), signed_in=True, where=f"{url} signed in")
            checked += 1
    _check_headers(anonymous.get("/no-such-page"), signed_in=False, where="404")
    _check_headers(anonymous.post("/groups/new"), signed_in=False, where="csrf refusal")
    assert checked >= 30


def test_public_pages_may_be_cached_when_nobody_is_signed_in(client) -> None:  # noqa: ANN001
    assert client.get("/").headers.get("Cache-Control") != "no-store"


@pytest.fixture
def production_app(tmp_path):  # noqa: ANN001, ANN201
    app = create_app(
        ProductionConfig,
        {
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "DATA_KEYS": Fernet.generate_key().decode(),
            "AUDIT_KEY": "an-audit-key-kept-apart-from-the-database-0123",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SITE_URL": "https://localhost",
        },
    )
    with app.app_context():
        db.create_all()
        yield app
        db.engine.dispose()


def test_production_cookies_are_secure_httponly_and_samesite(production_app: Flask) -> None:
    production_app.test_client_class = Client
    client = production_app.test_client()
    # Production insists on HTTPS: plain HTTP is redirected.
    plain = client.get("/login", base_url="http://localhost")
    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    assert "max-age" in client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    someone = person("Sara Secure")
    page = client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        data={"email": someone.email, "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    flags = {part.strip().lower() for part in session_cookie.split(";")}
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_production_refuses_a_weak_secret_key(tmp_path) -> None:  # noqa: ANN001
    from grants import ConfigurationError

    with pytest.raises(ConfigurationError):
        create_app(ProductionConfig, {"SECRET_KEY": "short", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_throttles_through_redis_by_default() -> None:
    assert ProductionConfig.RATELIMIT_STORAGE_URI.startswith("redis://")
    assert TestConfig.RATELIMIT_STORAGE_URI == "memory://"


# --- sign-in ---------------------------------------------------------------------------


def _attempt(client, email: str, password: str, address: str = "198.51.100.7"):  # noqa: ANN001, ANN202
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_one_generic_message_for_unknown_account_and_wrong_password(client) -> None:  # noqa: ANN001
    someone = person("Gen Eric")
    unknown = _attempt(client, "nobody-here@example.org", "whatever-password")
    wrong = _attempt(client, someone.email, "not the password")
    assert unknown.status_code == wrong.status_code == 400
    assert LOGIN_FAILED in text_of(unknown) and LOGIN_FAILED in text_of(wrong)
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731 - tokens and the typed e-mail differ
    assert strip(unknown) == strip(wrong)


def test_login_is_throttled_per_account_even_from_many_addresses(client) -> None:  # noqa: ANN001
    someone = person("Tom Throttle")
    limit = int(client.application.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for i in range(limit):
        assert _attempt(client, someone.email, "guess", address=f"203.0.113.{i}").status_code == 400
    refused = _attempt(client, someone.email.upper(), "guess", address="203.0.113.200")
    assert refused.status_code == 429
    assert "Too many attempts" in text_of(refused)
    # Even the right password waits: the guesser must not learn it by trying.
    assert _attempt(client, someone.email, PASSWORD, address="203.0.113.201").status_code == 429
    # Another person's account is not affected.
    other = person("Ola Other")
    assert _attempt(client, other.email, PASSWORD, address="203.0.113.202").status_code == 302


def test_login_is_throttled_per_address_across_accounts(client) -> None:  # noqa: ANN001
    limit = int(client.application.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    for i in range(limit):
        assert _attempt(client, f"spray{i}@example.org", "Winter2026!", address="192.0.2.9").status_code == 400
    assert _attempt(client, "spray-last@example.org", "Winter2026!", address="192.0.2.9").status_code == 429
    # Someone on another network can still sign in.
    someone = person("Nia Neighbour")
    assert _attempt(client, someone.email, PASSWORD, address="192.0.2.10").status_code == 302


def test_nobody_can_use_up_someone_elses_password_resets(client, mailbox) -> None:  # noqa: ANN001
    """Issue 16: the reset limit was per account and answered 429, so anyone could ask for a person's
    resets until the person themselves was refused. Now the limit counts e-mails sent to the
    account in the last hour (a link works for an hour) and is never a refusal: whoever asks gets
    the same answer, and the owner always holds a link that works."""
    someone = person("Rae Reset")
    limit = client.application.config["RESET_EMAILS_PER_HOUR"]
    for i in range(limit + 4):  # a stranger, from many networks, asking again and again
        token = csrf_token(client, "/password-reset")
        response = client.post(
            "/password-reset", data={"email": someone.email, "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i + 1}"},
        )  # fmt: skip
        assert response.status_code == 302
    assert len(mailbox.texts_to(someone.email)) == limit  # no flood of e-mails
    # The owner asks too, and is answered as everyone is, not refused.
    asked = post_form(client, "/password-reset", {"email": someone.email}, page="/password-reset")
    assert asked.status_code == 302
    assert "If that address has an account" in text_of(client.get(asked.headers["Location"]))
    # ... and a link already in their inbox lets them in.
    path = re.search(r"(/password-reset/\S+)", mailbox.texts_to(someone.email)[-1]).group(1)
    new = {"password": "a brand new password", "confirm": "a brand new password"}
    done = post_form(client, path, new, page=path)
    assert done.status_code == 302 and done.headers["Location"] == "/me"


def test_password_reset_is_throttled_per_address(client) -> None:  # noqa: ANN001
    limit = int(client.application.config["RESET_LIMIT_PER_ADDRESS"].split()[0])
    for i in range(limit):
        token = csrf_token(client, "/password-reset")
        response = client.post(
            "/password-reset",
            data={"email": f"r{i}@example.org", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "192.0.2.50"},
        )
        assert response.status_code == 302
    token = csrf_token(client, "/password-reset")
    response = client.post(
        "/password-reset",
        data={"email": "last@example.org", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "192.0.2.50"},
    )
    assert response.status_code == 429


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@pytest.mark.skipif(not _redis_up() and not os.environ.get("CI"), reason="no Redis server reachable")
def test_throttle_counts_are_shared_through_redis(tmp_path) -> None:  # noqa: ANN001
    """Two app processes (two workers) share one count in Redis: the limit is not per worker."""
    import redis

    prefix = f"ot-test-{uuid.uuid4().hex}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
    }
    app_a = create_app(TestConfig, settings)
    with app_a.app_context():
        db.create_all()
        email = person("Rita Redis").email
        app_a.test_client_class = Client
        a = app_a.test_client()
        for _ in range(2):
            assert _attempt(a, email, "guess").status_code == 400
    app_b = create_app(TestConfig, settings)
    with app_b.app_context():
        app_b.test_client_class = Client
        b = app_b.test_client()
        assert _attempt(b, email, "guess").status_code == 400
        assert _attempt(b, email, "guess").status_code == 429
        db.engine.dispose()
    server = redis.Redis.from_url(REDIS_URL)
    keys = server.keys(f"*{prefix}*")
    assert keys, "the counts were not kept in Redis"
    server.delete(*keys)


def test_session_is_new_at_sign_in(client) -> None:  # noqa: ANN001
    """Nothing planted in the session before sign-in survives it (session fixation)."""
    someone = person("Fiona Fixation")
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        before = dict(sess)
    login(client, someone.email)
    with client.session_transaction() as sess:
        after = dict(sess)
    assert "planted" not in after
    # Issue 16: the session names the person and their session generation ("id:generation").
    assert after.get("_user_id", "").split(":")[0] == str(someone.id)
    assert after.get("csrf_token") != before.get("csrf_token")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, target: str) -> None:  # noqa: ANN001
    someone = person("Nat Next")
    response = post_form(client, "/login?next=" + target, {"email": someone.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/me"


def test_next_to_a_page_on_this_site_is_followed(client) -> None:  # noqa: ANN001
    someone = person("Nat Local")
    response = post_form(client, "/login?next=/tables", {"email": someone.email, "password": PASSWORD})
    assert response.headers["Location"] == "/tables"
