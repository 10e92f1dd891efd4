"""Issue 17 (a small defect): a date box is the browser's date picker (type=date), which shows dates in
its own way, so its hint gives no format of ours (it said "For example 2026-11-22" beside a picker
showing dd/mm/yyyy); every date box says the same thing, in the page's language."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import login
from tests.money.test_money_truth import _table
from tests.panels.care_world import as_person, make_world

PICKER_HINT = "Choose the date on the calendar, or type the day, month and year."


def _date_boxes(html: str) -> dict[str, str]:
    """Each date box's id and the hint it is described by."""
    boxes = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="date"' not in tag:
            continue
        box = re.search(r'id="([^"]+)"', tag).group(1)
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        assert described and f"{box}-hint" in described.group(1).split(), f"{box} has no hint"
        hint = re.search(rf'<p class="hint" id="{re.escape(box)}-hint">(.*?)</p>', html, re.S).group(1)
        boxes[box] = unescape(hint).strip()
    return boxes


def test_the_date_boxes_hints_do_not_contradict_the_date_picker(client, app):
    _convenor, _rnd, funder_person, item, _treasurer = _table()
    assert login(client, funder_person.email).status_code == 302
    boxes = _date_boxes(client.get(f"/money/pledges/{item.id}/received").get_data(as_text=True))
    assert list(boxes) == ["received_on"]
    for hint in boxes.values():
        assert not re.search(r"\d{4}-\d{2}-\d{2}", hint), hint  # no format of ours beside the picker
        assert hint == PICKER_HINT
    w = make_world()
    as_person(client, w.facilitator)
    boxes = _date_boxes(client.get(f"/panel/{w.rnd.slug}/meetings/new").get_data(as_text=True))
    assert boxes == {"held_on": PICKER_HINT}
