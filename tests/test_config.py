"""Configuration: production refuses unsafe settings; URLs from the environment."""

from __future__ import annotations

import importlib

import pytest
from cryptography.fernet import Fernet

import config
from grants import ConfigurationError, create_app

RANDOM_KEY = "Vq3-8dLx_r0TzK5mWp2YhN7bCe4JsG9aFu6"


def _reload(monkeypatch, **env):  # noqa: ANN001, ANN003
    for key in ("SECRET_KEY", "DATABASE_URL", "OUR_TABLES_ENV", "DATA_KEYS", "SITE_URL", "AUDIT_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return importlib.reload(config)


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path):
    cfg = _reload(monkeypatch, OUR_TABLES_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch, OUR_TABLES_ENV="production", SECRET_KEY="short", DATABASE_URL=f"sqlite:///{tmp_path}/p.db"
    )
    with pytest.raises(ConfigurationError, match="32 characters"):
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch, OUR_TABLES_ENV="production", SECRET_KEY="x" * 40, DATABASE_URL=f"sqlite:///{tmp_path}/p.db"
    )
    with pytest.raises(ConfigurationError, match="not random enough"):  # issue 16: long is not enough
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch, OUR_TABLES_ENV="production", SECRET_KEY=RANDOM_KEY, DATABASE_URL=f"sqlite:///{tmp_path}/p.db"
    )
    with pytest.raises(ConfigurationError, match="DATA_KEYS"):  # bank details need their own key
        create_app(cfg.ProductionConfig)
    data_keys = Fernet.generate_key().decode()
    cfg = _reload(
        monkeypatch,
        OUR_TABLES_ENV="production",
        SECRET_KEY=RANDOM_KEY,
        DATA_KEYS=data_keys,
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
    )
    with pytest.raises(ConfigurationError, match="AUDIT_KEY"):  # the audit chain needs its own key
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch,
        OUR_TABLES_ENV="production",
        SECRET_KEY=RANDOM_KEY,
        DATA_KEYS=data_keys,
        AUDIT_KEY="k" * 8,
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
    )
    with pytest.raises(ConfigurationError, match="AUDIT_KEY"):  # too short to be a key
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch,
        OUR_TABLES_ENV="production",
        SECRET_KEY=RANDOM_KEY,
        DATA_KEYS=data_keys,
        AUDIT_KEY="an-audit-key-kept-apart-from-the-database-0123",
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
    )
    with pytest.raises(ConfigurationError, match="SITE_URL"):  # issue 16: links never come from the Host
        create_app(cfg.ProductionConfig)
    cfg = _reload(
        monkeypatch,
        OUR_TABLES_ENV="production",
        SECRET_KEY=RANDOM_KEY,
        DATA_KEYS=data_keys,
        AUDIT_KEY="an-audit-key-kept-apart-from-the-database-0123",
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
        SITE_URL="https://tables.example.org",
    )
    app = create_app(cfg.ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    _reload(monkeypatch)


def test_database_url_from_the_environment_uses_psycopg(monkeypatch):
    cfg = _reload(monkeypatch, DATABASE_URL="postgres://u@db.example/grants")
    assert cfg.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db.example/grants"
    assert cfg.config_from_env() is cfg.Config
    _reload(monkeypatch)


def test_public_pages_are_kept_in_the_shared_redis_in_production_and_can_be_turned_off(monkeypatch):
    cfg = _reload(monkeypatch, OUR_TABLES_ENV="production")
    assert cfg.ProductionConfig.CACHE_TYPE == "RedisCache"
    assert cfg.ProductionConfig.CACHE_REDIS_URL.startswith("redis://")
    assert cfg.ProductionConfig.CACHE_DEFAULT_TIMEOUT == 30
    assert cfg.Config.CACHE_TYPE == "SimpleCache"  # one development server keeps its own
    cfg = _reload(monkeypatch, OUR_TABLES_ENV="production", PUBLIC_CACHE_SECONDS="0")
    # Flask-Caching reads a timeout of 0 as "for ever", so 0 must mean no cache at all.
    assert cfg.ProductionConfig.CACHE_TYPE == cfg.Config.CACHE_TYPE == "NullCache"
    monkeypatch.delenv("PUBLIC_CACHE_SECONDS")
    _reload(monkeypatch)
