"""Records (ledger lines, audit entries) put into words in the reader's language.

A record keeps the English sentence written when it happened (the ledger's `description`, the
audit entry's `summary`, which its seal covers), and beside it the parts that sentence was made
from: the English message, marked for translation with `N_`, and its values (`Words.stored()`).
A page words the record again from those parts, through gettext, in its own language:

- an amount (`Money`) is written by Babel in the page's locale;
- a table's or a bid's name (`Named`) is its version in the reader's language when one was
  written, else its first, marked with that language's `lang`;
- what a person typed (`Typed`, a hold's reason) is shown as typed, marked with its language when
  known;
- a name from the catalogue (`Label`, a table's step, a rate's unit) is put into the reader's words;
- a date (`Day`) is written by Babel in the page's language;
- a sentence inside the sentence (`Words`, a quorum reason, a tie-break's note) is worded the same way;
- a list (`Listed`) is joined in the reader's language ("A, B and C", "A, B a(c) C": CLDR's list
  patterns), or one after another with its separator ("; " between reasons, " " between sentences);
- anything else (a group's or a funder's name, a reference) is a name, shown as it is.
A count's sentence is made with `counted(singular, plural, num, ...)`, read through ngettext.

A record written before the parts were kept (or whose parts cannot be read) is shown as it was
written, in English, marked `lang="en"`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date, get_translations, gettext
from markupsafe import Markup, escape

from grants.language import DEFAULT, RECORDS_LOCALE, chosen, joined, known
from grants.money_format import format_pence

# The newest shape of the stored parts; a record in a shape this code does not know is shown as written.
# Shape 2 added a sentence inside a sentence (`Words` as a value) and lists (`Listed`); a record whose
# parts have neither is still kept in shape 1, which code from before shape 2 reads as it always did.
SHAPE = 2
READABLE = (1, 2)
DEEPEST = 8  # how many sentences and lists inside one another a reader follows; deeper is shown as written


@dataclass(frozen=True)
class Money:
    """An amount in pence, written in the reader's locale."""

    pence: int


@dataclass(frozen=True)
class Named:
    """The name of something written in languages (a table, a bid): each version, first language first."""

    texts: Mapping[str, str]

    @classmethod
    def of(cls, obj: Any, field: str = "title") -> Named:  # noqa: ANN401 - a Round or a Proposal
        """Every written version of `obj`'s `field` (its first language first)."""
        versions = obj.versions() if hasattr(obj, "versions") else {DEFAULT: {field: getattr(obj, field)}}
        return cls({code: v.get(field) or "" for code, v in versions.items() if v.get(field)})


@dataclass(frozen=True)
class Label:
    """An English name from the catalogue (marked with N_ where it is defined), put into the reader's words."""

    message: str


@dataclass(frozen=True)
class Day:
    """A date, written in the reader's language (6 December 2026, 6 Rhagfyr 2026)."""

    day: date


@dataclass(frozen=True)
class Typed:
    """Free text a person typed, in the language they wrote it in (None when not known)."""

    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Listed:
    """Parts in a row: joined as the reader's language joins a list ("A, B and C") when `sep` is None,
    else one after another with `sep` between them ("; " between reasons, " " between sentences)."""

    items: tuple[Any, ...]
    sep: str | None = None


def typed(text: str) -> Typed:
    """Text typed on this request's page: in the page's language, as far as anyone can tell (outside a
    request, a command or the demo, the site works in English, grants.language.chosen)."""
    return Typed(text, chosen())


class Words:
    """A record's sentence as its parts: an English message marked with N_ and its values."""

    def __init__(self, message: str, **values: Any) -> None:  # noqa: ANN401
        self.message = message
        self.values = values
        self.plural: str | None = None
        self.num: int | None = None

    def _parts(self) -> dict[str, Any]:
        parts = {"message": self.message, "values": {k: _store(v) for k, v in self.values.items()}}
        if self.plural is not None:
            parts |= {"plural": self.plural, "num": self.num}
        return parts

    def stored(self) -> dict[str, Any]:
        """The parts as JSON, to keep beside the English sentence (in shape 1 when they fit it)."""
        parts = self._parts()
        nested = any(isinstance(v, dict) and ("words" in v or "list" in v) for v in parts["values"].values())
        return {"shape": SHAPE if nested else 1} | parts

    def english(self) -> str:
        """The sentence in English, as the record keeps it."""
        message = self.message if self.plural is None or self.num == 1 else self.plural
        with force_locale(RECORDS_LOCALE):
            values = {k: _plain(_store(v), DEFAULT) for k, v in self.values.items()}
            return message % ({"num": self.num} | values if self.plural is not None else values)

    def read(self, code: str) -> str:
        """The sentence as plain text in the language `code` (a notice's recipient's: grants.language.written
        .writing_in), under the locale in force."""
        return in_plain_words(self.stored(), self.english(), code)

    def __str__(self) -> str:
        return self.english()


def counted(singular: str, plural: str, num: int, **values: Any) -> Words:  # noqa: ANN401
    """A record's sentence about a count (`%(num)d` in it), read through ngettext (Welsh has six forms).
    Extracted like ngettext (scripts/translations: `-k counted:1,2`)."""
    words = Words(singular, **values)
    words.plural, words.num = plural, int(num)
    return words


