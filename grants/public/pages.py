"""What a public page shows, shared by the public view and a convenor's preview of a draft table."""

from __future__ import annotations

from datetime import date

from flask import url_for

from grants.ballots.election import MIN_VOTERS_FOR_BALLOT_FILE
from grants.ballots.explain import fairness_sentences, line_explanation, tie_notes
from grants.decisions.services import decision_file_offered
from grants.models import Round
from grants.public import charts, queries


def round_context(rnd: Round, number: int | None = None) -> dict:
    """Everything the public page of a table shows; also used for a convenor's preview of a draft.

    Its long lists (proposals, how each did, awards) are shown `paging.PER_PAGE` rows at a time
    (grants/paging.py): page `number`; only that page's proposals and awards are read."""
    page = queries.round_page(rnd, number)
    # Proposals the page may name: this page's, and every one in the result (its explanations name others).
    shown = page.proposals + [line.proposal for line in page.result.lines] if page.result else page.proposals
    public_ids = {p.id for p in shown if p.is_public}
    titles_by_id = {p.id: f"“{p.title}”" for p in shown if p.is_public}
    given, awarded, other_groups = queries.round_money_flows(rnd)
    return dict(
        page=page,
        rnd=rnd,
        public_ids=public_ids,
        min_voters=MIN_VOTERS_FOR_BALLOT_FILE,
        timeline=queries.round_timeline(rnd, date.today()),
        result_chart=queries.result_chart(page, public_ids),
        flow=charts.money_flow(given, awarded, other_groups=other_groups),
        pb_url=_pb_url(rnd, page),
        pb_before_selected=_pb_before_selected(rnd, page),
        titles_by_id=titles_by_id,
        rows=page.rows,
        explain_line=lambda line: line_explanation(line, rnd, titles_by_id),
        fairness=fairness_sentences(page.result, titles_by_id) if page.result is not None else [],
        tie_notes=tie_notes(page.result.lines, rnd, titles_by_id) if page.result is not None else [],
    )


def _pb_url(rnd, page) -> str | None:  # noqa: ANN001
    """Where the round's decision file (.pb) can be downloaded, if it is offered."""

    if not decision_file_offered(rnd, page.result):
        return None
    return url_for("decisions.decision_download", slug=rnd.slug)


def _pb_before_selected(rnd, page) -> bool:  # noqa: ANN001
    """Whether the offered file is one published before the file carried `selected` and the tie-break."""
    offered = decision_file_offered(rnd, page.result)
    return bool(offered and offered.before_selected)
