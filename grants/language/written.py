"""Showing what people wrote: the reader's language version when there is one, else what was
written, marked with its own `lang` so screen readers and browsers read it in that language."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale, gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from grants.language import DEFAULT, LANGUAGES, chosen


def shown(obj: Any, field: str) -> tuple[str, str]:
    """(text, its language code) of a written field for this reader."""
    if not hasattr(obj, "text_in"):  # something that is not written in languages (a summary row)
        return getattr(obj, field) or "", chosen()
    return obj.text_in(field, chosen())


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def text_of(obj: Any, field: str, limit: int | None = None) -> str:
    """The plain text of a written field for this reader (for a page's <title>, a feed, a file)."""
    return _cut(shown(obj, field)[0], limit)


def mark(text: str, code: str) -> Markup:
    """Text written in `code`, marked with its language when that is not the page's."""
    if code == chosen():
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(code, text)


def written(obj: Any, field: str, limit: int | None = None) -> Markup:
    """A written field for this reader, marked with its language if it is not the page's
    (cut to about `limit` characters, at a word, if given)."""
    text, code = shown(obj, field)
    return mark(_cut(text, limit), code)


def language_name(code: str) -> str:
    """A language's own name (how its speakers look for it)."""
    return LANGUAGES[code][0] if code in LANGUAGES else code


def others(obj: Any) -> list[tuple[str, dict[str, str]]]:
    """The versions of `obj` not in the reader's language (each (code, {field: text})), to offer beside it."""
    first = shown(obj, obj.TEXT_FIELDS[0])[1]
    return [(code, version) for code, version in obj.versions().items() if code != first and any(version.values())]


# Forms: the default language's boxes keep their plain names (title, purpose); each further
# language's are the same names with its code (title_cy), so adding a language adds boxes.
def field_id(field: str, code: str) -> str:
    """The form box (and its id on the page) for `field` in language `code`."""
    return field if code == DEFAULT else f"{field}_{code}"


def versions_from(data: dict[str, Any], fields: tuple[str, ...], languages: list[str]) -> dict[str, dict[str, str]]:
    """The versions a form's data gives, one for each chosen language, in the site's order of languages."""
    chosen_codes = [code for code in LANGUAGES if code in (languages or [DEFAULT])]
    return {code: {field: (data.get(field_id(field, code)) or "").strip() for field in fields} for code in chosen_codes}


def as_form_data(obj: Any) -> dict[str, Any]:
    """A written object's versions as form data (its boxes for each language, and the languages ticked)."""
    data: dict[str, Any] = {"languages": list(obj.languages)}
    for code, version in obj.versions().items():
        for field, text in version.items():
            data[field_id(field, code)] = text
    return data


def missing(
    versions: dict[str, dict[str, str]],
    fields: tuple[str, ...],
    only_one: dict[str, Any],
    in_language: dict[str, Any],
    *,
    every_language: bool = True,
) -> list[tuple[str, str]]:
    """Each empty box of the chosen languages, as (box id, what to write): `only_one`'s words when
    there is one language, `in_language`'s (naming the language) when there are more. With
    every_language False only the first language's boxes must be filled (a draft)."""
    codes = list(versions) if every_language else list(versions)[:1]
    problems = []
    for code in codes:
        for field in fields:
            if not versions[code].get(field):
                if len(versions) == 1:
                    message = gettext(only_one[field])
                else:
                    message = gettext(in_language[field], language=language_name(code))
                problems.append((field_id(field, code), message))
    return problems


def readers_first() -> list[str]:
    """The site's languages, the reader's own first (the boxes a writer fills in first come first)."""
    here = chosen()
    return [here, *(code for code in LANGUAGES if code != here)]


def shown_language(obj: Any) -> str:
    """The language this reader is shown `obj` in (its boxes' ids end in it: title_cy)."""
    return shown(obj, obj.TEXT_FIELDS[0])[1]


def writing_in() -> str:
    """The language code of the words being written now: a notification's recipient's (notify()
    writes each under their locale), else the page's; English outside both.

    Pages keep `chosen()` (shown, mark): Flask-Babel keeps the locale on `g`, which outlives a
    request where an app context was already pushed (tests, commands), so only a forced locale,
    as notify() forces one, is read from Babel."""
    locale = get_locale()
    code = locale.language if locale is not None else DEFAULT
    return code if code in LANGUAGES else DEFAULT


def lazy_text(obj: Any, field: str) -> LazyString:
    """A written field (a table's or a bid's title) chosen when it is put into words, not now:
    in a notice each recipient reads the version in their language when one was written."""
    if not hasattr(obj, "text_in"):
        return LazyString(lambda: getattr(obj, field) or "")
    return LazyString(lambda: obj.text_in(field, writing_in())[0])
