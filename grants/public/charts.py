"""Accessible charts drawn on the server as SVG.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` (linked by
`aria-labelledby`), and carries the same figures as a data table, which the page shows
beside it. No JavaScript, no inline `style` (the CSP forbids it): only SVG presentation
attributes and classes from the site stylesheet. Shapes also carry text labels and
patterns of line, never colour alone, so charts read in greyscale and in print.

A name written in another language than the page (a table's or a bid's, given as a `Name`)
carries its `lang` (and SVG 1.1's `xml:lang`) on its `<text>`, as in the table beside the chart,
so a screen reader reads it in that language. The chart's title and description are whole
sentences in the page's language (an SVG <title> holds text only: nothing inside it can be marked).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from babel import dates
from flask_babel import get_locale, gettext, ngettext
from markupsafe import Markup, escape

from grants.language import chosen, known
from grants.money_format import format_pence

_ids = itertools.count(1)


class Name(str):
    """A name as a chart shows it (a str), with the language it is written in when known."""

    lang: str | None

    def __new__(cls, text: str, lang: str | None = None) -> Name:
        made = super().__new__(cls, text)
        made.lang = lang if known(lang) else None
        return made


def _lang_of(text: str) -> str | None:
    """The language of a name when it is not the page's (then it must be marked), else None."""
    lang = getattr(text, "lang", None)
    return lang if lang and lang != chosen() else None


def _lang_attrs(lang: str | None) -> str:
    return f' lang="{lang}" xml:lang="{lang}"' if lang else ""


def _cell(text: str) -> str | Markup:
    """A name for the data table beside a chart, marked with its language when it is not the page's."""
    lang = _lang_of(text)
    return Markup('<span lang="{}">{}</span>').format(lang, text) if lang else text


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG, its title and description, and the data table with the same figures."""

    title: str
    desc: str
    svg: Markup
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    numeric: tuple[bool, ...] = ()
    narrow: Markup | None = None  # the same picture laid out for a phone (bigger text, labels above bars)


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    uid = next(_ids)
    title_id, desc_id = f"chart-{uid}-title", f"chart-{uid}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'viewBox="-8 -6 {width + 16} {height + 12}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif" font-size="14">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 # nosec B704 - every text in it went through escape()


def _text(
    x: float,
    y: float,
    text: str,
    anchor: str = "start",
    css: str = "chart-label",
    bold: bool = False,
    lang: str | None = None,
) -> str:
    # A white outline behind the letters keeps a figure readable where it crosses a line.
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}" fill="#1d1d1b"{weight}{_lang_attrs(lang)} '
        f'paint-order="stroke" stroke="#ffffff" stroke-width="3" stroke-linejoin="round">{escape(text)}</text>'
    )


def _tooltip(name: str) -> str:
    """A shape's <title>: its full name, marked with its language when it is not the page's."""
    return f"<title{_lang_attrs(_lang_of(name))}>{escape(name)}</title>"


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CHAR_PX = 8.2  # a generous width of one character at the charts' 14 px, so a shortened label always fits


def _fit(text: str, width: float) -> str:
    """The text, shortened with an ellipsis so that it fits in `width` pixels at 14 px."""
    return _short(text, max(int(width // CHAR_PX), 4))


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """The text in at most `lines` lines that each fit `width` pixels, broken between words; the last shortened."""
    per_line = max(int(width // CHAR_PX), 4)
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= per_line:
            line += " " + words.pop(0)
        if len(line) > per_line:  # one very long word: leave it to the shortening below
            words.insert(0, line)
            break
        out.append(line)
    if words:
        out.append(_fit(" ".join(words), width))
    return out


NARROW_W = 360  # drawn at about its own size on a 390 px phone, so 14 px text stays 14 px


# --- Money flow: funders -> rounds -> groups -------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Money moved from one named thing to another (pence)."""

    source: str
    target: str
    amount_pence: int


FLOWS_SHOWN = 12  # bars per column; the rest of a column is added together as one bar


def _day(d: date) -> str:
    """22 November 2026, with the month's name in the page's language."""
    return dates.format_date(d, "d MMMM y", locale=get_locale() or "en_GB")


