"""Configuration read from the environment.

`Config` is development on SQLite in `instance/`; `TestConfig` is what the test suite
uses; `ProductionConfig` refuses to start without a real secret key.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

_DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - a marker that production refuses # nosec B105


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Development defaults: SQLite in instance/, mails and reset links printed to the log."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    # Fernet keys that encrypt bank details at rest, comma-separated, the newest first
    # (grants/secrets_at_rest.py). Required in production; elsewhere derived from SECRET_KEY.
    DATA_KEYS = os.environ.get("DATA_KEYS", "")
    # The key of the audit log's HMAC chain (grants/audit/log.py), kept apart from the database
    # and its backups like DATA_KEYS. Required in production (32+ characters); elsewhere derived
    # from SECRET_KEY. Changing it needs `flask audit rekey` (every published head changes).
    AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
    # Where the private halves of the count keys live (grants/ballots/sealing.py): a folder on the
    # app servers' own disk, outside the database and NEVER backed up; every app server and the
    # worker must see the same folder. Empty: instance/count-keys.
    COUNT_KEY_FOLDER = os.environ.get("COUNT_KEY_FOLDER", "")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'our-tables.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a person reading a long proposal must not lose their form
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    FORCE_HTTPS = False
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SITE_NAME = "Our Tables"
    # A TOML file that replaces the site's note about pay and welfare benefits (issue 20);
    # deploy/benefits-note.example.toml shows the keys. Unset: the wording in grants/panel_pay/benefits.py.
    BENEFITS_NOTE_FILE = os.environ.get("BENEFITS_NOTE_FILE", "")
    CURRENCY = "GBP"

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_LIVEMODE = _bool("STRIPE_LIVEMODE", False)
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # tests point the library at a local fake
    STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
    # Who bears Stripe's processing fees: "round" (they come out of the pot) or "platform".
    STRIPE_FEES_BORNE_BY = os.environ.get("STRIPE_FEES_BORNE_BY", "round")
    # Offer Bacs Direct Debit as well as card on Stripe Checkout.
    STRIPE_ALLOW_BACS = _bool("STRIPE_ALLOW_BACS", True)
    # The most one pledge or one bank transfer in may be, unless a table's convenors set their own
    # (in pence; £250,000 by default). A typo of extra noughts is refused, not shown as received.
    MONEY_IN_CEILING_PENCE = int(os.environ.get("MONEY_IN_CEILING_PENCE", "25000000"))

    # Throttling (Flask-Limiter). Memory is per process: fine for one development server.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Per account (the e-mail address typed) and per network address. A person who mistypes a few
    # times is never blocked; a guesser trying many passwords or many accounts is.
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    # Reset e-mails per account per hour (a reset link works for an hour). Not a lock: once it is
    # reached the answer is the same and nothing more is sent, so the owner still holds a working
    # link from the last hour whoever asked, and nobody can use the limit up against them.
    RESET_EMAILS_PER_HOUR = 3
    RESET_LIMIT_PER_ADDRESS = "20 per hour"
    # Asking for an account sends an e-mail: a few per address typed, a few dozen per network address.
    SIGNUP_LIMIT_PER_ACCOUNT = "3 per 15 minutes"
    SIGNUP_LIMIT_PER_ADDRESS = "20 per hour"
    # Adding group members and table staff by e-mail (the answer is the same whether or not the
    # address has an account, and this keeps anyone from trying addresses by the thousand).
    ADD_PERSON_LIMIT = "30 per hour"

    # How many days a panel invitation's link works (the token expires; a new invitation sends a new one).
    PANEL_INVITATION_DAYS = int(os.environ.get("PANEL_INVITATION_DAYS", "14"))
    # How long an invitation to join a group or help run a table waits for an answer.
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))
    # A signed-in person who does nothing for this long is signed out (warned a few minutes before).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))

    # How long after an award its group's (optional) end-of-grant report falls due; the group
    # can choose a later date itself. On the day, the group's leads get one kind note.
    REPORT_DUE_AFTER_DAYS = int(os.environ.get("REPORT_DUE_AFTER_DAYS", "365"))

    # Public pages kept for everyone who is not signed in (grants/caching.py). With no
    # CACHE_REDIS_URL each process keeps its own; with several app servers set it to the shared
    # Redis, e.g. redis://127.0.0.1:6379/2. Every committed change forgets them at once; the
    # seconds only bound changes made some other way. 0 turns the cache off.
    PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "30"))
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_TYPE = ("RedisCache" if CACHE_REDIS_URL else "SimpleCache") if PUBLIC_CACHE_SECONDS else "NullCache"
    CACHE_DEFAULT_TIMEOUT = PUBLIC_CACHE_SECONDS
    CACHE_KEY_PREFIX = "our-tables:"
    CACHE_NO_NULL_WARNING = True

    # The 360Giving identifier prefix registered for this platform.
    THREESIXTYGIVING_PREFIX = os.environ.get("THREESIXTYGIVING_PREFIX", "360G-ourtables")
    # The 360Giving files are made by the worker this many seconds after a change (so a burst of
    # changes is one remake), stored in the database, and sent from a copy in OPEN_DATA_FOLDER
    # (default instance/open-data/) that each app server writes once per version.
    OPEN_DATA_REMAKE_SECONDS = float(os.environ.get("OPEN_DATA_REMAKE_SECONDS", "10"))
    OPEN_DATA_FOLDER = os.environ.get("OPEN_DATA_FOLDER", "")

    # The site's address, like https://tables.example.org: every absolute link (e-mails, feeds,
    # open data, 360Giving, Stripe return URLs) is built from it, never from the request's Host,
    # and requests naming another host are refused (grants/site.py). scripts/run sets it from
    # its port; required in production.
    SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/")
    # E-mail. With no MAIL_SERVER, mails are printed to the log (development).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # STARTTLS on MAIL_PORT (usually 587)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)  # TLS from the start (usually 465)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Our Tables <no-reply@localhost>")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "20"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))

    # Background jobs (huey). Empty: a SQLite queue in instance/; "redis://host:6379/0" in
    # production, shared by every app server and worker; "immediate": run in-process (tests).
    JOBS_URL = os.environ.get("JOBS_URL", "")
    JOBS_NAME = os.environ.get("JOBS_NAME", "our-tables")
    JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "8"))
    JOBS_BACKOFF_SECONDS = float(os.environ.get("JOBS_BACKOFF_SECONDS", "30"))  # doubles each attempt
    JOBS_LEASE_SECONDS = float(os.environ.get("JOBS_LEASE_SECONDS", "300"))  # a crashed worker's claim expires
    # A .pb file larger than this is read and imported by the worker, not during the request
    # (its page says it is being imported); smaller ones are imported at once.
    PB_IMPORT_INLINE_BYTES = int(os.environ.get("PB_IMPORT_INLINE_BYTES", str(256 * 1024)))

    # Behind nginx (or another proxy) set this to the exact number of proxies in front of
    # the app; unset means X-Forwarded-* headers are ignored, so nobody can forge them.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    # Rate limits (Flask-Limiter, feature/security) read RATELIMIT_STORAGE_URI: with several
    # app servers it must be the shared Redis, e.g. redis://127.0.0.1:6379/1 (see deploy/README.md).


class TestConfig(Config):
    """The test suite: a database URL given by the fixture, fast password hashing."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - the test suite's key, used nowhere else # nosec B105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hashing for tests only # nosec B105
    JOBS_URL = "immediate"  # jobs run in-process at commit, so a test sees their effect at once
    MAIL_SERVER = ""  # mails go to the log unless a test starts its own SMTP server
    PROXY_FIX_HOPS = 0
    CACHE_TYPE = "NullCache"  # every page fresh; tests/public/test_page_cache.py turns it on
    # Not the test client's host ("localhost"), so every test shows links ignore the Host.
    SITE_URL = "http://127.0.0.1:5000"


class ProductionConfig(Config):
    """Production: PostgreSQL, secure cookies, HTTPS, a real secret key or no start."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = _bool("FORCE_HTTPS", True)
    PREFERRED_URL_SCHEME = "https"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")  # required: no guess from the request
    # Counts shared by every gunicorn worker and machine; memory storage would let a guesser
    # multiply the limit by the number of workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    # Shared by every app server, so a change forgets the page everywhere at once.
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "redis://127.0.0.1:6379/2")
    CACHE_TYPE = "RedisCache" if Config.PUBLIC_CACHE_SECONDS else "NullCache"


def config_from_env() -> type[Config]:
    """Pick the configuration class named by OUR_TABLES_ENV (development by default)."""
    name = os.environ.get("OUR_TABLES_ENV", "development").lower()
    return {"production": ProductionConfig, "testing": TestConfig}.get(name, Config)
