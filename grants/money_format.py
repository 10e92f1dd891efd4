"""Money is integer pence; these turn it into words for people and back."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")


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
    """Parse what a person types ("£1,200", "1200.5") into pence; ValueError if it is not money."""
    cleaned = text.strip().replace(",", "").replace(" ", "").removeprefix("£")
    if not _AMOUNT.match(cleaned):
        raise ValueError("Enter an amount in pounds, like 1200 or 1200.50")
    try:
        return int((Decimal(cleaned) * 100).to_integral_exact())
    except InvalidOperation as exc:  # pragma: no cover - the regex already rules this out
        raise ValueError("Enter an amount in pounds, like 1200 or 1200.50") from exc
