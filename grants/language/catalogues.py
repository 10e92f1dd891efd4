"""The translation catalogues on disk: compiled from the committed .po files when stale.

scripts/_setup.sh does this for scripts/run and scripts/test; the test suite's own start does it
too, so a bare `pytest` on a fresh checkout reads the same words."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_stale() -> list[Path]:
    """Compile each language's messages.po whose .mo is missing or older; return those compiled."""
    compiled = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)  # fuzzy entries are left out: unreviewed guesses are not shown
        compiled.append(mo)
    return compiled


def fill(code: str, translations: dict[str, str | list[str]]) -> int:
    """Put translations into a language's messages.po: msgid -> text, or a list of the plural forms.

    Only strings already in the catalogue (run `scripts/translations update` first) are filled;
    returns how many were. A translator's tool (`scripts/translations fill cy words.json`)."""
    po = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for msgid, text in translations.items():
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key != msgid:
                continue
            if message.pluralizable:
                forms = list(text) if isinstance(text, list) else [text] * catalog.num_plurals
                if len(forms) != catalog.num_plurals:
                    raise ValueError(f"{msgid!r}: {len(forms)} forms given, {code} has {catalog.num_plurals}")
                message.string = tuple(forms)
            else:
                message.string = text if isinstance(text, str) else text[0]
            message.flags.discard("fuzzy")
            filled += 1
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True, no_location=True)
    return filled
