"""Languages: which language each page, e-mail and file is in, and the link that changes it.

English and Welsh ship complete; adding a language is a catalogue under grants/translations/
and one line in LANGUAGES (README: "Adding a language").

A page's language is, in order: the choice made on this visit (the language link; it survives
signing in and out); the signed-in person's own choice, kept on their account so that e-mails and
notifications go out in it too (the link saves it there when they are signed in, and signing in
saves a choice made just before); the browser's Accept-Language on a first visit; English.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from babel import Locale
from babel.lists import format_list
from flask import Blueprint, has_request_context, request, session
from flask_babel import force_locale, get_locale, ngettext
from flask_login import current_user

bp = Blueprint("language", __name__)

# Each language: its code (an ISO 639-1 code, as in <html lang>), its own name (how a speaker
# of it looks for it), and the Babel locale its dates, numbers and money are written in.
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "en_GB"),
    "cy": ("Cymraeg", "cy_GB"),
}
DEFAULT = "en"
# The Babel locale a record is written in English under (an audit entry's summary, a ledger line's
# description, a result's reasons, a count of people in them): one choice for every such record.
RECORDS_LOCALE = LANGUAGES[DEFAULT][1]


def known(code: str | None) -> bool:
    return code in LANGUAGES


def chosen() -> str:
    """The language code of this request (see the module's notes); English outside a request."""
    if not has_request_context():
        return DEFAULT
    if known(session.get("language")):
        return session["language"]
    if current_user.is_authenticated and known(current_user.language):
        return current_user.language
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) or DEFAULT


def locale_for_request() -> str:
    """Flask-Babel's locale selector: the Babel locale of the chosen language.

    Outside a request (a command, a background job, a service called on its own) there is no
    visit to choose from: English, unless the caller forces a person's locale."""
    if not has_request_context():
        return LANGUAGES[DEFAULT][1]
    return LANGUAGES[chosen()][1]


def babel_locale(code: str | None) -> str:
    """The Babel locale of a language code (a person's saved choice), English if unknown."""
    return LANGUAGES[code if known(code) else DEFAULT][1]


def kept_over_new_session() -> dict[str, str]:
    """What of the visit survives the session being cleared at sign-in and sign-out: its language."""
    return {"language": session["language"]} if known(session.get("language")) else {}


def plural_patterns(singular: str, plural: str) -> dict[str, str]:
    """A count's words for each plural category of this page's language, for a script.

    Welsh has six plural forms (zero, one, two, few, many, other); a script picks the category
    with the browser's Intl.PluralRules and puts the number in for "{n}". The patterns come from
    the catalogue through ngettext, so the script holds no words of its own."""
    locale = get_locale()
    return {
        tag: ngettext(singular, plural, n).replace(str(n), "{n}", 1)
        for tag, n in _first_count_of_each_form(str(locale) if locale is not None else None).items()
    }


@functools.cache
def _first_count_of_each_form(locale: str | None) -> dict[str, int]:
    """The smallest count (0-199) in each plural category of `locale`, in the order met: the
    same for every call, so worked out once per language rather than on each page."""
    rule = Locale.parse(locale).plural_form if locale is not None else (lambda n: "one" if n == 1 else "other")
    forms: dict[str, int] = {}
    for n in range(0, 200):
        forms.setdefault(rule(n), n)
    return forms


def joined(items: Iterable[str], style: str = "standard") -> str:
    """Names in a sentence, as the page's language joins them (Babel's CLDR list patterns):
    "A, B and C"; style="or" where it means or ("A, B or C"; Welsh "A, B neu C")."""
    return format_list(list(items), style=style, locale=get_locale() or LANGUAGES[DEFAULT][1])


@contextmanager
def speaking(code: str | None) -> Iterator[None]:
    """Write in the language `code` (a person's saved choice; English if None) inside the block:
    for e-mails and notifications, which go out in the recipient's language, not the sender's."""
    with force_locale(babel_locale(code)):
        yield


def written_in(text: object, code: str | None) -> str:
    """`text` (a string, or a lazy_gettext string with its values) in the language `code`."""
    with speaking(code):
        return str(text)
