"""Charts: accessible SVG with a title, a description and a data table, and figures that match the ledger."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from sqlalchemy import select

from grants.ledger import books
from grants.money_format import format_pence as gbp
from grants.public import charts, queries

SVG = "{http://www.w3.org/2000/svg}"


def _parse(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(chart.svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text == chart.desc and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in str(chart.svg)
    return root


def test_money_flow_has_title_desc_and_a_table_of_every_flow():
    chart = charts.money_flow(
        [charts.Flow("Trust A", "Table 1", 500_000), charts.Flow("Trust B", "Table 1", 250_050)],
        [charts.Flow("Table 1", "Group <X>", 300_000)],
    )
    root = _parse(chart)
    assert chart.headers == ("Flow", "From", "To", "Amount")
    assert chart.rows == [
        ("Funder to table", "Trust A", "Table 1", "£5,000"),
        ("Funder to table", "Trust B", "Table 1", "£2,500.50"),
        ("Table to group", "Table 1", "Group <X>", "£3,000"),
    ]
    assert "2 funders gave £7,500.50 to 1 table, which awarded £3,000 to 1 group" in chart.desc
    # Names are escaped, never markup.
    assert "Group &lt;X&gt;" in str(chart.svg)
    assert len(root.findall(f"{SVG}path")) == 3


def test_money_flow_draws_the_biggest_of_each_column_and_adds_up_the_rest():
    given = [charts.Flow(f"Trust {i}", "Table 1", 1_000 * (i + 1)) for i in range(3)]
    awarded = [charts.Flow("Table 1", f"Group {i:02}", 100 * (i + 1)) for i in range(30)]
    chart = charts.money_flow(given, awarded, keep=12)
    _parse(chart)
    assert "3 funders gave £60 to 1 table, which awarded £465 to 30 groups" in chart.desc
    assert "show the 12 biggest of each; the rest are added together" in chart.desc
    out = [row for row in chart.rows if row[0] == "Table to group"]
    assert [row[2] for row in out[:12]] == [f"Group {i:02}" for i in range(18, 30)]
    # Groups 00 to 17 give £1 to £18: £171 in all, as one bar and one row.
    assert out[12:] == [("Table to group", "Table 1", "Other groups (18)", "£171")]
    assert chart.svg.count('class="chart-node"') == 3 + 1 + 13
    # Few enough to draw each: nothing is added together.
    assert len(charts.money_flow(given, awarded[:12], keep=12).rows) == 15


def test_empty_charts_still_say_so():
    chart = charts.money_flow([], [])
    _parse(chart)
    assert chart.rows == [] and "No money has moved yet" in chart.desc
    _parse(charts.result_support("T", [], 1000, None))
    _parse(charts.timeline("T", [], date(2026, 1, 1)))


def test_timeline_lists_every_date_and_notes_changes():
    steps = [
        charts.Milestone("Bids open", datetime(2026, 1, 1, tzinfo=UTC)),
        charts.Milestone("Voting closes", datetime(2026, 3, 1, tzinfo=UTC), "Changed from 2026-02-20: snow."),
        charts.Milestone("Bids close", datetime(2026, 2, 1, tzinfo=UTC)),
    ]
    chart = charts.timeline("Winter", steps, date(2026, 2, 10))
    root = _parse(chart)
    assert [r[0] for r in chart.rows] == ["Bids open", "Bids close", "Voting closes"]
    assert chart.rows[2] == ("Voting closes", "1 March 2026", "Changed from 2026-02-20: snow.")
    assert "2 of them are today or earlier" in chart.desc
    assert any(t.text == "Today" for t in root.iter(f"{SVG}text"))


def test_result_chart_shows_support_running_cost_and_the_budget_line():
    bars = [
        charts.Bar("A", 5, 300_000, True),
        charts.Bar("B", 4, 800_000, False),
        charts.Bar("C", 3, 200_000, True),
    ]
    chart = charts.result_support("T", bars, 1_000_000, 5)
    root = _parse(chart)
    assert chart.rows == [
        ("A", "5", "£3,000", "£3,000", "Funded"),
        ("B", "4", "£8,000", "£3,000", "Not funded"),
        ("C", "3", "£2,000", "£5,000", "Funded"),
    ]
    assert "2 funded, costing £5,000 of a pot of £10,000" in chart.desc
    assert root.findall(f".//{SVG}line[@class='chart-budget']")
    assert len(root.findall(f"{SVG}rect[@class='chart-bar-funded']")) == 2
    assert len(root.findall(f"{SVG}rect[@class='chart-bar-unfunded']")) == 1


def test_money_flow_figures_match_the_ledger(client, demo):
    given, awarded = queries.money_flows()
    totals = books.platform_summary()
    assert sum(f.amount_pence for f in given) == totals.received_pence
    assert sum(f.amount_pence for f in awarded) == totals.awarded_pence
    for rnd in demo.values():
        g, _ = queries.money_flows(rnd.id)
        assert sum(f.amount_pence for f in g) == books.round_summary(rnd.id).received_pence
    html = client.get("/").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-flow" role="img"' in html
    assert "<caption>Where the money comes from and where it goes</caption>" in html
    for f in given:
        assert (
            f'<td data-label="From">{f.source}</td><td data-label="To">{f.target}</td>'
            f'<td data-label="Amount" class="num">{gbp(f.amount_pence)}</td>'
        ) in html


def test_round_page_charts_have_tables_beside_them(client, demo):
    rnd = demo["peer-support-table-2026"]
    html = client.get(f"/tables/{rnd.slug}").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    # Timeline, result, money flow: each drawn wide (big screens) and narrow (phones), one table each.
    assert len(svgs) == 6
    assert sum('class="chart-narrow"' in part for part in html.split("<svg ")) == 3
    for svg in svgs:
        root = ET.fromstring(svg)
        title = root.find(f"{SVG}title").text
        assert root.find(f"{SVG}desc").text
        assert f"<caption>{title}</caption>" in html.replace("&#39;", "'")


def test_result_chart_draws_at_most_40_bars_but_tables_every_proposal():
    bars = [charts.Bar(f"P{i}", 100 - i, 1000, i < 3) for i in range(90)]
    chart = charts.result_support("Big", bars, 10_000, 12)
    root = _parse(chart)
    assert len(chart.rows) == 90
    assert len(root.findall(f"{SVG}rect[@class='chart-bar-unfunded']")) == 37
    assert "The picture shows the first 40 of 90." in chart.desc


def _texts(svg) -> list[str]:  # noqa: ANN001
    return [t.text or "" for t in ET.fromstring(str(svg)).iter(f"{SVG}text")]


def test_every_chart_has_a_phone_drawing_as_wide_as_a_phone_with_the_same_title():
    bars = [
        charts.Bar("Peer walks for new mums and dads in the park", 5, 160_000, True),
        charts.Bar("B", 2, 90_000, False),
    ]
    made = [
        charts.money_flow(
            [charts.Flow("Trust A", "Table 1", 500_000)], [charts.Flow("Table 1", "Hearing Voices Leeds", 300_000)]
        ),
        charts.result_support("T", bars, 200_000, 7),
        charts.timeline(
            "T",
            [charts.Milestone("Bids open", date(2026, 1, 1)), charts.Milestone("Voting", date(2026, 3, 1))],
            date(2026, 2, 1),
        ),
        charts.money_flow([], []),
    ]
    for chart in made:
        assert chart.narrow is not None
        root = ET.fromstring(str(chart.narrow))
        assert root.get("viewBox").split()[2] == str(charts.NARROW_W + 16)  # with a margin of 8 each side
        assert root.find(f"{SVG}title").text == chart.title and root.find(f"{SVG}desc").text == chart.desc
        assert "style=" not in str(chart.narrow)


def test_result_chart_puts_a_figure_on_every_cost_so_far_bar_and_keeps_whole_names_short_enough():
    bars = [
        charts.Bar("Peer walks for new mums and dads in the park every week", 5, 160_000, True),
        charts.Bar("Hearing Voices Leeds", 4, 80_000, False),
        charts.Bar("C", 3, 30_000, True),
    ]
    chart = charts.result_support("T", bars, 200_000, 7)
    for svg in (chart.svg, chart.narrow):
        root = ET.fromstring(str(svg))
        figures = [t.text for t in root.iter(f"{SVG}text") if "chart-running-figure" in t.get("class", "")]
        assert [f.replace(" so far", "") for f in figures] == ["£1,600", "£1,600", "£1,900"]
        # Names start at the left edge and run right, so nothing is cut off at the left.
        names = [t for t in root.iter(f"{SVG}text") if t.text and t.text.startswith(("Peer walks", "Hearing"))]
        assert names and all(t.get("text-anchor") == "start" and float(t.get("x")) >= 0 for t in names)
    assert "Hearing Voices Leeds" in _texts(chart.narrow)


def test_money_flow_bands_are_solid_and_named_and_amounts_are_never_cut_short():
    chart = charts.money_flow(
        [charts.Flow("Northern Community Trust", "Peer Support Table 2026", 1_000_000)],
        [charts.Flow("Peer Support Table 2026", "Hearing Voices Leeds", 300_000)],
    )
    assert "stroke-dasharray" not in str(chart.svg)
    texts = _texts(chart.svg)
    assert "gave →" in texts and "awarded →" in texts
    # Every amount is a whole line of its own inside its box, never cut.
    assert {"£10,000", "£3,000"} <= set(texts)
    assert "Hearing Voices Leeds" in texts
    assert {"£10,000", "£3,000", "Hearing Voices Leeds"} <= set(_texts(chart.narrow))


def test_a_name_in_another_language_than_the_page_is_marked_with_its_lang_in_the_svg(client, demo):
    """Issue 19: a table's or a bid's name written in Welsh carries lang="cy" on its SVG <text> (and in
    the table beside the chart) on an English page; read on a Welsh page it needs no mark."""
    from grants.core import transaction
    from grants.extensions import db
    from grants.models import Result, ResultLine, Round

    rnd = demo["peer-support-table-2026"]
    with transaction():
        table = db.session.get(Round, rnd.id)
        welsh = {f: getattr(table, f) for f in table.TEXT_FIELDS} | {"title": "Bwrdd Cymorth Cymheiriaid"}
        table.write_versions({"cy": welsh})
        bid = db.session.execute(
            select(ResultLine).join(Result).where(Result.round_id == rnd.id, ResultLine.is_funded)
        ).scalars().first().proposal
        bid.write_versions({"cy": {f: getattr(bid, f) for f in bid.TEXT_FIELDS} | {"title": "Prosiect Garddio"}})
        group_name = bid.group.name
        bid_label = f"Prosiect Garddio ({group_name})"
    english = client.get(f"/tables/{rnd.slug}").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", english, flags=re.S)
    texts = [t for svg in svgs for t in ET.fromstring(svg).iter(f"{SVG}text")]

    def part_of(name: str):  # noqa: ANN202 - a name may be wrapped over two lines, or shortened with "…"
        return [t for t in texts if t.text and t.text.rstrip("…") in name and len(t.text) > 3]

    table_texts = part_of("Bwrdd Cymorth Cymheiriaid")
    bid_texts = [t for t in part_of(bid_label) if t.text != group_name]  # the group's own box is not the bid
    assert any("Prosiect" in t.text for t in bid_texts)
    assert table_texts and bid_texts  # the money flow's table column, wide and narrow; the result's bars
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for t in table_texts + bid_texts:
        assert t.get("lang") == "cy" and t.get(xml_lang) == "cy", ET.tostring(t)
    # Everything else in the pictures is in the page's language: no mark.
    assert [t.text for t in texts if t.get("lang") and t not in table_texts + bid_texts] == []
    # The table beside each chart marks the same names.
    assert re.search(r'<td data-label="[^"]+"><span lang="cy">Bwrdd Cymorth Cymheiriaid</span></td>', english)
    assert '<span lang="cy">Prosiect Garddio (' in english

    client.get(f"/language/cy?next=/tables/{rnd.slug}")
    welsh = client.get(f"/tables/{rnd.slug}").get_data(as_text=True)
    welsh_svgs = re.findall(r"<svg .*?</svg>", welsh, flags=re.S)
    welsh_texts = [t for svg in welsh_svgs for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert any(t.text and "Bwrdd Cymorth" in t.text for t in welsh_texts)
    assert all(t.get("lang") is None for t in welsh_texts if t.text and ("Bwrdd" in t.text or "Prosiect" in t.text))
    # ...while the bids written only in English are marked as English there.
    assert any(t.get("lang") == "en" and "Raised beds" in t.text for t in welsh_texts)


def test_the_result_charts_key_does_not_overlap_in_welsh_wide_or_narrow(app):
    """Issue 19: the key's words are longer in Welsh ("Wedi'i ariannu", "Heb ei ariannu"); each entry starts
    after the one before it ends, and all of it stays inside the drawing on a phone."""
    bars = [charts.Bar("Prosiect", 3, 10_000, True), charts.Bar("Arall", 1, 5_000, False)]
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        chart = charts.result_support("Bwrdd", bars, 20_000, 5)
        for svg, width in ((chart.svg, 920), (chart.narrow, charts.NARROW_W)):
            root = ET.fromstring(str(svg))
            legend = [t for t in root.iter(f"{SVG}text") if t.get("class") == "chart-legend"]
            assert [t.text for t in legend] == ["Wedi'i ariannu", "Heb ei ariannu", "Y gronfa"]
            hatch = next(r for r in root.iter(f"{SVG}rect") if (r.get("fill") or "").startswith("url("))
            pot = next(line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray") == "4 2")
            funded, not_funded, pot_word = legend
            # About 7.5 px a character at 14 px: the next mark starts after the words before it.
            assert float(hatch.get("x")) > float(funded.get("x")) + 7.5 * len(funded.text)
            if float(pot.get("y1")) == float(hatch.get("y")):  # on the same line
                assert float(pot.get("x1")) > float(not_funded.get("x")) + 7.5 * len(not_funded.text)
            assert float(pot_word.get("x")) + 7.5 * len(pot_word.text) <= width + 8


def test_a_bid_kept_private_is_called_so_in_the_pages_language(client, demo):
    rnd = demo["peer-support-table-2026"]
    assert "A group that asked not to be named" in client.get(f"/tables/{rnd.slug}").get_data(as_text=True)
    client.get(f"/language/cy?next=/tables/{rnd.slug}")
    welsh = client.get(f"/tables/{rnd.slug}").get_data(as_text=True)
    assert "A group that asked not to be named" not in welsh
    assert "Grŵp a ofynnodd am beidio â chael ei enwi" in welsh
