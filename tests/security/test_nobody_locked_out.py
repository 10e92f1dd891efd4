"""Issue 16: nobody is locked out or listed by someone else.

Only failed sign-ins count towards the limits, and a person whose account is paused gets in by
e-mail; signing up and adding group members or table staff answer the same whether or not an
account exists (the e-mail tells the owner), and are throttled.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import GroupMembership, Person, RoundStaff
from tests import factories
from tests.conftest import csrf_token, login, post_form, text_of
from tests.factories import PASSWORD


def _attempt(client, email: str, password: str, address: str = "198.51.100.7"):  # noqa: ANN001, ANN202
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_signing_in_often_never_locks_the_right_password_out(client):
    convenor = factories.person("Cleo Closingday")
    limit = int(client.application.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(limit + 5):
        assert _attempt(client, convenor.email, PASSWORD).status_code == 302
        client.delete_cookie("session")
    # A few mistakes among them still leave room: only failures count.
    for _ in range(limit - 1):
        assert _attempt(client, convenor.email, "a wrong guess").status_code == 400
    assert _attempt(client, convenor.email, PASSWORD).status_code == 302


def test_a_paused_account_gets_in_by_e_mail(client, mailbox):
    convenor = factories.person("Pat Paused")
    limit = int(client.application.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0])
    for i in range(limit):
        assert _attempt(client, convenor.email, "guess", address=f"203.0.113.{i}").status_code == 400
    paused = _attempt(client, convenor.email, PASSWORD, address="192.0.2.77")
    assert paused.status_code == 429
    assert "E-mail me a link to get in" in text_of(paused)
    assert 'href="/password-reset"' in paused.get_data(as_text=True)
    # The way in: the link in the e-mail signs the owner in, though password sign-in is still paused.
    post_form(client, "/password-reset", {"email": convenor.email}, page="/password-reset")
    path = re.search(r"(/password-reset/\S+)", mailbox.texts_to(convenor.email)[-1]).group(1)
    new = {"password": "a brand new password", "confirm": "a brand new password"}
    done = post_form(client, path, new, page=path)
    assert done.status_code == 302 and done.headers["Location"] == "/me"
    assert client.get("/me").status_code == 200


def _signup(client, email: str, address: str = "198.51.100.20"):  # noqa: ANN001, ANN202
    token = csrf_token(client, "/signup")
    return client.post(
        "/signup",
        data={"display_name": "Sam", "email": email, "password": "correct horse battery", "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def _answer(response) -> tuple:  # noqa: ANN001
    return response.status_code, response.headers.get("Location")


def test_signup_answers_the_same_whether_or_not_there_is_an_account(client, mailbox):
    someone = factories.person("Ena Existing")
    taken, free = _signup(client, someone.email), _signup(client, "nobody.yet@example.org")
    assert _answer(taken) == _answer(free) == (302, "/signup/check-your-email")
    assert "already an account" not in text_of(client.get(taken.headers["Location"]))
    # Only the e-mails differ, and only the address's owner reads them.
    assert "you already have one" in mailbox.texts_to(someone.email)[-1]
    assert "/signup/finish/" in mailbox.texts_to("nobody.yet@example.org")[-1]
    # Nothing is created until the link is followed.
    assert db.session.execute(select(func.count(Person.id))).scalar_one() == 1


def test_signup_is_throttled(client):
    limit = int(client.application.config["SIGNUP_LIMIT_PER_ADDRESS"].split()[0])
    statuses = [_signup(client, f"try{i}@example.org", address="192.0.2.99").status_code for i in range(limit + 10)]
    assert statuses[:limit] == [302] * limit
    assert set(statuses[limit:]) == {429}
    per_account = int(client.application.config["SIGNUP_LIMIT_PER_ACCOUNT"].split()[0])
    tries = [_signup(client, "same@example.org", address=f"203.0.113.{i}").status_code for i in range(per_account + 1)]
    assert tries[-1] == 429


def test_adding_a_group_member_shows_the_lead_the_same_whether_or_not_there_is_an_account(client, mailbox):
    """Issue 16: the answer was the same, but the member list then showed the person at once when
    the address had an account. Now adding makes an invitation either way, and the lead's pages
    are the same, word for word, until the owner of the address says yes."""
    lead = factories.person("Lia Lead")
    someone = factories.person("Ena Existing")
    login(client, lead.email)
    seen = []
    for email in (someone.email, "no.account@example.org"):
        grp = factories.group(lead, name="Same Name")  # a fresh group each time, so the pages compare
        page = f"/groups/{grp.slug}/members"
        response = post_form(client, page, {"email": email, "role": "member"}, page=page, follow=True)
        assert response.status_code == 200
        group_page = text_of(client.get(f"/groups/{grp.slug}/manage"))
        assert "Waiting for an answer" in group_page, (text_of(response), group_page)
        assert email in group_page.split("Waiting for an answer")[1]
        seen.append((text_of(response).replace(email, "EMAIL"), group_page.replace(email, "EMAIL")))
    # What the lead saw after each, word for word: the same answer and the same group page.
    assert seen[0] == seen[1]
    assert "Ena Existing" not in seen[0][1]
    assert db.session.execute(select(func.count(GroupMembership.id))).scalar_one() == 2  # only the lead, twice
    # Each owner is told by e-mail, in the same words.
    told = [mailbox.texts_to(someone.email)[-1], mailbox.texts_to("no.account@example.org")[-1]]
    assert told[0].replace(someone.email, "X") == told[1].replace("no.account@example.org", "X")
    # Another account cannot answer the invitation meant for Ena; Ena can, and is then a member.
    stranger = factories.person("Sam Stranger")
    post_form(client, "/logout")
    login(client, stranger.email)
    assert "no invitations waiting" in text_of(client.get("/me/invitations"))
    login(client, someone.email)
    invitations = client.get("/me/invitations").get_data(as_text=True)
    action = re.search(r'action="(/groups/invitations/\d+)"', invitations).group(1)
    post_form(client, "/logout")
    login(client, stranger.email)
    refused = post_form(client, action, {"answer": "yes"}, page="/me/invitations", follow=True)
    assert "not waiting for you" in text_of(refused)
    assert db.session.execute(select(func.count(GroupMembership.id))).scalar_one() == 2
    login(client, someone.email)
    assert "Invitations waiting for your answer" in text_of(client.get("/me"))
    joined = post_form(client, action, {"answer": "yes"}, page="/me/invitations")
    assert db.session.execute(select(func.count(GroupMembership.id))).scalar_one() == 3
    assert "Ena Existing" in text_of(client.get(joined.headers["Location"]))
    # Answered once: the same link does nothing a second time.
    again = post_form(client, action, {"answer": "no"}, page="/me/invitations", follow=True)
    assert "not waiting for you" in text_of(again)


def test_adding_table_staff_shows_the_convenor_the_same_whether_or_not_there_is_an_account(client, mailbox):
    """Issue 16: anyone can start a table and so be its convenor; adding an address as its treasurer
    then listed the account's name at once. Now it is an invitation either way, as for groups."""
    convenor = factories.person("Lia Lead")
    someone = factories.person("Ena Existing")
    login(client, convenor.email)
    seen = []
    for email in (someone.email, "no.account@example.org"):
        rnd = factories.open_round(convenor, title="Same Title")
        page = f"/manage/tables/{rnd.slug}/staff"
        response = post_form(client, page, {"email": email, "role": "treasurer"}, page=page, follow=True)
        assert response.status_code == 200
        manage = text_of(client.get(f"/manage/tables/{rnd.slug}"))
        assert email in manage.split("Waiting for an answer")[1]
        seen.append((text_of(response).replace(email, "EMAIL"), manage.replace(email, "EMAIL")))
    assert seen[0] == seen[1]
    assert "Ena Existing" not in seen[0][1]
    assert not db.session.execute(select(RoundStaff.id).where(RoundStaff.person_id == someone.id)).first()
    told = [mailbox.texts_to(someone.email)[-1], mailbox.texts_to("no.account@example.org")[-1]]
    assert told[0].replace(someone.email, "X") == told[1].replace("no.account@example.org", "X")
    # Ena says yes from her own page, and then helps run the table.
    login(client, someone.email)
    page = client.get("/me/invitations").get_data(as_text=True)
    action = re.search(r'action="(/manage/tables/invitations/\d+)"', page).group(1)
    joined = post_form(client, action, {"answer": "yes"}, page="/me/invitations")
    assert joined.status_code == 302
    assert "You now help run Same Title as a treasurer" in text_of(client.get(joined.headers["Location"]))
    assert db.session.execute(select(RoundStaff.id).where(RoundStaff.person_id == someone.id)).first()


def test_adding_people_is_throttled(client, app):
    app.config["ADD_PERSON_LIMIT"] = "5 per hour"
    lead = factories.person("Tia Trier")
    grp = factories.group(lead)
    login(client, lead.email)
    page = f"/groups/{grp.slug}/members"
    statuses = [
        post_form(client, page, {"email": f"guess{i}@example.org", "role": "member"}, page=page).status_code
        for i in range(8)
    ]
    assert statuses[:5] == [302] * 5 and statuses[5:] == [429] * 3