def _short_day(d: date) -> str:
    """22 Nov 2026 (22 Tach 2026 in Welsh): the month's short name in the page's language."""
    return dates.format_skeleton("dMMMy", d, locale=get_locale() or "en_GB")


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


@dataclass(frozen=True)
class OtherGroups:
    """Groups a query has already added together (the smallest, past the `keep` biggest), so the
    thousands of awards of one big table are not read one by one: how many, the table, and the sum."""

    count: int
    source: str
    amount_pence: int


def money_flow(
    given: Sequence[Flow], awarded: Sequence[Flow], keep: int = FLOWS_SHOWN, other_groups: OtherGroups | None = None
) -> Chart:
    """Funders to tables (money received) and tables to groups (money awarded), as three columns of bars.

    A column of more than `keep` names shows the biggest `keep` and adds the rest together, so the
    picture stays readable (and the page small) with thousands of awards; the open data lists each.
    `other_groups` is that adding-up of the groups column done already (queries.round_money_flows):
    `awarded` is then the `keep` biggest, and the picture is the same as from every award."""
    title = gettext("Where the money comes from and where it goes")
    total_in = sum(f.amount_pence for f in given)
    funders = _ordered(f.source for f in given)
    group_count = len(_ordered(f.target for f in awarded))
    already: set[str] = set()  # a bar added up by the query
    if other_groups is not None and other_groups.count:
        label = f"{gettext('Other groups')} ({other_groups.count})"
        awarded = [*awarded, Flow(other_groups.source, label, other_groups.amount_pence)]
        group_count += other_groups.count
        already = {label}
    groups = _ordered(f.target for f in awarded)
    total_out = sum(f.amount_pence for f in awarded)
    rounds = _ordered([*(f.target for f in given), *(f.source for f in awarded)])
    desc = " ".join(
        (
            ngettext("%(num)d funder gave %(amount)s", "%(num)d funders gave %(amount)s", len(funders),
                     amount=format_pence(total_in)),
            ngettext("to %(num)d table,", "to %(num)d tables,", len(rounds)),
            ngettext("which awarded %(amount)s to %(num)d group.", "which awarded %(amount)s to %(num)d groups.",
                     group_count, amount=format_pence(total_out)),
        )
    )  # fmt: skip
    if max(len(funders), len(rounds), group_count) > keep:
        into, out_of = _sums(given, "target"), _sums(awarded, "source")
        as_funder = _biggest(_sums(given, "source"), keep, gettext("Other funders"))
        as_round = _biggest({r: max(into.get(r, 0), out_of.get(r, 0)) for r in rounds}, keep, gettext("Other tables"))
        if already:
            as_group = {name: name for name in groups}
        else:
            as_group = _biggest(_sums(awarded, "target"), keep, gettext("Other groups"))
        folded = {label for names in (as_funder, as_round, as_group) for name, label in names.items() if name != label}
        folded |= already

        # The added-up bars and rows go last; everything else keeps its order (sorted is stable).
        given = sorted(_fold(given, as_funder, as_round), key=lambda f: (f.source in folded, f.target in folded))
        awarded = sorted(_fold(awarded, as_round, as_group), key=lambda f: (f.source in folded, f.target in folded))
        funders = sorted(_ordered(as_funder[f] for f in funders), key=lambda name: name in folded)
        rounds = sorted(_ordered(as_round[r] for r in rounds), key=lambda name: name in folded)
        groups = sorted(_ordered(as_group[g] for g in groups), key=lambda name: name in folded)
        desc += " " + gettext(
            "The picture and the table beside it show the %(keep)s biggest of each; the rest are added together. "
            "The open data lists every award.",
            keep=keep,
        )
    else:
        desc += " " + gettext("The table beside this picture lists every flow.")
    rows = [(gettext("Funder to table"), f.source, _cell(f.target), format_pence(f.amount_pence)) for f in given]
    rows += [(gettext("Table to group"), _cell(f.source), f.target, format_pence(f.amount_pence)) for f in awarded]
    headers = (gettext("Flow"), gettext("From"), gettext("To"), gettext("Amount"))
    if not given and not awarded:
        desc = gettext("No money has moved yet.")
        body = [_text(10, 30, desc)]
        return Chart(
            title, desc, _svg(760, 50, title, desc, body, "chart-flow"), headers, rows,
            narrow=_svg(NARROW_W, 50, title, desc, body, "chart-flow"),
        )  # fmt: skip

    col_w, gap_w = 230, 105
    col_x = (10, 10 + col_w + gap_w, 10 + 2 * (col_w + gap_w))
    width = col_x[2] + col_w + 10
    top, gap, box_min = 40, 12, 44.0
    scale_total = max(total_in, total_out, 1)
    height_available = max(24 * max(len(funders), len(rounds), len(groups)), 240)

    def layout(names: list[str], sizes: dict[str, int]) -> dict[str, tuple[float, float]]:
        pos, y = {}, float(top)
        for name in names:
            h = max(
                box_min + 18 * (len(_wrap(name, col_w - 16)) - 1), height_available * sizes.get(name, 0) / scale_total
            )
            pos[name] = (y, h)
            y += h + gap
        return pos

    size_f = _sums(given, "source")
    size_r = {r: max(_sums(given, "target").get(r, 0), _sums(awarded, "source").get(r, 0)) for r in rounds}
    size_g = _sums(awarded, "target")
    pf, pr, pg = layout(funders, size_f), layout(rounds, size_r), layout(groups, size_g)
    height = int(max([y + h for y, h in [*pf.values(), *pr.values(), *pg.values()]], default=top) + 20)
    body = [
        _text(col_x[0], 22, gettext("Funders"), css="chart-heading", bold=True),
        _text(col_x[1], 22, gettext("Tables"), css="chart-heading", bold=True),
        _text(col_x[2], 22, gettext("Groups"), css="chart-heading", bold=True),
        # The bands between the columns say what they are: no legend to look up.
        _text(col_x[0] + col_w + gap_w / 2, 22, gettext("gave →"), "middle", css="chart-legend"),
        _text(col_x[1] + col_w + gap_w / 2, 22, gettext("awarded →"), "middle", css="chart-legend"),
    ]
    body += _links(given, pf, pr, col_x[0] + col_w, col_x[1], scale_total, height_available, "chart-link-in")
    body += _links(awarded, pr, pg, col_x[1] + col_w, col_x[2], scale_total, height_available, "chart-link-out")
    sizes_of = ((funders, pf, col_x[0], size_f), (rounds, pr, col_x[1], size_r), (groups, pg, col_x[2], size_g))
    for names, pos, x, sizes in sizes_of:
        for name in names:
            y, h = pos[name]
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" class="chart-node" '
                f'fill="#f4f1ea" stroke="#1d1d1b" stroke-width="1.5">{_tooltip(name)}</rect>'
            )
            lines = _wrap(name, col_w - 16)
            for n, line in enumerate(lines):
                body.append(_text(x + 8, y + 18 * (n + 1), line, css="chart-label chart-in-box", lang=_lang_of(name)))
            amount = format_pence(sizes.get(name, 0))
            body.append(_text(x + 8, y + 18 * (len(lines) + 1), amount, css="chart-label chart-in-box", bold=True))
    narrow = _money_flow_narrow(title, desc, sizes_of, scale_total)
    return Chart(
        title,
        desc,
        _svg(width, height, title, desc, body, "chart-flow"),
        headers,
        rows,
        (False, False, False, True),
        narrow,
    )


