"""The people-figure detector: any count of people from 1 to 4 in a page or file's text.

Used by tests/public/test_people_figures_walk.py on the demo and by scripts/bench_web.py on the
bench data, so both walk the same public URLs with the same rule (grants/privacy.py).
"""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from grants.extensions import db
from grants.models import Account, AccountKind, Entry, EntryGroup, EntryKind, Funder, Group, Round

SMALL = r"(?:[1-4]|one|two|three|four)"
PEOPLE = (
    r"(?:panel members?|people|persons?|members?|voters?|volunteers?|facilitators?|substitutes?|answers?|"
    r"ballots? cast|ballots counted|recusals?|declared interests?|stood aside|have paused|took part)"
)
# The patterns are matched against the text in lower case (not with re.I, which is several times slower
# over the multi-megabyte open-data files: it stops the regex engine skipping ahead to where a match can start).
# "3 panel members", "2 people answered" ...
COUNT_BEFORE = re.compile(rf"(?<![\d£.,/-]){SMALL} {PEOPLE}\b")
# "Ballots cast: 3", "Declared interests (recusals): 1", "Panel members present: 2", "stood aside ...: 1"
LABEL_BEFORE = re.compile(
    r"(?:ballots cast|could vote|recusals\)|panel members|stood aside[^.:]{0,60}|present|confirmed the record|"
    r"lived experience|facilitators|taking a pause|answered)\s*:\s*" + SMALL + r"\b(?![\d%,.]\d)"
)
# "Ballots: 3 cast"
CAST = re.compile(r"ballots: " + SMALL + r" cast")
# "Voting closed with 3 ballots", "from 4 ballots (…)": a count of ballots is a count of voters
BALLOTS = re.compile(r"\b(?:with|from) " + SMALL + r" ballots?\b")
# "A batch of 3 paper ballots was confirmed …": a batch's ballots are its voters'
BATCH = re.compile(r"\bbatch of " + SMALL + r" paper ballots?\b")


def people_figures_under_five(text: str) -> list[str]:
    """Every place a text gives a count of people from 1 to 4 (as found, in lower case)."""
    text = text.lower()
    found = []
    for pattern in (COUNT_BEFORE, LABEL_BEFORE, CAST, BALLOTS, BATCH):
        found += [m.group(0) for m in pattern.finditer(text)]
    return found


def held_panel_amounts() -> set[int]:
    """Pence amounts no public page or file may show: each panel pay run's and each gift's own amount
    (what it took from or gave to the pot), unless it is a whole published step on its own.

    Panel pay is published only as one line per step of at least 5 people (grants/ledger/published.py)."""
    from grants.ledger.published import panel_money

    published = {step.held_change_pence for p in panel_money().values() for step in p.steps}
    moved = db.session.execute(
        select(EntryGroup.id, Entry.amount_pence)
        .join(Entry, Entry.entry_group_id == EntryGroup.id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            EntryGroup.kind.in_([EntryKind.PANEL_RUN, EntryKind.DONATION]),
            Account.kind == AccountKind.ROUND_AVAILABLE,
        )
    ).all()
    return {abs(int(amount)) for _id, amount in moved if int(amount) not in published} - {0}


def amounts_shown(text: str, amounts: set[int]) -> list[str]:
    """Each of `amounts` (pence) a text shows, as money (£1,234.56, 1234.56) or as pence."""
    found = []
    for pence in amounts:
        pounds = rf"{pence // 100:,}\.{pence % 100:02d}|{pence // 100}\.{pence % 100:02d}"
        if pence % 100 == 0:
            pounds += rf"|£{pence // 100:,}(?![\d.])"
        if re.search(rf"(?<![\d,.])(?:{pounds})(?!\d)|(?<![\d.£]){pence}(?![\d.])", text):
            found.append(f"{pence}p")
    return found


def public_urls(app, *, most_per_kind: int | None = None) -> list[str]:  # noqa: ANN001
    """Every public GET page and file, its arguments filled from the database's own objects.

    `most_per_kind` takes only that many tables, groups and funders (newest first), for data sets
    too large to walk whole."""
    from grants.opendata.data import DATASETS
    from grants.opendata.views import FORMATS

    def newest(model) -> list[str]:  # noqa: ANN001
        stmt = select(model.slug).order_by(model.id.desc())
        if most_per_kind:
            stmt = stmt.limit(most_per_kind)
        return list(db.session.execute(stmt).scalars())

    slugs = newest(Round) + newest(Group) + newest(Funder)
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "_is_public", False) or "GET" not in rule.methods:
            continue
        args = sorted(rule.arguments)
        if not args:
            urls.append(rule.build({})[1])
        elif args == ["slug"]:
            urls += [rule.build({"slug": s})[1] for s in slugs]
        elif args == ["dataset", "fmt"]:
            urls += [rule.build({"dataset": d, "fmt": f})[1] for d in DATASETS for f in FORMATS]
        # Tokens, upload ids and the API's catch-all show nothing about people.
    return urls


def walk(
    client,  # noqa: ANN001
    urls: list[str],
    *,
    most_file_bytes: int | None = None,
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each URL's text (pages as a person reads them, files as they are) and the figures found in it:
    counts of people under 5, and amounts of panel pay to fewer than 5 people.

    `most_file_bytes` reads only the start of a file that is not a page (an open-data download of a
    large data set: its rows are made as they are sent, so the rest is never made), up to the
    last whole line within that many bytes. Pages are always read whole."""
    walked, leaks = {}, {}
    held = held_panel_amounts()
    for url in urls:
        response = client.get(url, buffered=False)
        if response.status_code != 200:
            response.close()
            continue
        if response.mimetype == "text/html" or most_file_bytes is None:
            text = response.get_data(as_text=True)
        else:
            text = _start_of(response, most_file_bytes)
        response.close()
        if response.mimetype == "text/html":
            text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.S)
            text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()
        walked[url] = text
        if found := people_figures_under_five(text) + amounts_shown(text, held):
            leaks[url] = found
    return walked, leaks


def _start_of(response, most_bytes: int) -> str:  # noqa: ANN001
    """A response's text up to `most_bytes`, cut at the last whole line (the whole text if shorter)."""
    parts, size = [], 0
    for chunk in response.iter_encoded():
        parts.append(chunk)
        size += len(chunk)
        if size > most_bytes:
            body = b"".join(parts)[:most_bytes]
            return body[: body.rfind(b"\n") + 1 or len(body)].decode("utf-8", errors="ignore")
    return b"".join(parts).decode("utf-8")
