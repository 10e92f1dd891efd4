"""Every string a person reads is in the catalogue, and every string in the catalogue is in Welsh."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from babel.messages.pofile import read_po

from grants.language import LANGUAGES
from tests.language.untranslated import ROOT, modules_with_words, templates_with_words

NOT_YET = ROOT / "tests" / "language" / "not_yet_translated.txt"


def _not_yet() -> set[str]:
    lines = NOT_YET.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _extracted(tmp_path: Path):  # noqa: ANN202
    """What `scripts/translations extract` finds, read as a catalogue."""
    pot = tmp_path / "messages.pot"
    env = {**os.environ, "OT_POT": str(pot)}
    subprocess.run([str(ROOT / "scripts" / "translations"), "extract"], cwd=ROOT, check=True, env=env)  # noqa: S603
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_string_in_a_gettext_call_has_a_translation_in_every_language(tmp_path):
    extracted = _extracted(tmp_path)
    assert len(extracted) > 0
    for code in LANGUAGES:
        if code == "en":
            continue  # English is the source language: msgid is the English
        with (ROOT / "grants" / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalogue = read_po(handle)
        missing = []
        for message in extracted:
            if not message.id:
                continue
            translated = catalogue.get(message.id)
            strings = translated.string if translated is not None else None
            forms = strings if isinstance(strings, (list, tuple)) else [strings]
            if translated is None or translated.fuzzy or not all(forms) or len(forms) != (
                catalogue.num_plurals if message.pluralizable else 1
            ):
                missing.append(message.id)
        assert missing == [], f"{code}: {len(missing)} strings have no translation, e.g. {missing[:5]}"
        # Placeholders kept: a translation names the same %(name)s as its English.
        problems = [(m.id, [str(e) for e in errs]) for m, errs in catalogue.check() if errs]
        assert problems == []


def test_no_words_a_person_reads_are_outside_a_gettext_call_but_those_still_listed():
    found = {f"templates/{name}" for name in templates_with_words()} | set(modules_with_words())
    listed = _not_yet()
    assert sorted(found - listed) == [], "words outside gettext (wrap them in _(...))"
    assert sorted(listed - found) == [], "these are translated now: take them off not_yet_translated.txt"


def test_the_welsh_catalogue_says_whether_a_welsh_speaker_has_reviewed_it():
    head = (ROOT / "grants/translations/cy/LC_MESSAGES/messages.po").read_text(encoding="utf-8")[:800]
    assert "REVIEW STATUS:" in head
