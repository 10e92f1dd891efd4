"""Accessible charts drawn on the server as SVG.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` (linked by
`aria-labelledby`), and carries the same figures as a data table, which the page shows
beside it. No JavaScript, no inline `style` (the CSP forbids it): only SVG presentation
attributes and classes from the site stylesheet. Shapes also carry text labels and
patterns of line, never colour alone, so charts read in greyscale and in print.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup, escape

from grants.money_format import format_pence

_ids = itertools.count(1)


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG, its title and description, and the data table with the same figures."""

    title: str
    desc: str
    svg: Markup
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    numeric: tuple[bool, ...] = ()


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    uid = next(_ids)
    title_id, desc_id = f"chart-{uid}-title", f"chart-{uid}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif" font-size="14">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 # nosec B704 - every text in it went through escape()


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "chart-label") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}" fill="#1d1d1b">{escape(text)}</text>'


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Money flow: funders -> rounds -> groups -------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Money moved from one named thing to another (pence)."""

    source: str
    target: str
    amount_pence: int


FLOWS_SHOWN = 12  # bars per column; the rest of a column is added together as one bar


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _biggest(sizes: dict[str, int], keep: int, others: str) -> dict[str, str]:
    """Each name to itself if it is among the `keep` biggest, else to one `others` name."""
    if len(sizes) <= keep:
        return {name: name for name in sizes}
    kept = set(sorted(sizes, key=lambda name: (-sizes[name], name))[:keep])
    label = f"{others} ({len(sizes) - keep})"
    return {name: name if name in kept else label for name in sizes}


def _fold(flows: Sequence[Flow], source: dict[str, str], target: dict[str, str]) -> list[Flow]:
    """The flows between the renamed ends, those now between the same two names added together."""
    out: dict[tuple[str, str], int] = {}
    for f in flows:
        key = (source[f.source], target[f.target])
        out[key] = out.get(key, 0) + f.amount_pence
    return [Flow(a, b, amount) for (a, b), amount in out.items()]


def money_flow(given: Sequence[Flow], awarded: Sequence[Flow], keep: int = FLOWS_SHOWN) -> Chart:
    """Funders to tables (money received) and tables to groups (money awarded), as three columns of bars.

    A column of more than `keep` names shows the biggest `keep` and adds the rest together, so the
    picture stays readable (and the page small) with thousands of awards; the open data lists each."""
    title = "Where the money comes from and where it goes"
    total_in = sum(f.amount_pence for f in given)
    total_out = sum(f.amount_pence for f in awarded)
    funders = _ordered(f.source for f in given)
    rounds = _ordered([*(f.target for f in given), *(f.source for f in awarded)])
    groups = _ordered(f.target for f in awarded)
    desc = (
        f"{_plural(len(funders), 'funder')} gave {format_pence(total_in)} to {_plural(len(rounds), 'table')}, "
        f"which awarded {format_pence(total_out)} to {_plural(len(groups), 'group')}."
    )
    if max(len(funders), len(rounds), len(groups)) > keep:
        into, out_of = _sums(given, "target"), _sums(awarded, "source")
        as_funder = _biggest(_sums(given, "source"), keep, "Other funders")
        as_round = _biggest({r: max(into.get(r, 0), out_of.get(r, 0)) for r in rounds}, keep, "Other tables")
        as_group = _biggest(_sums(awarded, "target"), keep, "Other groups")
        folded = {label for names in (as_funder, as_round, as_group) for name, label in names.items() if name != label}

        # The added-up bars and rows go last; everything else keeps its order (sorted is stable).
        given = sorted(_fold(given, as_funder, as_round), key=lambda f: (f.source in folded, f.target in folded))
        awarded = sorted(_fold(awarded, as_round, as_group), key=lambda f: (f.source in folded, f.target in folded))
        funders = sorted(_ordered(as_funder[f] for f in funders), key=lambda name: name in folded)
        rounds = sorted(_ordered(as_round[r] for r in rounds), key=lambda name: name in folded)
        groups = sorted(_ordered(as_group[g] for g in groups), key=lambda name: name in folded)
        desc += (
            f" The picture and the table beside it show the {keep} biggest of each; the rest are added together. "
            "The open data lists every award."
        )
    else:
        desc += " The table beside this picture lists every flow."
    rows = [("Funder to table", f.source, f.target, format_pence(f.amount_pence)) for f in given]
    rows += [("Table to group", f.source, f.target, format_pence(f.amount_pence)) for f in awarded]
    headers = ("Flow", "From", "To", "Amount")
    if not given and not awarded:
        desc = "No money has moved yet."
        body = [_text(10, 30, desc)]
        return Chart(title, desc, _svg(760, 50, title, desc, body, "chart-flow"), headers, rows)

    col_x = (10, 290, 570)
    col_w = 180
    top, gap = 40, 12
    scale_total = max(total_in, total_out, 1)
    height_available = max(24 * max(len(funders), len(rounds), len(groups)), 240)

    def layout(names: list[str], sizes: dict[str, int]) -> dict[str, tuple[float, float]]:
        pos, y = {}, float(top)
        for name in names:
            h = max(18.0, height_available * sizes.get(name, 0) / scale_total)
            pos[name] = (y, h)
            y += h + gap
        return pos

    size_f = _sums(given, "source")
    size_r = {r: max(_sums(given, "target").get(r, 0), _sums(awarded, "source").get(r, 0)) for r in rounds}
    size_g = _sums(awarded, "target")
    pf, pr, pg = layout(funders, size_f), layout(rounds, size_r), layout(groups, size_g)
    height = int(max([y + h for y, h in [*pf.values(), *pr.values(), *pg.values()]], default=top) + 20)
    body = [
        _text(col_x[0], 22, "Funders", css="chart-heading"),
        _text(col_x[1], 22, "Tables", css="chart-heading"),
        _text(col_x[2], 22, "Groups", css="chart-heading"),
    ]
    body += _links(given, pf, pr, col_x[0] + col_w, col_x[1], scale_total, height_available, "chart-link-in")
    body += _links(awarded, pr, pg, col_x[1] + col_w, col_x[2], scale_total, height_available, "chart-link-out")
    for names, pos, x, sizes in (
        (funders, pf, col_x[0], size_f),
        (rounds, pr, col_x[1], size_r),
        (groups, pg, col_x[2], size_g),
    ):
        for name in names:
            y, h = pos[name]
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" class="chart-node" '
                f'fill="#f4f1ea" stroke="#1d1d1b" stroke-width="1.5"/>'
            )
            body.append(_text(x + 6, y + min(h, 40) / 2 + 5, f"{_short(name, 20)} {format_pence(sizes.get(name, 0))}"))
    return Chart(
        title, desc, _svg(760, height, title, desc, body, "chart-flow"), headers, rows, (False, False, False, True)
    )


def _ordered(names) -> list[str]:  # noqa: ANN001
    return list(dict.fromkeys(names))


def _sums(flows: Sequence[Flow], attr: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in flows:
        key = getattr(f, attr)
        out[key] = out.get(key, 0) + f.amount_pence
    return out


def _links(flows, left, right, x1, x2, scale_total, height_available, css) -> list[str]:  # noqa: ANN001
    out, used_l, used_r = [], {}, {}
    for f in flows:
        w = max(2.0, height_available * f.amount_pence / scale_total)
        ly, lh = left[f.source]
        ry, rh = right[f.target]
        y1 = ly + used_l.get(f.source, 0) + w / 2
        y2 = ry + used_r.get(f.target, 0) + w / 2
        used_l[f.source] = used_l.get(f.source, 0) + w
        used_r[f.target] = used_r.get(f.target, 0) + w
        mid = (x1 + x2) / 2
        dash = ' stroke-dasharray="8 4"' if css == "chart-link-out" else ""
        out.append(
            f'<path d="M{x1},{min(y1, ly + lh):.1f} C{mid},{min(y1, ly + lh):.1f} {mid},{min(y2, ry + rh):.1f} '
            f'{x2},{min(y2, ry + rh):.1f}" class="{css}" fill="none" stroke="#1f5c4a" stroke-opacity="0.45" '
            f'stroke-width="{w:.1f}"{dash}><title>{escape(f.source)} to {escape(f.target)}: '
            f"{escape(format_pence(f.amount_pence))}</title></path>"
        )
    return out


# --- Timeline of a round ----------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    """A dated step in a round's timetable."""

    label: str
    when: datetime | date
    note: str = ""


