"""Text people write in more than one language: a table's title, purpose and who may apply; a bid.

A row's own text columns hold its text in one language, `language` (the first it is run or
written in; English for everything made before languages were asked). Each further language is
one row of a *_texts table keyed by (owner, language), with the same text columns: adding a
language to the site adds rows, not columns. Nothing is machine translated: a version exists
only if a person wrote it.
"""

from __future__ import annotations

from typing import Any


class WrittenIn:
    """Mixin for a model with `language`, text columns named in TEXT_FIELDS, and `texts` rows."""

    TEXT_FIELDS: tuple[str, ...] = ()
    TEXT_ROW: Any = None  # the model of its further versions' rows
    language: Any
    texts: Any

    @property
    def languages(self) -> list[str]:
        """The languages it is written in: its own first, then each further version's."""
        return [self.language or "en", *(t.language for t in self.texts if t.language != self.language)]

    def version(self, code: str) -> dict[str, str] | None:
        """Its text in language `code` ({field: text}), or None if it has no version in it."""
        if code == (self.language or "en"):
            return {f: getattr(self, f) or "" for f in self.TEXT_FIELDS}
        for row in self.texts:
            if row.language == code:
                return {f: getattr(row, f) or "" for f in self.TEXT_FIELDS}
        return None

    def versions(self) -> dict[str, dict[str, str]]:
        """Every version, its own language first: {code: {field: text}}."""
        return {code: self.version(code) or {} for code in self.languages}

    def text_in(self, field: str, code: str) -> tuple[str, str]:
        """(text, its language): the version in `code` if one was written, else its own language's."""
        own = self.language or "en"
        if code != own:
            for row in self.texts:
                if row.language == code and getattr(row, field):
                    return getattr(row, field), code
        return getattr(self, field) or "", own

    def write_versions(self, versions: dict[str, dict[str, str]]) -> None:
        """Keep exactly these versions ({code: {field: text}}, its own language first)."""
        codes = list(versions)
        if codes[0] != (self.language or "en"):  # English is the column's default: left unnamed when it is
            self.language = codes[0]
        for field in self.TEXT_FIELDS:
            setattr(self, field, versions[codes[0]].get(field, ""))
        if len(codes) == 1 and self.id is None:
            return  # a new row in one language has no further versions to keep
        existing = {row.language: row for row in self.texts}
        rows = []
        for code in codes[1:]:
            row = existing.get(code) or self.TEXT_ROW(language=code)
            for field in self.TEXT_FIELDS:
                setattr(row, field, versions[code].get(field, ""))
            rows.append(row)
        self.texts = rows