def _store(value: Any) -> Any:  # noqa: ANN401
    if isinstance(value, Label):
        return {"label": value.message}
    if isinstance(value, Day):
        return {"day": value.day.isoformat()}
    if isinstance(value, Money):
        return {"pence": int(value.pence)}
    if isinstance(value, Named):
        return {"texts": dict(value.texts)}
    if isinstance(value, Typed):
        return {"typed": value.text, "lang": value.lang if known(value.lang) else None}
    if isinstance(value, Words):
        return {"words": value._parts()}
    if isinstance(value, Listed):
        return {"list": [_store(v) for v in value.items], "sep": value.sep}
    return "" if value is None else str(value)


def _fits(parts: Any) -> bool:  # noqa: ANN401 - JSON read back
    """Whether stored parts have a message and values this code can word (their shape aside)."""
    if not isinstance(parts, dict):
        return False
    if not isinstance(parts.get("message"), str) or not isinstance(parts.get("values"), dict):
        return False
    return "plural" not in parts or (isinstance(parts["plural"], str) and type(parts.get("num")) is int)


def _inner(value: dict[str, Any], depth: int) -> Any:  # noqa: ANN401
    """A sentence's or a list's stored parts, checked before they are worded (else ValueError: shown as written)."""
    if depth >= DEEPEST:
        raise ValueError("parts nested too deep")
    if "words" in value:
        if not _fits(value["words"]):
            raise ValueError("a sentence inside that cannot be worded")
        return value["words"]
    if not isinstance(value["list"], list) or not isinstance(value.get("sep"), str | None):
        raise ValueError("a list that cannot be worded")
    return value["list"]


def _pick(texts: Mapping[str, str], code: str) -> tuple[str, str]:
    """(text, its language): the reader's version when written, else the first."""
    if texts.get(code):
        return texts[code], code
    for other, text in texts.items():
        return text, other if known(other) else DEFAULT
    return "", code


def _plain(value: Any, code: str, depth: int = 0) -> str:  # noqa: ANN401
    if isinstance(value, dict):
        if "words" in value:
            parts = _inner(value, depth)
            return _message(parts) % _values(parts, {k: _plain(v, code, depth + 1) for k, v in parts["values"].items()})
        if "list" in value:
            items = [_plain(v, code, depth + 1) for v in _inner(value, depth)]
            return value["sep"].join(items) if value.get("sep") is not None else joined(items)
        if "label" in value:
            return gettext(str(value["label"]))
        if "day" in value:
            return format_date(date.fromisoformat(str(value["day"])), "d MMMM y")
        if "pence" in value:
            return format_pence(int(value["pence"]))
        if "texts" in value:
            return _pick(value["texts"], code)[0]
        if "typed" in value:
            return str(value["typed"])
    return str(value)


def _marked(value: Any, code: str, depth: int = 0) -> Markup:  # noqa: ANN401
    if isinstance(value, dict):
        if "words" in value:
            parts = _inner(value, depth)
            marked = {k: _marked(v, code, depth + 1) for k, v in parts["values"].items()}
            return escape(_message(parts)) % _values(parts, marked)
        if "list" in value:
            items = [_marked(v, code, depth + 1) for v in _inner(value, depth)]
            return escape(value["sep"]).join(items) if value.get("sep") is not None else _joined_marked(items)
        if "texts" in value:
            text, lang = _pick(value["texts"], code)
            return _span(text, lang, code)
        if "typed" in value:
            return _span(str(value["typed"]), value.get("lang"), code)
    return escape(_plain(value, code))


def _joined_marked(items: list[Markup]) -> Markup:
    """Marked parts joined as the reader's language joins a list: the language's pattern, escaped, with
    each part put in its place (a part's own text is never read as a place)."""
    pieces = re.split("\x00([0-9]+)\x00", joined([f"\x00{i}\x00" for i in range(len(items))]))
    return Markup("").join(items[int(piece)] if i % 2 else escape(piece) for i, piece in enumerate(pieces))


def _span(text: str, lang: str | None, code: str) -> Markup:
    if not lang or lang == code or not known(lang):
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(lang, text)


def _readable(parts: Any) -> dict[str, Any] | None:  # noqa: ANN401
    """The stored parts if this code can word them, else None (then the English sentence is shown)."""
    if not isinstance(parts, dict) or parts.get("shape") not in READABLE or not _fits(parts):
        return None
    return parts


def _message(parts: dict[str, Any]) -> str:
    """The stored message in the reader's language (a count's through ngettext, which puts in `num`)."""
    if "plural" in parts:  # the catalogue's form for this count, not yet filled in (flask_babel's would be)
        return get_translations().ungettext(parts["message"], parts["plural"], parts["num"])
    return gettext(parts["message"])


def _values(parts: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {"num": parts["num"]} | values if "plural" in parts else values


def in_words(parts: Any, english: str) -> Markup:  # noqa: ANN401 - JSON read back
    """A record for a page in the reader's language: worded from its parts, or the stored English
    sentence marked `lang="en"` (an old record) on a page in another language."""
    code = chosen()
    found = _readable(parts)
    if found is not None:
        try:
            values = {k: _marked(v, code) for k, v in found["values"].items()}
            return escape(_message(found)) % _values(found, values)
        except (KeyError, ValueError, TypeError):
            pass  # a message and values that do not fit: show what was written
    return _span(english or "", DEFAULT, code)


def in_plain_words(parts: Any, english: str, code: str | None = None) -> str:  # noqa: ANN401
    """A record as plain text in the reader's language (a feed; `code` a notice's recipient's), or the
    stored English sentence."""
    code = code or chosen()
    found = _readable(parts)
    if found is not None:
        try:
            values = {k: _plain(v, code) for k, v in found["values"].items()}
            return _message(found) % _values(found, values)
        except (KeyError, ValueError, TypeError):
            pass
    return english or ""
