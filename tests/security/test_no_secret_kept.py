"""Issue 16: no secret kept beside its hash.

A demo-like run through the web issues each kind of one-time secret: a password-reset token, a
panel-invitation token, e-mailed and printed voting codes. Each must reach the person (the
e-mail or the printed page), be usable, and then be found nowhere in the database (every
column of every table, read raw so nothing is decrypted) or in the request log.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select, text

from grants.auth.services import register_person
from grants.extensions import db
from grants.models import Electorate, Notification
from tests import factories as f
from tests.ballots.test_community_vote import CODE, vote_with_code
from tests.ballots.test_decision_ballots import as_person, build
from tests.conftest import post_form, text_of


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _every_value_in_the_database() -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-empty value of every table, read raw."""
    found = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT * FROM "{table.name}"')).mappings().all()  # noqa: S608 - our own table names
            for row in rows:
                for column, value in row.items():
                    if value is not None:
                        raw = value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                        found.append((table.name, column, raw))
    return found


def _variants(secret: str) -> set[str]:
    """A secret as it might be written: as given, without dashes, lower case, URL-quoted."""
    return {secret, secret.replace("-", ""), secret.lower(), secret.lower().replace("-", "")}


def test_no_secret_is_kept_in_any_table_or_the_request_log(client, app, mailbox):
    request_log = _Records()
    logger = logging.getLogger("grants.requests")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(request_log)
    try:
        secrets: dict[str, str] = {}

        # A community-wide table: printed codes and e-mailed codes.
        convenor, rnd, (a, _b, _c), _members = build(1, electorate=Electorate.COMMUNITY, community_name="Hyde Park")
        f.to_voting(convenor, rnd.id)
        as_person(client, convenor)
        page = f"/vote/{rnd.slug}/codes"
        printed = CODE.findall(post_form(client, page, {"action": "print", "how_many": "2"}, page=page).get_data(True))
        assert len(printed) == 2
        secrets.update({f"printed code {i}": code for i, code in enumerate(printed)})
        sent = post_form(client, page, {"action": "email", "addresses": "ann@example.org\nbob@example.org"}, page=page)
        assert sent.status_code == 302
        for address in ("ann@example.org", "bob@example.org"):
            (mail,) = mailbox.texts_to(address)
            secrets[f"voting code for {address}"] = re.search(r"code is ([A-Z0-9-]{14})", mail).group(1)

        # A panel invitation through the convenor's form.
        other = f.open_round(convenor, title="Table of invitations")
        invite = f"/panel/{other.slug}/invite"
        invited = post_form(client, invite, {"email": "new.member@example.org", "role": "member"}, page=invite)
        assert invited.status_code == 302
        (invitation,) = mailbox.texts_to("new.member@example.org")
        secrets["invitation token"] = re.search(r"/panel/join/([\w-]+)", invitation).group(1)

        # A password reset asked for by a signed-out person.
        client.delete_cookie("session")
        someone = f.person("Rosa Reset")
        post_form(client, "/password-reset", {"email": someone.email}, page="/password-reset")
        (reset,) = mailbox.texts_to(someone.email)
        reset_path = re.search(r"(/password-reset/\S+)", reset).group(1)
        secrets["reset token"] = reset_path.removeprefix("/password-reset/")

        # The secrets work: they were really issued, not just printed.
        vote_with_code(client, rnd.slug, secrets["voting code for ann@example.org"], {"proposal": str(a.id)})
        new = {"password": "a brand new password", "confirm": "a brand new password"}
        client.delete_cookie("session")
        assert post_form(client, reset_path, new, page=reset_path).status_code == 302
        # An invitation is accepted only by the account of the address it was sent to (issue 15).
        newcomer = register_person(email="new.member@example.org", display_name="Nia Newcomer", password=f.PASSWORD)
        as_person(client, newcomer)
        join = f"/panel/join/{secrets['invitation token']}"
        assert client.get(join).status_code == 200
        assert post_form(client, join, {}, page=join).status_code == 302
        assert "Table of invitations" in text_of(client.get("/me"))

        # Nothing is waiting to be sent, so nothing should hold a secret, even encrypted.
        waiting = db.metadata.tables.get("notification_secrets")
        assert waiting is None or db.session.execute(select(waiting)).all() == []
        kept = _every_value_in_the_database()
        assert len(kept) > 100  # the search really read the tables
        leaks = [
            (what, table, column)
            for what, secret in secrets.items()
            for table, column, value in kept
            if any(v in value for v in _variants(secret))
        ]
        assert leaks == []
        logged = "\n".join(request_log.lines)
        assert logged.count('"event":"request"') > 10  # the request log really saw the run
        assert [what for what, secret in secrets.items() if any(v in logged for v in _variants(secret))] == []
        # What is shown on the site in place of a secret.
        note = db.session.execute(select(Notification).where(Notification.event == "password_reset")).scalar_one()
        assert note.shown_link is None and "(in the e-mail we sent)" not in note.shown_body
    finally:
        logger.removeHandler(request_log)
        logger.setLevel(level)


def test_an_invitation_link_expires(client, app):
    from datetime import UTC, datetime, timedelta

    from grants.models import PanelInvitation, PanelRole
    from grants.panels.services import invite

    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    _invitation, token = invite(person=convenor, round_id=rnd.id, email="late@example.org", role=PanelRole.MEMBER)
    assert client.get(f"/panel/join/{token}").status_code == 200
    row = db.session.execute(select(PanelInvitation)).scalar_one()
    row.created_at = datetime.now(UTC) - timedelta(days=app.config["PANEL_INVITATION_DAYS"], minutes=1)
    db.session.commit()
    page = client.get(f"/panel/join/{token}")
    assert page.status_code == 404 and "14 days old" in text_of(page)
    late = f.person("Lee Late")
    as_person(client, late)
    assert post_form(client, f"/panel/join/{token}", {}, page="/me").status_code == 404
