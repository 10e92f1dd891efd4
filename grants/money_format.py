"""Money is integer pence; these turn it into words for people and back."""

from __future__ import annotations

from babel.numbers import NumberFormatError, parse_decimal

_HOW = "Enter an amount in pounds, like 1200 or 1200.50"


def format_pence(pence: int | None, symbol: str = "£") -> str:
    """£4,200 for whole pounds, £4,200.50 otherwise; minus sign in front when negative."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    if rest:
        return f"{sign}{symbol}{pounds:,}.{rest:02d}"
    return f"{sign}{symbol}{pounds:,}"


def parse_pounds(text: str) -> int:
    """Parse what a person in the UK types ("£1,200", "1200.5", "12.50") into pence.

    Babel reads the number by the en-GB rules (a comma groups thousands, a full stop starts the pence)
    and, being strict, refuses a comma that does not group thousands ("12,50" could mean £12.50 or
    £1,250): a ValueError says so instead of guessing."""
    cleaned = text.strip().removeprefix("£").strip()
    if not cleaned or not cleaned[0].isdigit() or set(cleaned) - set("0123456789,."):
        raise ValueError(_HOW)
    try:
        amount = parse_decimal(cleaned, locale="en_GB", strict=True)
    except NumberFormatError as exc:
        if "," in cleaned and exc.suggestions:
            raise ValueError(
                f"“{text.strip()}” could mean more than one amount. Use a full stop for pence and commas only "
                "between thousands, like 12.50 or 1,250"
            ) from exc
        raise ValueError(_HOW) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(_HOW)
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValueError("Enter pounds and pence with no more than 2 numbers after the full stop, like 12.50")
    return int(pence)
