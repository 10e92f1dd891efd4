"""Public pages do a bounded number of database queries, however large a round is."""

from __future__ import annotations

import contextlib
from datetime import date

from sqlalchemy import event, update

from grants.core import transaction
from grants.extensions import db
from grants.models import BudgetLine, Group, Proposal, ProposalStatus, Result, ResultLine, Round, RoundStatus
from grants.money.services import commit_awards
from tests import factories


@contextlib.contextmanager
def counting():
    """Count the SQL statements sent to the database."""
    seen: list[str] = []

    def before(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _round_with(n: int, convenor) -> tuple[Round, Group]:  # noqa: ANN001
    """A counted round with n proposals from n/10 groups, every tenth funded (bulk-built for speed)."""
    rnd = factories.open_round(convenor, title=f"Table of {n}")
    factories.funded(rnd.id, 100 * n * 1000)
    groups = [
        Group(slug=f"g{n}-{i}", name=f"Group {n}-{i}", description="Peer support.", contact_email="g@example.org")
        for i in range(max(n // 10, 1))
    ]
    db.session.add_all(groups)
    db.session.flush()
    proposals = [
        Proposal(
            round_id=rnd.id,
            group_id=groups[i % len(groups)].id,
            title=f"Proposal {n}-{i}",
            summary="Weekly meetings.",
            activities="Meeting.",
            beneficiaries="Members.",
            agreed_to_be_named=i % 2 == 0,
            status=ProposalStatus.FUNDED if i % 10 == 0 else ProposalStatus.NOT_FUNDED,
            created_by_id=convenor.id,
        )
        for i in range(n)
    ]
    db.session.add_all(proposals)
    db.session.flush()
    db.session.add_all(BudgetLine(proposal_id=p.id, item="Room hire", amount_pence=1000) for p in proposals)
    result = Result(
        round_id=rnd.id,
        quorum_met=True,
        ballots_counted=7,
        eligible_voters=9,
        quorum_required=5,
        rule="greedy",
        tie_break="cheaper_first",
        budget_pence=100 * n * 1000,
        spent_pence=1000 * len(proposals[::10]),
        summary="Counted.",
        ballot_fingerprint="0" * 64,
    )
    db.session.add(result)
    db.session.flush()
    db.session.add_all(
        ResultLine(
            result_id=result.id,
            proposal_id=p.id,
            position=i + 1,
            support=float(n - i),
            cost_pence=1000,
            is_funded=p.status is ProposalStatus.FUNDED,
            explanation="Funded." if p.status is ProposalStatus.FUNDED else "Not funded.",
        )
        for i, p in enumerate(proposals)
    )
    db.session.execute(update(Round).where(Round.id == rnd.id).values(status=RoundStatus.PAYING))
    db.session.commit()
    with transaction():
        commit_awards(db.session.get(Round, rnd.id), proposals[::10], awarded_on=date.today())
    return rnd, groups[0]


def _counts(client, urls: list[str]) -> dict[str, int]:  # noqa: ANN001
    out = {}
    for url in urls:
        assert client.get(url).status_code == 200, url  # warm up
        with counting() as seen:
            assert client.get(url).status_code == 200, url
        out[url.split("?")[0].rsplit("/", 1)[0] + "/<x>" if "<" in url else url] = len(seen)
    return out


def _pages(rnd: Round, group: Group) -> dict[str, str]:
    return {
        "round": f"/tables/{rnd.slug}",
        "group": f"/groups/{group.slug}",
        "home": "/",
        "tables": "/tables",
        "ledger": f"/ledger?round={rnd.id}",
        "ledger_all": "/ledger",
        "api_proposals": f"/api/v1/proposals?round={rnd.slug}",
        "api_results": f"/api/v1/results?round={rnd.slug}",
        "api_awards": f"/api/v1/awards?round={rnd.slug}",
        "api_ledger": f"/api/v1/ledger?round={rnd.slug}",
        "api_round": f"/api/v1/rounds/{rnd.slug}",
        "360giving": "/open-data/360giving.json",
        "feed": "/open-data/feed.atom",
    }


def test_public_pages_do_the_same_number_of_queries_for_10_and_1000_proposals(client, app):
    convenor = factories.person("Cara Convenor")
    small, small_group = _round_with(10, convenor)
    small_counts = {name: _counts(client, [url])[url] for name, url in _pages(small, small_group).items()}
    big, big_group = _round_with(1000, convenor)
    assert db.session.query(Proposal).filter_by(round_id=big.id).count() == 1000
    big_counts = {name: _counts(client, [url])[url] for name, url in _pages(big, big_group).items()}
    assert big_counts == small_counts
    # The table page reads 27 since it publishes the audit head, the quorum as applied and only
    # accepted funders (issues 14 and 15), and each table and bid in the reader's language (issue 19:
    # their versions in other languages, one query for every row at once); the cap keeps it from growing unnoticed.
    assert max(big_counts.values()) <= 27
