"""Small-number suppression: the one rule for every public figure about people.

A count of people (panel members, voters, recusals, reflections) is published only when
it covers at least `MIN_PEOPLE` people, or none (0 says nothing of anyone); otherwise a
reader could work out who is who.
Shares are suppressed too when their complement is small (7 members, 6 with lived
experience, tells a reader that exactly one has not).
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from grants.language import RECORDS_LOCALE
from grants.language.records import Words

MIN_PEOPLE = 5


def people_count(count: int | None) -> int | None:
    """The count if it may be published (no one, or at least MIN_PEOPLE people), else None."""
    if count is None or 0 < count < MIN_PEOPLE:
        return None
    return count


def people_part(part: int, total: int) -> int | None:
    """A part of a group of people, published only if the whole, the part and the rest are all safe.

    A part of 0 or the whole is safe when the total is: it says something about everyone, not someone.
    """
    if people_count(total) is None:
        return None
    if part in (0, total):
        return part
    if part < MIN_PEOPLE or total - part < MIN_PEOPLE:
        return None
    return part


def people_text(count: int | None) -> str:
    """How a count of people reads in public: the number (0 too), or 'fewer than 5' (in the reader's language)."""
    shown = people_count(count)
    return gettext("fewer than %(num)s", num=MIN_PEOPLE) if shown is None else str(shown)


def people_text_in_english(count: int | None) -> str:
    """The same for a record kept in English (a ledger line's description, an audit entry's summary)."""
    with force_locale(RECORDS_LOCALE):
        return people_text(count)


def people_words(count: int | None) -> str | Words:
    """The same as a part of a record's sentence (grants/language/records.py): the number, or 'fewer than 5'
    put into each reader's words when read (the count itself is not kept)."""
    shown = people_count(count)
    return Words("fewer than %(num)s", num=MIN_PEOPLE) if shown is None else str(shown)