def timeline(round_title: str, milestones: Sequence[Milestone], today: date) -> Chart:
    """A round's timetable on a line, with today marked and changes noted."""
    title = f"Timetable of {round_title}"
    items = sorted(milestones, key=lambda m: _as_date(m.when))
    headers = ("Step", "Date", "Changes")
    rows = [(m.label, _as_date(m.when).strftime("%-d %B %Y"), m.note) for m in items]
    if not items:
        return Chart(title, "No dates set.", _svg(760, 40, title, "No dates set.", [], "chart-timeline"), headers, rows)
    first, last = _as_date(items[0].when), _as_date(items[-1].when)
    span = max((last - first).days, 1)
    passed = sum(1 for m in items if _as_date(m.when) <= today)
    desc = (
        f"{len(items)} steps from {first.strftime('%-d %B %Y')} to {last.strftime('%-d %B %Y')}. "
        f"{passed} of them {'is' if passed == 1 else 'are'} today or earlier. "
        "The table beside this picture lists every date."
    )
    left, right, axis_y = 20, 740, 40
    body = [
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#1d1d1b" '
        'stroke-width="2" class="chart-axis"/>'
    ]

    def x_of(d: date) -> float:
        return left + (right - left) * min(max((d - first).days, 0), span) / span

    for i, m in enumerate(items):
        x = x_of(_as_date(m.when))
        done = _as_date(m.when) <= today
        body.append(
            f'<circle cx="{x:.1f}" cy="{axis_y}" r="7" class="chart-point{" chart-done" if done else ""}" '
            f'fill="{"#1f5c4a" if done else "#ffffff"}" stroke="#1d1d1b" stroke-width="2"/>'
        )
        y = axis_y + 30 + 36 * i
        body.append(
            f'<line x1="{x:.1f}" y1="{axis_y + 8}" x2="{x:.1f}" y2="{y - 14}" stroke="#4a4a48" stroke-dasharray="2 3"/>'
        )
        anchor = "end" if x > (left + right) / 2 else "start"
        label = f"{m.label}: {_as_date(m.when).strftime('%-d %b %Y')}{' (changed)' if m.note else ''}"
        body.append(_text(x, y, label, anchor))
    if first <= today <= last:
        tx = x_of(today)
        body.append(
            f'<line x1="{tx:.1f}" y1="{axis_y - 22}" x2="{tx:.1f}" y2="{axis_y + 22}" stroke="#b3261e" '
            f'stroke-width="3" class="chart-today"/>'
        )
        body.append(_text(tx, axis_y - 26, "Today", "middle"))
    height = axis_y + 30 + 36 * len(items)
    return Chart(title, desc, _svg(760, height, title, desc, body, "chart-timeline"), headers, rows)


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