def _bar_rows(items: Sequence[tuple[str, int]], y: float, scale: int, heading: str) -> tuple[list[str], float]:
    """A heading, then for each (name, pence): the name on its own line and a bar with its figure beside it."""
    bar_max = NARROW_W - 100
    out = [_text(0, y + 16, heading, css="chart-heading", bold=True)]
    y += 28
    for name, pence in items:
        w = max(2.0, bar_max * pence / max(scale, 1))
        out.append(_text(0, y + 15, _fit(name, NARROW_W), css="chart-label", lang=_lang_of(name)))
        out.append(
            f'<rect x="0" y="{y + 22:.1f}" width="{w:.1f}" height="16" class="chart-node" fill="#a7c4b9" '
            f'stroke="#1d1d1b" stroke-width="1">{_tooltip(name)}</rect>'
        )
        out.append(_text(w + 6, y + 35, format_pence(pence), css="chart-label", bold=True))
        y += 48
    return out, y + 8


def _money_flow_narrow(title: str, desc: str, columns, scale_total: int) -> Markup:  # noqa: ANN001
    """On a phone: three short lists of bars (funders, tables, groups), each name above its bar."""
    headings = (gettext("Funders gave"), gettext("Tables received"), gettext("Groups were awarded"))
    body, y = [], 0.0
    for (names, _pos, _x, sizes), heading in zip(columns, headings, strict=True):
        part, y = _bar_rows([(n, sizes.get(n, 0)) for n in names], y, scale_total, heading)
        body += part
    return _svg(NARROW_W, int(y) + 4, title, desc, body, "chart-flow chart-flow-narrow")


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
        colour = "#1a4f8b" if css == "chart-link-out" else "#1f5c4a"
        tip = gettext(
            "%(source)s to %(target)s: %(amount)s",
            source=f.source,
            target=f.target,
            amount=format_pence(f.amount_pence),
        )
        out.append(
            f'<path d="M{x1},{min(y1, ly + lh):.1f} C{mid},{min(y1, ly + lh):.1f} {mid},{min(y2, ry + rh):.1f} '
            f'{x2},{min(y2, ry + rh):.1f}" class="{css}" fill="none" stroke="{colour}" stroke-opacity="0.35" '
            f'stroke-width="{w:.1f}"><title>{escape(tip)}</title></path>'
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
    title = gettext("Timetable of %(table)s", table=round_title)
    items = sorted(milestones, key=lambda m: _as_date(m.when))
    headers = (gettext("Step"), gettext("Date"), gettext("Changes"))
    rows = [(m.label, _day(_as_date(m.when)), m.note) for m in items]
    no_dates = gettext("No dates set.")
    if not items:
        return Chart(
            title, no_dates, _svg(760, 40, title, no_dates, [], "chart-timeline"), headers, rows,
            narrow=_svg(NARROW_W, 40, title, no_dates, [], "chart-timeline"),
        )  # fmt: skip
    first, last = _as_date(items[0].when), _as_date(items[-1].when)
    span = max((last - first).days, 1)
    passed = sum(1 for m in items if _as_date(m.when) <= today)
    desc = " ".join(
        (
            ngettext("%(num)d step from %(first)s to %(last)s.", "%(num)d steps from %(first)s to %(last)s.",
                     len(items), first=_day(first), last=_day(last)),
            ngettext("%(num)d of them is today or earlier.", "%(num)d of them are today or earlier.", passed),
            gettext("The table beside this picture lists every date."),
        )
    )  # fmt: skip
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
        when = _short_day(_as_date(m.when))
        if m.note:
            label = gettext("%(step)s: %(date)s (changed)", step=m.label, date=when)
        else:
            label = gettext("%(step)s: %(date)s", step=m.label, date=when)
        body.append(_text(x, y, label, anchor))
    if first <= today <= last:
        tx = x_of(today)
        body.append(
            f'<line x1="{tx:.1f}" y1="{axis_y - 22}" x2="{tx:.1f}" y2="{axis_y + 22}" stroke="#b3261e" '
            f'stroke-width="3" class="chart-today"/>'
        )
        body.append(_text(tx, axis_y - 26, gettext("Today"), "middle"))
    height = axis_y + 30 + 36 * len(items)
    narrow = _timeline_narrow(title, desc, items, today)
    return Chart(title, desc, _svg(760, height, title, desc, body, "chart-timeline"), headers, rows, narrow=narrow)


def _timeline_narrow(title: str, desc: str, items: Sequence[Milestone], today: date) -> Markup:
    """On a phone: the steps down a line, each with its date under it, and today marked between them."""
    x, row_h, top = 14, 52, 12
    body: list[str] = []
    y = float(top)
    today_drawn = False
    for m in items:
        when = _as_date(m.when)
        if not today_drawn and when > today and m is not items[0]:
            body.append(
                f'<line x1="0" y1="{y + 4:.1f}" x2="{NARROW_W}" y2="{y + 4:.1f}" stroke="#b3261e" stroke-width="3" '
                'class="chart-today"/>'
            )
            body.append(_text(NARROW_W, y + 22, gettext("Today"), "end", bold=True))
            y += 30
            today_drawn = True
        done = when <= today
        body.append(
            f'<circle cx="{x}" cy="{y + 18:.1f}" r="7" class="chart-point{" chart-done" if done else ""}" '
            f'fill="{"#1f5c4a" if done else "#ffffff"}" stroke="#1d1d1b" stroke-width="2"/>'
        )
        body.append(_text(x + 20, y + 23, _fit(m.label, (NARROW_W - x - 20) * 0.88), bold=True))
        body.append(_text(x + 20, y + 42, gettext("%(date)s (changed)", date=_day(when)) if m.note else _day(when)))
        y += row_h
    line = f'<line x1="{x}" y1="{top + 18}" x2="{x}" y2="{y - row_h + 18:.1f}" stroke="#1d1d1b" stroke-width="2"/>'
    return _svg(NARROW_W, int(y) + 4, title, desc, [line, *body], "chart-timeline chart-timeline-narrow")


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
    title = gettext("How each proposal did in %(table)s", table=round_title)
    headers = (
        gettext("Proposal"),
        gettext("Votes"),
        gettext("Asked for"),
        gettext("Running total of funded"),
        gettext("Outcome"),
    )
    running, rows = 0, []
    for b in bars:
        if b.funded:
            running += b.cost_pence
        rows.append(
            (
                _cell(b.label),
                str(b.support),
                format_pence(b.cost_pence),
                format_pence(running),
                gettext("Funded") if b.funded else gettext("Not funded"),
            )
        )
    funded = [b for b in bars if b.funded]
    desc = " ".join(
        (
            ngettext("%(num)d proposal in order of support.", "%(num)d proposals in order of support.", len(bars)),
            gettext("%(funded)s funded, costing %(cost)s of a pot of %(pot)s.", funded=len(funded),
                    cost=format_pence(running), pot=format_pence(budget_pence)),
            gettext("Solid bars were funded, hatched bars were not."),
            gettext("The table beside this picture has every figure."),
        )
    )  # fmt: skip
    if not bars:
        return Chart(
            title, desc, _svg(760, 40, title, desc, [], "chart-result"), headers, rows,
            narrow=_svg(NARROW_W, 40, title, desc, [], "chart-result"),
        )  # fmt: skip
    if len(bars) > MAX_BARS:
        # A picture of hundreds of bars helps no one; the table beside it still lists every proposal.
        desc += " " + gettext("The picture shows the first %(shown)s of %(total)s.", shown=MAX_BARS, total=len(bars))
        bars = bars[:MAX_BARS]
    wide = _result_drawing(title, desc, bars, budget_pence, ballots, narrow=False)
    narrow = _result_drawing(title, desc, bars, budget_pence, ballots, narrow=True)
    return Chart(title, desc, wide, headers, rows, (False, True, True, True, False), narrow)


_HATCH = (
    '<defs><pattern id="hatch-{n}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#1d1d1b" stroke-width="2"/></pattern></defs>'
)


def _result_drawing(
    title: str, desc: str, bars: Sequence[Bar], budget_pence: int, ballots: int | None, *, narrow: bool
) -> Markup:
    """Each proposal's name on its own line, then its votes bar and the running cost of what was funded,
    each bar with its figure. Wide: the two bars side by side; narrow: one under the other."""
    pattern = f"hatch-{next(_ids)}"
    top_support = max(max(b.support for b in bars), 1)
    width = NARROW_W if narrow else 920
    votes_x, votes_w = 0, (NARROW_W - 110 if narrow else 380)
    money_x, money_w = (0, NARROW_W - 110) if narrow else (480, 300)
    running_total = sum(b.cost_pence for b in bars if b.funded)
    money_scale = max(budget_pence, running_total, 1)
    row_h = 86 if narrow else 52
    body = [_HATCH.replace("hatch-{n}", pattern)]
    # A key, so nobody has to guess what solid, hatched and the red line mean.
    # Each entry starts after the one before it, as long as its words are in the page's language
    # (Welsh's "Heb ei ariannu" is longer than "Not funded"); the pot's goes on a line of its own
    # when the three do not fit across (a phone, in Welsh).
    key_y, top = 18, 34
    funded, not_funded, pot_word = gettext("Funded"), gettext("Not funded"), gettext("The pot")
    hatch_x = 22 + len(funded) * CHAR_PX + 14
    pot_x, pot_y = hatch_x + 22 + len(not_funded) * CHAR_PX + 14, key_y
    if pot_x + 9 + len(pot_word) * CHAR_PX > width:
        pot_x, pot_y, top = 4.0, key_y + 22, top + 22
    body.append(f'<rect x="0" y="{key_y - 12}" width="16" height="14" fill="#1f5c4a" stroke="#1d1d1b"/>')
    body.append(_text(22, key_y, funded, css="chart-legend"))
    body.append(
        f'<rect x="{hatch_x:.1f}" y="{key_y - 12}" width="16" height="14" fill="url(#{pattern})" stroke="#1d1d1b"/>'
    )
    body.append(_text(hatch_x + 22, key_y, not_funded, css="chart-legend"))
    body.append(
        f'<line x1="{pot_x:.1f}" y1="{pot_y - 12}" x2="{pot_x:.1f}" y2="{pot_y + 2}" stroke="#b3261e" stroke-width="3" '
        'stroke-dasharray="4 2"/>'
    )
    body.append(_text(pot_x + 9, pot_y, pot_word, css="chart-legend"))
    if not narrow:
        body.append(_text(votes_x, top + 14, gettext("Votes"), css="chart-heading", bold=True))
        body.append(_text(money_x, top + 14, gettext("Cost of what is funded, so far"), css="chart-heading", bold=True))
        top += 24
    running, y, spans = 0, float(top), []
    for b in bars:
        # On a phone a long name takes two lines rather than losing its end (the group's name).
        label = _wrap(b.label, width * 0.88, 2) if narrow else [_fit(b.label, width * 0.88)]  # bold is wider
        for n, line in enumerate(label):
            body.append(_text(0, y + 16 + 18 * n, line, css="chart-label", bold=True, lang=_lang_of(b.label)))
        y += 18 * (len(label) - 1)
        w = max(votes_w * b.support / top_support, 1.0)
        bar_y = y + 24
        body.append(
            f'<rect x="{votes_x}" y="{bar_y}" width="{w:.1f}" height="18" '
            f'class="{"chart-bar-funded" if b.funded else "chart-bar-unfunded"}" '
            f'fill="{"#1f5c4a" if b.funded else f"url(#{pattern})"}" stroke="#1d1d1b" stroke-width="1"/>'
        )
        votes = ngettext("%(num)s vote", "%(num)s votes", b.support) if narrow else str(b.support)
        body.append(_text(votes_x + w + 6, bar_y + 14, votes))
        if b.funded:
            running += b.cost_pence
        money_y = bar_y + 30 if narrow else bar_y
        mw = max(money_w * running / money_scale, 1.0)
        body.append(
            f'<rect x="{money_x}" y="{money_y + 3}" width="{mw:.1f}" height="12" fill="#a7c4b9" '
            f'stroke="#1d1d1b" stroke-width="0.5" class="chart-running"/>'
        )
        so_far = gettext("%(amount)s so far", amount=format_pence(running)) if narrow else format_pence(running)
        body.append(_text(money_x + mw + 6, money_y + 14, so_far, css="chart-label chart-running-figure"))
        spans.append((money_y, money_y + 18))
        y += row_h
    bottom = y
    budget_x = money_x + money_w * budget_pence / money_scale
    # Drawn under the figures (the budget line goes first), so a figure is never hidden by it. On a phone the
    # two bars share one column, so the pot is marked only beside each cost bar, not across the votes.
    if not narrow:
        spans = [(top, bottom)]
    for y1, y2 in spans:
        body.insert(
            1,
            f'<line x1="{budget_x:.1f}" y1="{y1:.1f}" x2="{budget_x:.1f}" y2="{y2:.1f}" stroke="#b3261e" '
            f'stroke-width="3" stroke-dasharray="6 3" class="chart-budget"/>',
        )
    if ballots is None:
        pot = gettext("The pot: %(amount)s", amount=format_pence(budget_pence))
    else:
        pot = gettext("The pot: %(amount)s. Ballots: %(ballots)s", amount=format_pence(budget_pence), ballots=ballots)
    body.append(_text(0, bottom + 20, pot, bold=True))
    return _svg(width, bottom + 32, title, desc, body, "chart-result" + (" chart-result-narrow" if narrow else ""))
