"""Money is integer pence; these turn it into words for people and back, in the reader's language.

Babel does both, by the locale of the page (grants/language: en_GB, cy_GB, ...), so that a new
language brings its own way of writing amounts. Records (audit entries, ledger descriptions) are
written in the language of the page they were written from; English and Welsh write amounts alike."""

from __future__ import annotations

import copy
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

CURRENCY = "GBP"


def _locale(locale: str | Locale | None = None) -> Locale:
    """The given locale, else the page's (Flask-Babel's), else en_GB outside the app."""
    if locale is not None:
        return Locale.parse(locale)
    try:
        return get_locale() or Locale.parse("en_GB")
    except RuntimeError:  # no application: a script
        return Locale.parse("en_GB")


def format_pence(pence: int | None, symbol: str = "£", locale: str | Locale | None = None) -> str:
    """£4,200 for whole pounds, £4,200.50 otherwise, minus sign in front when negative, as the
    reader's locale writes it (Babel's currency pattern). symbol="" leaves the currency sign out."""
    if pence is None:
        return ""
    loc = _locale(locale)
    amount = Decimal(int(pence)) / 100
    pattern = loc.currency_formats["standard"]
    if int(pence) % 100 == 0:
        pattern = copy.copy(pattern)
        pattern.frac_prec = (0, 0)  # whole pounds are written without ".00"
    text = pattern.apply(amount, loc, currency=CURRENCY, currency_digits=False)
    if symbol != "£":
        text = text.replace(loc.currency_symbols.get(CURRENCY, "£"), symbol).strip().replace("\xa0", "")
    return text


def format_for_input(pence: int | None, locale: str | Locale | None = None) -> str:
    """An amount as a person would type it back into a form: 1200 or 1200.50 (no sign, no grouping)."""
    if pence is None:
        return ""
    amount = Decimal(int(pence)) / 100
    return format_decimal(amount, format="0" if int(pence) % 100 == 0 else "0.00", locale=_locale(locale))


def _how() -> str:
    return _("Enter an amount in pounds, like %(whole)s or %(pence)s", whole=format_for_input(120000),
             pence=format_for_input(120050))


def parse_pounds(text: str, locale: str | Locale | None = None) -> int:
    """Parse what a person types ("£1,200", "1200.5", "12.50") into pence, by the reader's locale.

    Babel reads the number by the locale's rules (in en_GB and cy_GB a comma groups thousands and a
    full stop starts the pence) and, being strict, refuses a separator in the wrong place ("12,50"
    could mean £12.50 or £1,250): a ValueError says so, in the reader's language, instead of guessing."""
    loc = _locale(locale)
    symbols = loc.number_symbols.get("latn", {})
    decimal, group = symbols.get("decimal", "."), symbols.get("group", ",")
    cleaned = text.strip().removeprefix(loc.currency_symbols.get(CURRENCY, "£")).removeprefix("£").strip()
    allowed = set("0123456789") | {decimal, group}
    if group == "\xa0":  # a person types a plain space where the locale groups with a no-break space
        cleaned = cleaned.replace(" ", "\xa0")
    if not cleaned or not cleaned[0].isdigit() or set(cleaned) - allowed:
        raise ValueError(_how())
    try:
        amount = parse_decimal(cleaned, locale=loc, strict=True)
    except NumberFormatError as exc:
        if exc.suggestions:
            raise ValueError(
                _(
                    "“%(text)s” could mean more than one amount. Use a full stop for pence and commas only "
                    "between thousands, like %(pence)s or %(thousands)s",
                    text=text.strip(),
                    pence=format_decimal(Decimal("12.50"), format="#,##0.00", locale=loc),
                    thousands=format_decimal(1250, locale=loc),
                )
            ) from exc
        raise ValueError(_how()) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(_how())
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError(
            _(
                "Enter pounds and pence with no more than 2 numbers after the full stop, like %(pence)s",
                pence=format_decimal(Decimal("12.50"), format="0.00", locale=loc),
            )
        )
    return int(pence)
