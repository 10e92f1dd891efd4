"""A community-wide vote through the web: codes printed or e-mailed, used once, secret, counted."""

from __future__ import annotations

import io
import re
import threading

from sqlalchemy import func, select

from grants.ballots import codes
from grants.core import DomainError
from grants.extensions import db
from grants.models import Ballot, Electorate, Notification, Round, VotingCode
from tests import factories as f
from tests.ballots.test_ballot_types import Form
from tests.ballots.test_decision_ballots import HIDDEN, RECEIPT, as_person, build, close
from tests.conftest import csrf_token, post_form, text_of
from tests.sealed import sealed_ballots

CODE = re.compile(r'<span class="receipt">([A-Z0-9-]{14})</span>')


def vote_with_code(client, slug: str, code: str, data: dict) -> str:  # noqa: ANN001
    client.delete_cookie("session")
    entry = post_form(client, f"/vote/{slug}/code", {"code": code.lower().replace("-", " ")}, page=f"/vote/{slug}/code")
    assert entry.status_code == 302, text_of(entry)
    check = post_form(client, f"/vote/{slug}/code/ballot", data, page=f"/vote/{slug}/code/ballot")
    html = check.get_data(as_text=True)
    assert "Check your ballot" in html, text_of(check)
    cast_form = html[html.index(f'action="/vote/{slug}/code/cast"') :].split("</form>")[0]
    carried: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(cast_form):
        carried.setdefault(name, []).append(value)
    response = post_form(client, f"/vote/{slug}/code/cast", carried, page=f"/vote/{slug}/code/ballot")
    assert response.status_code == 302, text_of(response)
    return RECEIPT.search(client.get(response.headers["Location"]).get_data(as_text=True)).group(1)


def test_community_vote_with_printed_and_emailed_codes(client, app, mailbox):
    convenor, rnd, (a, b, c), _members = build(
        1, electorate=Electorate.COMMUNITY, community_name="Hyde Park tenants", quorum_min_share_percent=50
    )
    f.to_voting(convenor, rnd.id)
    as_person(client, convenor)
    page = f"/vote/{rnd.slug}/codes"
    printed = post_form(client, page, {"action": "print", "how_many": "4"}, page=page)
    found = CODE.findall(printed.get_data(as_text=True))
    assert len(found) == 4 and "Print this page now" in text_of(printed)
    # Only hashes are kept.
    hashes = set(db.session.execute(select(VotingCode.code_hash)).scalars())
    assert not any(code in hashes or code.replace("-", "") in hashes for code in found)
    bad_list = post_form(client, page, {"action": "email", "addresses": "ann@example.org\nnot an address"}, page=page)
    assert bad_list.status_code == 400 and "is not an e-mail address" in text_of(bad_list)
    upload = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "action": "email",
            "addresses": "",
            "address_file": (io.BytesIO(b"email\nann@example.org\nbob@example.org\nANN@example.org\n"), "list.csv"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    mails = (
        db.session.execute(select(Notification).where(Notification.subject.like("Your voting code%"))).scalars().all()
    )
    assert sorted(m.email_to for m in mails) == ["ann@example.org", "bob@example.org"]
    # The codes are in the e-mails only (issue 16): the kept notifications do not hold them.
    assert not any(re.search(r"code is ([A-Z0-9-]{14})", m.body) for m in mails)
    sent = [text for address in ("ann@example.org", "bob@example.org") for text in mailbox.texts_to(address)]
    emailed = [re.search(r"code is ([A-Z0-9-]{14})", text).group(1) for text in sent]
    assert db.session.execute(select(func.count(VotingCode.id))).scalar_one() == 6
    assert "Vote with your code" in text_of(client.get(f"/tables/{rnd.slug}"))

    # A panel member's account cannot vote in a community-wide vote; a wrong code is refused.
    client.delete_cookie("session")
    wrong = post_form(client, f"/vote/{rnd.slug}/code", {"code": "AAAA-BBBB-CCCC"}, page=f"/vote/{rnd.slug}/code")
    assert wrong.status_code == 400 and "not a voting code for this table" in text_of(wrong)
    receipts = [vote_with_code(client, rnd.slug, found[0], {"proposal": str(a.id)})]
    receipts.append(vote_with_code(client, rnd.slug, emailed[0], {"proposal": [str(a.id), str(c.id)]}))
    receipts.append(vote_with_code(client, rnd.slug, found[1], {"proposal": str(b.id)}))
    again = post_form(client, f"/vote/{rnd.slug}/code", {"code": found[0]}, page=f"/vote/{rnd.slug}/code")
    assert "already been used" in text_of(again)
    message = close(client, convenor, rnd.slug)
    # 3 ballots of 6 codes: quorum 50% of 6 = 3, met.
    # The summary is the public record: 3 ballots go through the one suppression rule.
    assert "from fewer than 5 ballots (6 panel members could vote; quorum 3)" in message
    result_page = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "Everyone in Hyde Park tenants" in result_page
    # Figures about people under 5 go through the one suppression rule (issue 15); nobody stood aside: 0.
    suppressed = "0 panel members stood aside; fewer than 5 of those who voted were free to vote on it"
    assert suppressed in result_page
    assert "fewer than 5 panel members stood aside" not in result_page
    client.get(f"/language/cy?next=/tables/{rnd.slug}")
    welsh = text_of(client.get(f"/tables/{rnd.slug}"))
    assert "camodd 0 aelod o'r panel o'r neilltu; roedd llai na 5 o'r rhai a bleidleisiodd yn rhydd" in welsh
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 3
    assert set(db.session.execute(select(Ballot.receipt)).scalars()) == set(receipts)


def test_a_code_used_twice_at_once_casts_one_ballot(app):
    convenor, rnd, (a, _b, _c), _members = build(1, electorate=Electorate.COMMUNITY, community_name="Leeds")
    f.to_voting(convenor, rnd.id)
    (code,) = codes.print_codes(person=convenor, round_id=rnd.id, how_many=1)
    round_id, proposal_id = rnd.id, a.id
    db.session.remove()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def go() -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                codes.cast_with_code(code=code, round_id=round_id, form=Form({"proposal": str(proposal_id)}))
                results.append("cast")
            except DomainError:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["cast", "refused"]
    assert len(sealed_ballots(round_id)) == 1


def test_community_vote_rules(app):
    from grants.rounds.services import create_round

    convenor = f.person()
    for extra, message in (
        ({}, "Name the community"),
        ({"community_name": "Leeds", "quorum_lived_experience_percent": 50}, "cannot be checked"),
    ):
        try:
            create_round(person=convenor, values=f.rules(electorate=Electorate.COMMUNITY, **extra))
        except DomainError as exc:
            assert message in exc.message
        else:  # pragma: no cover
            raise AssertionError("refused rules were accepted")
    assert db.session.execute(select(func.count(Round.id))).scalar_one() == 0