# --- A round's result: support per proposal and the budget line --------------------------


@dataclass(frozen=True)
class Bar:
    """One proposal in a result chart."""

    label: str
    support: int
    cost_pence: int
    funded: bool


MAX_BARS = 40


def result_support(round_title: str, bars: Sequence[Bar], budget_pence: int, ballots: int | None) -> Chart:
    """Votes per proposal (bars) and, on a second scale, the running cost against the pot (the budget line)."""
    title = f"How each proposal did in {round_title}"
    headers = ("Proposal", "Votes", "Asked for", "Running total of funded", "Outcome")
    running, rows = 0, []
    for b in bars:
        if b.funded:
            running += b.cost_pence
        rows.append(
            (
                b.label,
                str(b.support),
                format_pence(b.cost_pence),
                format_pence(running),
                "Funded" if b.funded else "Not funded",
            )
        )
    funded = [b for b in bars if b.funded]
    desc = (
        f"{len(bars)} proposals in order of support. {len(funded)} funded, costing {format_pence(running)} "
        f"of a pot of {format_pence(budget_pence)}. Solid bars were funded, hatched bars were not. "
        "The table beside this picture has every figure."
    )
    if not bars:
        return Chart(title, desc, _svg(760, 40, title, desc, [], "chart-result"), headers, rows)
    if len(bars) > MAX_BARS:
        # A picture of hundreds of bars helps no one; the table beside it still lists every proposal.
        desc += f" The picture shows the first {MAX_BARS} of {len(bars)}."
        bars = bars[:MAX_BARS]
    top_support = max(max(b.support for b in bars), 1)
    label_w, bar_w, row_h, top = 250, 300, 28, 34
    money_x, money_w = label_w + bar_w + 20, 160
    money_scale = max(budget_pence, running, 1)
    body = [
        '<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1d1d1b" stroke-width="2"/></pattern></defs>',
        _text(label_w, 20, "Votes", css="chart-heading"),
        _text(money_x, 20, "Cost so far", css="chart-heading"),
    ]
    running = 0
    for i, b in enumerate(bars):
        y = top + i * row_h
        w = bar_w * b.support / top_support
        body.append(_text(label_w - 8, y + 17, _short(b.label, 32), "end"))
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'class="{"chart-bar-funded" if b.funded else "chart-bar-unfunded"}" '
            f'fill="{"#1f5c4a" if b.funded else "url(#hatch)"}" stroke="#1d1d1b" stroke-width="1"/>'
        )
        body.append(_text(label_w + w + 4, y + 17, str(b.support)))
        if b.funded:
            running += b.cost_pence
        mw = money_w * running / money_scale
        body.append(
            f'<rect x="{money_x}" y="{y + 8}" width="{mw:.1f}" height="{row_h - 16}" fill="#a7c4b9" '
            f'stroke="#1d1d1b" stroke-width="0.5" class="chart-running"/>'
        )
    bottom = top + len(bars) * row_h
    budget_x = money_x + money_w * budget_pence / money_scale
    body.append(
        f'<line x1="{budget_x:.1f}" y1="{top - 4}" x2="{budget_x:.1f}" y2="{bottom + 4}" stroke="#b3261e" '
        f'stroke-width="3" stroke-dasharray="6 3" class="chart-budget"/>'
    )
    body.append(_text(budget_x, bottom + 22, f"Pot: {format_pence(budget_pence)}", "end"))
    if ballots is not None:
        body.append(_text(label_w, bottom + 22, f"Ballots: {ballots}"))
    return Chart(
        title,
        desc,
        _svg(760, bottom + 32, title, desc, body, "chart-result"),
        headers,
        rows,
        (False, True, True, True, False),
    )
