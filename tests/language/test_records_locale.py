"""A record kept in English is written under one locale (grants.language.RECORDS_LOCALE): its sentence
(records.Words.english, which a quorum's reasons go through too) and a count of people in it
(privacy.people_text_in_english). They chose "en_GB" and "en" each on their own (the same English today)."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import get_locale

import grants
from grants import privacy
from grants.language import DEFAULT, RECORDS_LOCALE, babel_locale

PACKAGE = Path(grants.__file__).resolve().parent


def test_every_record_in_english_is_written_under_the_one_locale(app, monkeypatch):
    assert RECORDS_LOCALE == babel_locale(DEFAULT) == "en_GB"
    seen = []
    real = privacy.gettext
    monkeypatch.setattr(privacy, "gettext", lambda *a, **k: seen.append(str(get_locale())) or real(*a, **k))
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        assert privacy.people_text_in_english(3) == "fewer than 5"
    assert seen == [RECORDS_LOCALE]
    # No module picks a locale of its own for a record: each names the one constant (or a person's, `speaking`).
    chosen_here = [
        f"{path.relative_to(PACKAGE)}: {m.group(0)}"
        for path in PACKAGE.rglob("*.py")
        for m in re.finditer(r"force_locale\(\s*[\"'][^\"']*[\"']", path.read_text(encoding="utf-8"))
    ]
    assert chosen_here == [], chosen_here
