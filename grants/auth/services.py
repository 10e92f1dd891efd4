"""Account use cases."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from grants.core import DomainError, transaction
from grants.extensions import db
from grants.models import (
    Funder,
    FunderMembership,
    Group,
    GroupMembership,
    Notification,
    PanelMember,
    Person,
    Round,
    RoundStaff,
)
from grants.models.notifications import SECRET_MARK
from grants.notifications import notify, notify_address
from grants.secrets_at_rest import decrypt_fresh, encrypt
from grants.site import link_to

RESET_MAX_AGE = 60 * 60  # one hour
LOGIN_FAILED = "That e-mail address and password do not match an account. Check them, or reset your password."


def _login_failed() -> str:
    """LOGIN_FAILED in the page's language (the constant stays English for the tests that compare it)."""
    return _("That e-mail address and password do not match an account. Check them, or reset your password.")


@functools.cache
def _dummy_hash(method: str) -> str:
    """Compared against when no account matches, so a failed login takes the same time either
    way: a hash made with the method every account's password is hashed with, so an unknown
    address costs what a known one costs (made once per method, on the first failed login)."""
    return generate_password_hash("not-a-real-password-xxxxxxxx", method=method)


def normalise_email(email: str) -> str:
    """E-mail addresses are matched without case or surrounding spaces."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Werkzeug's hash with the configured method."""
    return generate_password_hash(password, method=_hash_method())


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def find_person_by_email(email: str) -> Person | None:
    """The person with this e-mail address, if any."""
    return db.session.execute(
        select(Person).where(func.lower(Person.email) == normalise_email(email))
    ).scalar_one_or_none()


def register_person(*, email: str, display_name: str, password: str) -> Person:
    """Create an account."""
    with transaction() as session:
        if find_person_by_email(email):
            raise DomainError(
                _("There is already an account for that e-mail address. Sign in, or reset your password.")
            )
        person = Person(
            email=normalise_email(email),
            display_name=display_name.strip(),
            password_hash=hash_password(password),
        )
        session.add(person)
    return person


SIGNUP_MAX_AGE = 24 * 60 * 60  # a sign-up link works for a day


def start_signup(*, email: str, display_name: str, password: str, link_for) -> None:  # noqa: ANN001
    """Someone asks for an account: the answer on the page is the same whether or not the address
    has one, and the e-mail tells the address's owner which it is.

    A new address gets a link that finishes the account (so nobody can learn from the page who
    has an account, or make one for an address they do not read); an address that has an account
    gets a note saying so, with the ways in. The link carries the name and the password's hash
    encrypted under DATA_KEYS, so nothing is stored until the owner follows it."""


    email = normalise_email(email)
    password_hash = hash_password(password)  # the same work either way: no timing difference
    with transaction():
        existing = find_person_by_email(email)
        if existing is not None:
            notify(
                [existing.id],
                "account_exists",
                _l("Someone asked to create an account with your address"),
                _l(
                    "Someone asked to create an Our Tables account with this e-mail address, but you already have "
                    "one. If it was you, sign in, or reset your password if you have forgotten it. If it was not "
                    "you, you can ignore this message: nothing has changed."
                ),
                link=link_to("auth.login"),
            )
            return
        token = encrypt(json.dumps({"email": email, "name": display_name.strip(), "hash": password_hash}))
        notify_address(
            email,
            "account_exists",
            _l("Finish creating your Our Tables account"),
            _l(
                "Someone (we hope you) asked to create an Our Tables account with this e-mail address. Open the "
                "link within a day to finish. If it was not you, you can ignore this message."
            ),
            link=link_for(SECRET_MARK),
            secret=token,
        )


def finish_signup(token: str) -> Person:
    """Create the account a sign-up link describes."""



    try:
        data = json.loads(decrypt_fresh(token, SIGNUP_MAX_AGE))
    except (InvalidToken, ValueError, TypeError) as exc:
        raise DomainError(_("That link has expired or is not valid. Create your account again.")) from exc
    already = _("There is already an account for that e-mail address. Sign in, or reset your password.")
    try:
        with transaction() as session:
            if find_person_by_email(data["email"]):
                raise DomainError(already)
            person = Person(email=data["email"], display_name=data["name"], password_hash=data["hash"])
            session.add(person)
    except IntegrityError as exc:
        # The same link opened twice at once (a double click, two tabs): the other made the account.
        if find_person_by_email(data["email"]) is None:
            raise
        raise DomainError(already) from exc
    return person


