"""Remembering a person's language on their account."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from grants.core import DomainError, transaction
from grants.extensions import db
from grants.language import known
from grants.models import Person


def remember(person_id: int, code: str) -> None:
    """Keep `code` as the person's language: their pages, e-mails and notifications use it."""
    if not known(code):
        raise DomainError(_("That language is not offered here."))
    with transaction():
        db.session.execute(update(Person).where(Person.id == person_id).values(language=code))
