"""Paper and assisted voting through the web: batches, a second person, and one vote per person."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Ballot, PaperBatch, Participation, StaffRole
from tests import factories as f
from tests.ballots.test_decision_ballots import as_person, build, close, declare, vote
from tests.conftest import post_form, text_of
from tests.sealed import sealed_ballots

# A check page's Change button for one row: (where it goes, the row it names for a screen reader).
CHANGE_ROW = r'formaction="([^"]+)" class="link-button">Change<span class="visually-hidden"> ([^<]+)</span>'


def test_paper_batches_need_a_second_person_and_block_double_voting(client, app):
    convenor, rnd, (a, b, c), members = build(6)
    second = f.person("Sam Second")
    f.join_staff(convenor, rnd.id, second, StaffRole.CONVENOR)
    declare(client, members[5], rnd.slug, a.id)
    f.to_voting(convenor, rnd.id)
    page = f"/vote/{rnd.slug}/paper"

    # A panel member cannot reach paper entry.
    as_person(client, members[0])
    assert client.get(page).status_code == 403

    # Member 0 votes online first.
    vote(client, members[0], rnd.slug, {"proposal": str(c.id)})

    as_person(client, convenor)
    entry = client.get(page)
    assert entry.status_code == 200 and "<legend" in entry.get_data(as_text=True)
    assert f'value="{members[0].id}"' not in entry.get_data(as_text=True)  # already voted online
    # A bad line is named.
    bad = post_form(client, page, {"voter": [str(members[1].id)], "ballots": "1, 9"}, page=page)
    assert bad.status_code == 400 and "Ballot on line 1: “9” is not a proposal number from 1 to 3" in text_of(bad)
    # The numbers of ballots and voters must match.
    check = post_form(client, page, {"voter": [str(members[1].id)], "ballots": "1, 3\n2"}, page=page)
    assert check.status_code == 200
    mismatch = post_form(client, f"{page}/save", {"voter": [str(members[1].id)], "ballots": "1, 3\n2"}, page=page)
    assert mismatch.status_code == 400 and "2 ballots but 1 people" in text_of(mismatch)
    # Someone who already voted online cannot be entered on paper.
    twice = post_form(client, f"{page}/save", {"voter": [str(members[0].id)], "ballots": "2"}, page=page)
    assert twice.status_code == 400 and "has already voted" in text_of(twice)
    # Someone who declared an interest votes online, with help if needed.
    conflicted = post_form(client, f"{page}/save", {"voter": [str(members[5].id)], "ballots": "2"}, page=page)
    assert conflicted.status_code == 400 and "declared an interest" in text_of(conflicted)
    # A good batch: members 1-3 on paper.
    voters = [str(m.id) for m in members[1:4]]
    check = post_form(client, page, {"voter": voters, "ballots": "1, 3\n1\nblank"}, page=page)
    assert "Check the batch" in text_of(check) and "Blank" in text_of(check)
    # Each row of the check page has its own Change button, to its own question (issue 17).
    rows = re.findall(CHANGE_ROW, check.get_data(as_text=True))
    assert rows == [(f"{page}#paper-voters", "who voted on paper"), (f"{page}#paper-ballots", "the ballots")]
    back = post_form(client, page, {"voter": voters, "ballots": "1, 3\n1\nblank", "change": "1"}, page=page)
    html = back.get_data(as_text=True)
    assert 'id="paper-voters"' in html and 'id="paper-ballots"' in html and "1, 3\n1\nblank" in html
    saved = post_form(client, f"{page}/save", {"voter": voters, "ballots": "1, 3\n1\nblank"}, page=page)
    assert saved.status_code == 302
    # The batch is sealed at once, and waits apart from the one online ballot: not counted yet.
    assert len(sealed_ballots(rnd.id)) == 1 and len(sealed_ballots(rnd.id, with_pending_paper=True)) == 4
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 0
    # Paper voters cannot now vote online.
    as_person(client, members[1])
    assert "already voted" in text_of(client.get(f"/vote/{rnd.slug}", follow_redirects=True))
    # Closing waits for confirmation.
    message = close(client, convenor, rnd.slug)
    # One batch, in the singular (it read '1 batch of paper ballots still wait … confirm them').
    assert "1 batch of paper ballots still waits for a second person to confirm it. Confirm it before" in message
    batch = db.session.execute(select(PaperBatch)).scalar_one()
    # The person who entered it cannot confirm it.
    as_person(client, convenor)
    own = post_form(client, f"{page}/{batch.id}/confirm", {}, page=page, follow=True)
    assert "A second person must confirm the batch" in text_of(own)
    as_person(client, second)
    ok = post_form(client, f"{page}/{batch.id}/confirm", {}, page=page, follow=True)
    assert "now count" in text_of(ok)
    db.session.refresh(batch)
    assert batch.pending_ballots == [] and batch.pending_voters == []
    assert len(sealed_ballots(rnd.id)) == 4
    channels = dict(
        db.session.execute(
            select(Participation.channel, func.count(Participation.id)).group_by(Participation.channel)
        ).all()
    )
    assert channels == {"online": 1, "paper": 3}
    vote(client, members[4], rnd.slug, {"proposal": str(a.id)})
    message = close(client, convenor, rnd.slug)
    assert "from 5 ballots" in message
    public = text_of(client.get(f"/tables/{rnd.slug}"))
    # A batch's ballots are its voters': its size under 5 goes through the one suppression rule.
    assert "A batch of fewer than 5 paper ballots was confirmed by a second person" in public
    assert "A batch of 3 paper ballots" not in public


def test_a_wrong_batch_can_be_discarded_and_its_voters_vote_again(client, app):
    convenor, rnd, (a, _b, _c), members = build(2)
    f.to_voting(convenor, rnd.id)
    page = f"/vote/{rnd.slug}/paper"
    as_person(client, convenor)
    post_form(client, f"{page}/save", {"voter": [str(members[0].id)], "ballots": "2"}, page=page)
    batch = db.session.execute(select(PaperBatch)).scalar_one()
    post_form(client, f"{page}/{batch.id}/discard", {}, page=page)
    assert db.session.execute(select(func.count(PaperBatch.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0
    vote(client, members[0], rnd.slug, {"proposal": str(a.id)})
