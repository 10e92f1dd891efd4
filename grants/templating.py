"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates
from flask import Flask
from flask_babel import get_locale

from grants.audit import published_head
from grants.language import LANGUAGES, records, written
from grants.money_format import format_pence


def format_date(value: date | datetime | None) -> str:
    """22 November 2026 (22 Tachwedd 2026 in Welsh): the day, the month's name, the year."""
    if value is None:
        return ""
    return dates.format_date(value, "d MMMM y", locale=get_locale() or "en_GB")


def format_datetime(value: datetime | None) -> str:
    """22 November 2026, 14:05 UTC."""
    if value is None:
        return ""
    return f"{format_date(value)}, {value:%H:%M} UTC"


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["money"] = format_pence
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    # What people wrote, in the reader's language when written in it, else marked with its own lang.
    app.jinja_env.globals["written"] = written.written
    app.jinja_env.globals["text_of"] = written.text_of
    app.jinja_env.globals["written_mark"] = written.mark
    app.jinja_env.globals["other_versions"] = written.others
    app.jinja_env.globals["language_name"] = written.language_name
    # Records (ledger lines, audit entries) worded in the reader's language from their stored parts.
    app.jinja_env.globals["record_words"] = records.in_words
    app.jinja_env.globals["field_id"] = written.field_id
    app.jinja_env.globals["site_languages"] = list(LANGUAGES)
    app.jinja_env.globals["languages_readers_first"] = written.readers_first
    app.jinja_env.globals["shown_language"] = written.shown_language

    app.jinja_env.globals["audit_head"] = published_head  # the audit chain's head, as published
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
