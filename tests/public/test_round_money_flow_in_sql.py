"""Issue 17, light pages: a table's money-flow picture is added up in SQL (the biggest groups one by
one, the rest as one sum) and is the same chart, table and words as folding every award in Python."""

from __future__ import annotations

import re
from datetime import date

import pytest

from grants.core import transaction
from grants.extensions import db
from grants.models import Proposal, Round
from grants.money.services import commit_awards
from grants.public import charts, queries
from tests import factories


def _table_of_many_awards():  # noqa: ANN202
    """Seven awards to six groups (two share a name, amounts tie), one funder."""
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor, max_grant_pence=500_000)
    factories.funded(rnd.id, 5_000_000)
    lead = factories.person("Lee Lead")
    names = ["beta", "Alpha", "alpha", "Gamma", "Delta", "Delta"]  # "Delta" twice: two groups, one name
    costs = [30_000, 30_000, 50_000, 10_000, 20_000, 20_000]
    proposals = []
    for n, (name, cost) in enumerate(zip(names, costs, strict=True)):
        grp = factories.group(lead, name=name if n != 5 else "Delta")
        proposals.append(factories.proposal(lead, rnd.id, grp, cost))
    extra = factories.proposal(lead, rnd.id, factories.group(lead, name="Epsilon"), 30_000)
    with transaction():
        commit_awards(db.session.get(Round, rnd.id), [db.session.get(Proposal, p.id) for p in [*proposals, extra]],
                      date.today())  # fmt: skip
    return db.session.get(Round, rnd.id)


@pytest.mark.parametrize("keep", [1, 2, 3, 4, 5, 6, 12])
def test_the_chart_added_up_in_sql_is_the_chart_of_every_award(app, keep):
    rnd = _table_of_many_awards()
    every = charts.money_flow(*queries.money_flows(rnd.id), keep=keep)
    given, kept, other = queries.round_money_flows(rnd, keep=keep)
    assert other is None or len(kept) == keep  # past `keep` groups, only the biggest are read one by one
    assert (other is None) == (keep >= 6)  # six names (two groups are both "Delta")
    summed = charts.money_flow(given, kept, keep=keep, other_groups=other)
    assert summed.desc == every.desc
    assert summed.rows == every.rows
    assert _same_ids(summed.svg) == _same_ids(every.svg)  # each chart has its own numbered ids
    assert _same_ids(summed.narrow) == _same_ids(every.narrow)


def _same_ids(svg) -> str:  # noqa: ANN001
    return re.sub(r"chart-\d+-", "chart-N-", str(svg))
