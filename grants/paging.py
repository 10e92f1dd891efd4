"""Long lists shown a page at a time, so a page stays light on a phone and a slow connection (issue 17)."""

from __future__ import annotations

from dataclasses import dataclass

# Rows of each long list on one page: a table with 10,000 proposals stays well under 500 KB.
PER_PAGE = 50


@dataclass(frozen=True)
class Window:
    """Which rows of a long list this page shows (0-based start, end exclusive), and where the others are."""

    number: int
    pages: int
    total: int
    per_page: int = PER_PAGE

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def end(self) -> int:
        return min(self.start + self.per_page, self.total)


def window(total: int, number: int | None, per_page: int | None = None) -> Window:
    """The window of page `number` (1 if missing or out of range) over `total` rows."""
    per_page = per_page or PER_PAGE
    pages = max(1, -(-total // per_page))
    number = number if number and 1 <= number <= pages else 1
    return Window(number=number, pages=pages, total=total, per_page=per_page)
