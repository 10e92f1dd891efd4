"""The note about pay and welfare benefits: the one place its wording lives.

The site's default below says plainly what each choice means for benefits, where that comes
from and when it was checked. The operator can replace any part of it with a TOML file named
by `BENEFITS_NOTE_FILE` (see `deploy/benefits-note.example.toml`) when the rules or the
guidance change; a table's convenor can add a note of their own, shown under it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.extensions import db
from grants.models import PanelBenefitsNote


@dataclass(frozen=True)
class Source:
    name: str
    url: str


@dataclass(frozen=True)
class BenefitsNote:
    """What the site tells panel members about pay and benefits, with its sources.

    The site's default wording is translated (lazily, into the reader's language); the sources
    keep their own titles, and an operator's replacement is shown as the operator wrote it."""

    intro: str
    # What each choice means for benefits, by PayChoice value, and "expenses".
    effects: dict[str, str]
    advice: str
    sources: tuple[Source, ...]
    checked_on: date


ADVICE = _l(
    "Always check with an adviser before you choose, because it depends on your own situation: "
    "Citizens Advice (citizensadvice.org.uk, 0800 144 8848), your local welfare rights service, "
    "or Turn2us (turn2us.org.uk) give free, independent and confidential advice. "
    "You can change your choice at any time."
)

DEFAULT = BenefitsNote(
    intro=_l(
        "Being paid for your time on the panel can affect welfare benefits such as Universal Credit, "
        "Employment and Support Allowance (ESA) or Housing Benefit, and you may need to report it. "
        "This is what each choice means:"
    ),
    effects={
        "bank": _l("Pay by bank transfer counts as income. You may need to tell the Jobcentre or council."),
        "voucher": _l(
            "Vouchers count as income, just like money: the DWP treats payment in vouchers the same as "
            "payment in cash. Choosing vouchers does not protect your benefits."
        ),
        "reduced": _l(
            "A smaller amount still counts as income, but only what you are paid. It can help you stay "
            "under a limit, such as the ESA permitted work limit."
        ),
        "donate": _l(
            "Pay you give to the table's pot goes straight to the pot and never reaches you: it is not "
            "treated as paid to you, as with a payment given straight to a charity."
        ),
        "decline": _l("A payment you decline is not treated as paid to you."),
        "expenses": _l(
            "Expenses paid back (travel, care, phone data) are ignored: they are not income, as long as "
            "they only repay what you spent. You can claim them whatever you choose."
        ),
    },
    advice=ADVICE,
    # NOT RE-VERIFIED ONLINE (6 December 2026): these addresses were written from the guidance as
    # known, on a machine with no internet access, so neither URL (the SCIE one in particular) was
    # opened to confirm it still resolves and still says what the effects above summarise. Before
    # launch, open both, confirm the wording, and update `checked_on` (or the operator's TOML file).
    sources=(
        Source(
            "NIHR, Payment guidance for members of the public considering involvement in research (2024)",
            "https://www.nihr.ac.uk/payment-guidance-members-public-considering-involvement-research",
        ),
        Source(
            "SCIE, Paying people who receive benefits: co-production and participation",
            "https://www.scie.org.uk/co-production/supporting/paying-people-who-receive-benefits/",
        ),
    ),
    checked_on=date(2026, 12, 6),
)


def site_note() -> BenefitsNote:
    """The site's note: the default, with any part the operator has replaced."""
    path = current_app.config.get("BENEFITS_NOTE_FILE")
    if not path:
        return DEFAULT
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    note = DEFAULT
    if "intro" in data:
        note = replace(note, intro=str(data["intro"]))
    if "advice" in data:
        note = replace(note, advice=str(data["advice"]))
    if "effects" in data:
        note = replace(note, effects={**note.effects, **{k: str(v) for k, v in data["effects"].items()}})
    if "sources" in data:
        note = replace(note, sources=tuple(Source(str(s["name"]), str(s["url"])) for s in data["sources"]))
    if "checked_on" in data:
        checked = data["checked_on"]
        note = replace(note, checked_on=checked if isinstance(checked, date) else date.fromisoformat(str(checked)))
    return note


def table_note(round_id: int) -> str:
    """The table's own note from its convenor, or an empty string."""
    found = db.session.execute(
        select(PanelBenefitsNote.text).where(PanelBenefitsNote.round_id == round_id)
    ).scalar_one_or_none()
    return found or ""
