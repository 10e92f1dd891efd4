"""Community-wide votes: single-use voting codes, printed and handed out or sent by e-mail.

A code is shown once, when it is made; only its hash is kept, with nothing about who
holds it. Voting with a code marks it used in the same transaction as the ballot, with
a conditional update, so a code casts exactly one ballot even when used twice at once.
Receipts and the anonymous ballot file work as for panel votes.
"""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select, update

from grants import audit
from grants.ballots.services import (
    RECEIPT_ALPHABET,
    BallotPaper,
    FormData,
    VotingClosed,
    ballot_proposals,
    new_receipt,
    read_ballot,
    write_ballot,
)
from grants.core import DomainError, NotAllowed, lock_for_update, transaction
from grants.extensions import db
from grants.language.records import counted
from grants.language.written import lazy_text
from grants.models import Electorate, Person, Round, VotingCode
from grants.models.notifications import SECRET_MARK
from grants.notifications import notify_address
from grants.roles import is_convenor
from grants.site import link_to

MAX_CODES_AT_ONCE = 2000


class CodeRefused(DomainError):
    """The code is not valid for this table, or has been used."""


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    """A code like VQ7K-M2XD-P9RA: 60 bits from an alphabet with no 0/O or 1/I."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _check_round(person: Person, rnd: Round) -> None:
    if not is_convenor(person, rnd.id):
        raise NotAllowed(_("Only a convenor of this table can give out voting codes."))
    if rnd.electorate is not Electorate.COMMUNITY:
        raise DomainError(_("This table's panel votes; voting codes are for community-wide votes."))
    if not rnd.is_voting:
        raise DomainError(_("Give out voting codes once voting has opened, so they can be used at once."))


def _make(session, round_id: int, n: int, delivery: str) -> list[str]:  # noqa: ANN001
    codes = [new_code() for _i in range(n)]
    session.add_all([VotingCode(round_id=round_id, code_hash=_hash(c), delivery=delivery) for c in codes])
    session.flush()
    return codes


def print_codes(*, person: Person, round_id: int, how_many: int) -> list[str]:
    """Make codes to print and hand out. They are shown once; only their hashes are kept."""
    if not 1 <= how_many <= MAX_CODES_AT_ONCE:
        raise DomainError(_("Make between 1 and %(max)s codes at a time.", max=MAX_CODES_AT_ONCE))
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        _check_round(person, rnd)
        codes = _make(session, rnd.id, how_many, "printed")
        audit.record(
            "voting_codes_printed",
            counted(
                "%(num)d voting code was made to print and hand out.",
                "%(num)d voting codes were made to print and hand out.",
                how_many,
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return codes


def parse_addresses(text: str) -> list[str]:
    """E-mail addresses from a typed or uploaded list: one a line, or separated by commas or semicolons."""
    found = []
    for line_no, raw in enumerate(text.replace(";", "\n").replace(",", "\n").splitlines(), start=1):
        address = raw.strip().strip('"').strip()
        if not address or address.lower() in ("email", "e-mail", "email address"):
            continue
        if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
            raise DomainError(
                _("Entry %(line)s, “%(address)s”, is not an e-mail address.", line=line_no, address=address)
            )
        found.append(address.lower())
    unique = list(dict.fromkeys(found))
    if not unique:
        raise DomainError(_("The list has no e-mail addresses."))
    if len(unique) > MAX_CODES_AT_ONCE:
        raise DomainError(_("Send to at most %(max)s addresses at a time.", max=MAX_CODES_AT_ONCE))
    return unique


def send_codes(*, person: Person, round_id: int, addresses: list[str]) -> int:
    """E-mail each address its own code; the address is not kept with the code."""
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        _check_round(person, rnd)
        codes = _make(session, rnd.id, len(addresses), "email")
        for address, code in zip(addresses, codes, strict=True):
            notify_address(
                address,
                "voting_opened",
                _l("Your voting code for %(title)s", title=lazy_text(rnd, "title")),
                _l(
                    "%(community)s is deciding how to spend money together: %(title)s. Your single-use voting code "
                    "is %(code)s. Vote at %(path)s before %(date)s. Your vote is secret.",
                    community=rnd.community_name or _l("Your community"),
                    title=lazy_text(rnd, "title"),
                    code=SECRET_MARK,
                    path=f"/vote/{rnd.slug}/code",
                    date=LazyString(format_date, rnd.voting_closes_at, "dd MMMM y"),
                ),
                link=link_to("ballots.code_entry", slug=rnd.slug),
                secret=code,
            )
        audit.record(
            "voting_codes_sent",
            counted(
                "Voting codes were sent by e-mail to %(num)d person.",
                "Voting codes were sent by e-mail to %(num)d people.",
                len(addresses),
            ),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return len(addresses)


def codes_issued(round_id: int) -> int:
    """How many codes a community-wide round has given out: its electorate."""
    return db.session.execute(select(func.count(VotingCode.id)).where(VotingCode.round_id == round_id)).scalar_one()


def code_paper(rnd: Round, code: str) -> BallotPaper:
    """The ballot paper for a code holder, or a refusal saying why."""
    if not rnd.is_voting:
        raise VotingClosed("Voting is not open on this table.")
    if rnd.electorate is not Electorate.COMMUNITY:
        raise CodeRefused("This table's panel votes; there are no voting codes for it.")
    row = db.session.execute(
        select(VotingCode).where(VotingCode.round_id == rnd.id, VotingCode.code_hash == _hash(code))
    ).scalar_one_or_none()
    if row is None:
        raise CodeRefused("That code is not a voting code for this table. Check it and try again.")
    if row.used:
        raise CodeRefused("That code has already been used. Each code votes once.")
    return BallotPaper(
        round=rnd,
        proposals=ballot_proposals(rnd.id),
        stood_aside=set(),
    )


def cast_with_code(*, code: str, round_id: int, form: FormData) -> str | None:
    """Cast a ballot with a voting code and return the receipt; the code is used up in the same transaction."""
    with transaction() as session:
        rnd = db.session.execute(select(Round).where(Round.id == round_id).with_for_update(read=True)).scalar_one()
        db.session.refresh(rnd)
        paper = code_paper(rnd, code)
        checked = read_ballot(paper, form)
        used = session.execute(
            update(VotingCode)
            .where(VotingCode.round_id == rnd.id, VotingCode.code_hash == _hash(code), VotingCode.used.is_(False))
            .values(used=True)
        )
        if used.rowcount != 1:
            raise CodeRefused("That code has already been used. Each code votes once.")
        receipt = new_receipt() if rnd.receipts_on else None
        write_ballot(session, round_id=rnd.id, checked=checked, receipt=receipt)
    return receipt