def authenticate(email: str, password: str) -> Person:
    """The person whose e-mail and password match; one generic error otherwise."""
    person = find_person_by_email(email)
    if person is None:
        check_password_hash(_dummy_hash(_hash_method()), password)
        raise DomainError(_login_failed())
    if not check_password_hash(person.password_hash, password):
        raise DomainError(_login_failed())
    return person


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(person: Person) -> str:
    """A signed, time-limited token that stops working once the password changes."""
    return _serializer().dumps({"id": person.id, "h": person.password_hash[-12:]})


def _reset_emails_this_hour(person: Person) -> int:
    since = datetime.now(UTC) - timedelta(seconds=RESET_MAX_AGE)
    stmt = select(func.count()).where(
        Notification.person_id == person.id, Notification.event == "password_reset", Notification.created_at > since
    )
    return db.session.execute(stmt).scalar_one()


def request_password_reset(email: str, link_for) -> str | None:  # noqa: ANN001
    """Queue a reset e-mail if the address has an account. Returns the link (for the dev log) or None."""

    with transaction():
        person = find_person_by_email(email)
        if person is None or _reset_emails_this_hour(person) >= current_app.config["RESET_EMAILS_PER_HOUR"]:
            # Enough links are on their way: each works for an hour, and the limit's window is that
            # hour, so the owner already holds a working one. The requester is told the same.
            return None
        # Only the mark is stored in the link; the token goes in the e-mail and is then forgotten.
        token = make_reset_token(person)
        link = link_for(SECRET_MARK)
        notify(
            [person.id],
            "password_reset",
            _l("Reset your password"),
            _l(
                "Someone asked to reset the password for your Our Tables account. If it was you, open the link "
                "within an hour to choose a new password. If it was not, you can ignore this message."
            ),
            link=link,
            secret=token,
        )
    return link.replace(SECRET_MARK, token)


def reset_password(token: str, new_password: str) -> Person:
    """Set a new password from a reset token."""
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except SignatureExpired as exc:
        raise DomainError(_("That reset link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise DomainError(_("That reset link is not valid. Ask for a new one.")) from exc
    with transaction():
        person = db.session.get(Person, data.get("id"))
        if person is None or person.password_hash[-12:] != data.get("h"):
            raise DomainError(_("That reset link has already been used. Ask for a new one."))
        person.password_hash = hash_password(new_password)
        # Whoever knew the old password may still hold a session: every one of them ends.
        person.session_epoch += 1
    return person


def end_sessions(person: Person) -> Person:
    """End every session this person has, on every device (sign out, sign out everywhere)."""
    with transaction() as session:
        fresh = session.get(Person, person.id)
        fresh.session_epoch += 1
    return fresh


def dashboard_for(person: Person) -> dict[str, list]:
    """Everything a person has a role in, for their own page."""

    def rows(stmt):  # noqa: ANN001, ANN202
        return list(db.session.execute(stmt).all())

    return {
        "groups": rows(
            select(Group, GroupMembership.role)
            .join(GroupMembership, GroupMembership.group_id == Group.id)
            .where(GroupMembership.person_id == person.id)
            .order_by(Group.name)
        ),
        "staff": rows(
            select(Round, RoundStaff.role)
            .join(RoundStaff, RoundStaff.round_id == Round.id)
            .where(RoundStaff.person_id == person.id)
            .order_by(Round.created_at.desc())
        ),
        "panels": rows(
            select(Round, PanelMember)
            .join(PanelMember, PanelMember.round_id == Round.id)
            .where(PanelMember.person_id == person.id, PanelMember.stepped_down_at.is_(None))
            .order_by(Round.created_at.desc())
        ),
        # Funders alone, not rows: the page reads funder.name and funder.slug.
        "funders": list(
            db.session.execute(
                select(Funder)
                .join(FunderMembership, FunderMembership.funder_id == Funder.id)
                .where(FunderMembership.person_id == person.id)
                .order_by(Funder.name)
            ).scalars()
        ),
    }
