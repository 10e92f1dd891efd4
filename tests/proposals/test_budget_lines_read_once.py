"""A bid's budget is read in a fixed number of statements however many lines it has: each
line's items in other languages come with the lines, not one statement a line."""

from __future__ import annotations

from sqlalchemy import event

from grants.extensions import db
from grants.models import RoundStatus
from grants.proposals.services import start_proposal, submit_proposal
from grants.rounds.services import advance
from tests import factories as f
from tests.conftest import login


def _texts_read(client, url: str) -> int:  # noqa: ANN001
    """How many statements reading the page named the budget lines' texts."""
    named: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if "budget_line_texts" in statement:
            named.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    return len(named)


def test_a_bids_pages_read_its_budget_lines_texts_in_one_statement_however_many_lines(app, client) -> None:  # noqa: ANN001, E501
    convenor, lead = f.person("Cara Convenor"), f.person("Gwen Lead")
    rnd = f.open_round(convenor)
    grp = f.group(lead)
    short, long = (
        start_proposal(
            person=lead,
            round_id=rnd.id,
            group_id=grp.id,
            fields={"title": f"Walks {n}", "summary": "Walks.", "activities": "Walking.", "beneficiaries": "Parents.",
                    "agreed_to_be_named": True},
            lines=[({"en": f"Item {i}", "cy": f"Eitem {i}"}, 1_000) for i in range(n)],
        )
        for n in (1, 12)
    )  # fmt: skip
    for bid in (short, long):
        submit_proposal(person=lead, proposal_id=bid.id)
    member = f.person("Pat Panel")
    f.seat(convenor, rnd.id, member)
    db.session.commit()
    # The group's own pages: the bid, its check page and its form (the form's boxes hold each line).
    login(client, lead.email)
    for page in ("/proposals/{}", "/proposals/{}/check", "/proposals/{}/edit"):
        one, twelve = _texts_read(client, page.format(short.id)), _texts_read(client, page.format(long.id))
        assert twelve == one <= 1, (page, one, twelve)
    # The panel's page for the bid, while the panel reads and talks.
    for step in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION):
        advance(person=convenor, round_id=rnd.id, to=step)
    db.session.commit()
    client.delete_cookie("session")
    login(client, member.email)
    page = f"/panel/{rnd.slug}/proposals/{{}}"
    one, twelve = _texts_read(client, page.format(short.id)), _texts_read(client, page.format(long.id))
    assert twelve == one <= 1, (page, one, twelve)
