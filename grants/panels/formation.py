"""Forming a panel: the open call, the pool, a fair draw with a published seed, terms,
stepping down and calling in substitutes.

What volunteers say about lived experience is private: it leaves this module only as
counts (the make-up against the published target).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants import audit
from grants.core import DomainError, NotAllowed, hold, lock_for_update, transaction
from grants.extensions import db
from grants.language.records import Words
from grants.language.written import lazy_text
from grants.models import (
    N_,
    PanelMember,
    PanelRole,
    PanelSettings,
    PanelVolunteer,
    Person,
    Round,
    RoundStatus,
    VolunteerStatus,
)
from grants.notifications import notify
from grants.panels.conflicts import record_group_conflicts
from grants.roles import is_convenor, panel_seat
from grants.rounds.services import check_quorum_possible, quorum_values
from grants.site import link_to
from grants.tally import lottery_order

FINISHED = (RoundStatus.COUNTED, RoundStatus.NO_DECISION, RoundStatus.AWARDING, RoundStatus.PAYING,
            RoundStatus.REPORTING, RoundStatus.CLOSED)  # fmt: skip
CONTACT_CHOICES = {"email": "E-mail", "phone": "Phone call", "text": "Text message", "post": "Letter by post"}


def settings_for(round_id: int) -> PanelSettings:
    """The round's panel settings, or unsaved defaults if the convenor has not set any."""
    found = db.session.execute(select(PanelSettings).where(PanelSettings.round_id == round_id)).scalar_one_or_none()
    return found or PanelSettings(
        round_id=round_id,
        is_call_open=False,
        call_text="",
        panel_size=9,
        lived_experience_target_percent=67,
        sources_of_help="",
        where_else_to_look="",
        easy_read="",
    )


def _settings_row(round_id: int) -> PanelSettings:
    """The round's panel settings to change, made on first use; the round is held first, so two
    changes at once (a double click) go in turn rather than both making the row."""
    hold(Round, round_id)
    row = settings_for(round_id)
    if row.id is None:
        db.session.add(row)
        db.session.flush()
    return row


def _convenor_or_refuse(person: Person, round_id: int) -> Round:
    if not is_convenor(person, round_id):
        raise NotAllowed(_("Only a convenor of this table can do that."))
    return db.session.get(Round, round_id)


def save_settings(*, person: Person, round_id: int, values: dict) -> PanelSettings:
    """Set the open call, panel size, make-up target, term and support information."""
    with transaction():
        rnd = _convenor_or_refuse(person, round_id)
        row = _settings_row(round_id)
        target = values.get("lived_experience_target_percent", row.lived_experience_target_percent)
        if row.drawn_at is not None and (
            target != row.lived_experience_target_percent or values.get("panel_size", row.panel_size) != row.panel_size
        ):
            raise DomainError(_("The panel has been drawn, so its size and make-up target can no longer change."))
        if not 0 <= target <= 100:
            raise DomainError(_("The make-up target is a percentage from 0 to 100."))
        if values.get("panel_size", row.panel_size) < 1:
            raise DomainError(_("A panel needs at least one seat."))

        # The published quorum must stay possible with the panel's size (the error names the quorum part).
        check_quorum_possible(quorum_values(rnd), values.get("panel_size", row.panel_size))
        for key, value in values.items():
            setattr(row, key, value)
        audit.record("panel_settings_changed", Words(N_("The panel's call, target or support information changed.")),
                     actor_id=person.id, round_id=rnd.id, public=True)  # fmt: skip
    return row


def open_call(*, person: Person, round_id: int, is_open: bool) -> PanelSettings:
    """Open or close the public call for panel members. Closing publishes the draw seed."""
    with transaction():
        rnd = _convenor_or_refuse(person, round_id)
        if is_open and rnd.status in FINISHED:
            raise DomainError(_("This table has finished deciding; its panel cannot change now."))
        row = _settings_row(round_id)
        if is_open and row.drawn_at is not None:
            raise DomainError(_("The panel has already been drawn from this call."))
        row.is_call_open = is_open
        if not is_open and row.draw_seed is None:
            # Published when the pool is fixed and before the draw, so nobody can pick a seed that suits them.
            row.draw_seed = secrets.token_hex(16)
        audit.record("panel_call_" + ("opened" if is_open else "closed"),
                     Words(N_("The call for panel members opened.")) if is_open
                     else Words(N_("The call for panel members closed. Draw seed %(seed)s."), seed=row.draw_seed),
                     actor_id=person.id, round_id=rnd.id, public=True)  # fmt: skip
    return row


def volunteer(
    *, person: Person, round_id: int, has_lived_experience: bool, access_needs: str, contact_by: str,
    contact_details: str,
) -> PanelVolunteer:  # fmt: skip
    """Answer the open call (or change your answers while it is open).

    The person's row is held first, so the form sent twice at once (a double click) is saved
    twice in turn, rather than both inserting the answer and one failing."""
    with transaction() as session:
        hold(Person, person.id)
        rnd = session.get(Round, round_id)
        row = settings_for(round_id)
        if rnd is None or not row.is_call_open:
            raise DomainError(_("This call for panel members is not open."))
        if contact_by not in CONTACT_CHOICES:
            raise DomainError(_("Choose how you would like us to contact you."))
        existing = session.execute(
            select(PanelVolunteer).where(PanelVolunteer.round_id == round_id, PanelVolunteer.person_id == person.id)
        ).scalar_one_or_none()
        if existing is None:
            existing = PanelVolunteer(round_id=round_id, person_id=person.id, reference=_reference())
            session.add(existing)
        existing.status = VolunteerStatus.VOLUNTEERED
        existing.has_lived_experience = has_lived_experience
        existing.access_needs = access_needs.strip()
        existing.contact_by = contact_by
        existing.contact_details = contact_details.strip()
    return existing


def _reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "V-" + "".join(secrets.choice(alphabet) for _ in range(6))


def my_volunteering(person: Person, round_id: int) -> PanelVolunteer | None:
    """The person's own answer to the call, if any."""
    return db.session.execute(
        select(PanelVolunteer).where(PanelVolunteer.round_id == round_id, PanelVolunteer.person_id == person.id)
    ).scalar_one_or_none()


def withdraw_volunteer(*, person: Person, round_id: int) -> None:
    """Take your name out of the pool (before you are seated)."""
    with transaction():
        row = my_volunteering(person, round_id)
        if row is None or row.status is VolunteerStatus.WITHDRAWN:
            raise DomainError(_("You have not volunteered for this panel."))
        if row.status is VolunteerStatus.SEATED:
            raise DomainError(_("You are on the panel now. Step down from your panel page instead."))
        row.status = VolunteerStatus.WITHDRAWN


@dataclass(frozen=True)
class MakeUp:
    """The pool and the panel against the published target, in counts only."""

    volunteers: int
    volunteers_lived: int
    seats: int
    seated: int
    seated_lived: int
    seated_unknown: int
    substitutes: int
    target_percent: int

    @property
    def seated_lived_percent(self) -> int | None:
        known = self.seated - self.seated_unknown
        return round(100 * self.seated_lived / known) if known else None

    @property
    def target_met(self) -> bool:
        known = self.seated - self.seated_unknown
        return known > 0 and self.seated_lived * 100 >= self.target_percent * known


def make_up(round_id: int) -> MakeUp:
    """Counts of the pool and the panel; never who is who."""
    settings = settings_for(round_id)
    pool = db.session.execute(
        select(PanelVolunteer.status, PanelVolunteer.has_lived_experience).where(PanelVolunteer.round_id == round_id)
    ).all()
    seats = db.session.execute(
        select(PanelMember.has_lived_experience).where(
            PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None)
        )
    ).all()
    active_pool = [(s, lived) for s, lived in pool if s is not VolunteerStatus.WITHDRAWN]
    return MakeUp(
        volunteers=len(active_pool),
        volunteers_lived=sum(1 for _s, lived in active_pool if lived),
        seats=settings.panel_size,
        seated=len(seats),
        seated_lived=sum(1 for (lived,) in seats if lived),
        seated_unknown=sum(1 for (lived,) in seats if lived is None),
        substitutes=sum(1 for s, _ in active_pool if s is VolunteerStatus.SUBSTITUTE),
        target_percent=settings.lived_experience_target_percent,
    )


def draw_order(
    lived: list[str], others: list[str], seed: str, seats: int, target_percent: int
) -> tuple[list[str], list[str]]:
    """The published fair draw: (seated, substitutes in the order they are called).

    Each group is put in the order of sha256(seed:reference). Seats for people with
    lived experience are ceil(seats × target / 100), taken from the top of that group;
    the other seats from the top of the other group; if either group runs short, the
    other fills in. Everyone left becomes a substitute, people with lived experience
    first, each group still in its drawn order.
    """
    lived_order = lottery_order(lived, seed)
    other_order = lottery_order(others, seed)
    want_lived = min(math.ceil(seats * target_percent / 100), len(lived_order), seats)
    want_other = min(seats - want_lived, len(other_order))
    want_lived = min(seats - want_other, len(lived_order))
    seated = lived_order[:want_lived] + other_order[:want_other]
    return seated, lived_order[want_lived:] + other_order[want_other:]


def run_draw(*, person: Person, round_id: int) -> list[PanelVolunteer]:
    """Draw the panel from the pool with the published seed, and seat those drawn."""
    with transaction() as session:
        rnd = _convenor_or_refuse(person, round_id)
        lock_for_update(Round, round_id)
        row = _settings_row(round_id)
        if row.is_call_open or not row.draw_seed:
            raise DomainError(_("Close the call first: that fixes the pool and publishes the seed."))
        if row.drawn_at is not None:
            raise DomainError(_("The panel has already been drawn. Call in substitutes if someone steps down."))
        if rnd.status in FINISHED or rnd.rules_frozen:
            raise DomainError(_("Voting has opened, so the panel can no longer be drawn."))
        pool = list(
            session.execute(
                select(PanelVolunteer).where(
                    PanelVolunteer.round_id == round_id, PanelVolunteer.status == VolunteerStatus.VOLUNTEERED
                )
            ).scalars()
        )
        if not pool:
            raise DomainError(_("Nobody has volunteered yet, so there is nobody to draw."))
        by_ref = {v.reference: v for v in pool}
        seated, substitutes = draw_order(
            [v.reference for v in pool if v.has_lived_experience],
            [v.reference for v in pool if not v.has_lived_experience],
            row.draw_seed,
            row.panel_size,
            row.lived_experience_target_percent,
        )
        for position, ref in enumerate(seated + substitutes, start=1):
            by_ref[ref].draw_position = position
        for ref in seated:
            _seat(by_ref[ref], row, rnd)
        for ref in substitutes:
            by_ref[ref].status = VolunteerStatus.SUBSTITUTE
        row.drawn_at = datetime.now(UTC)
        audit.record("panel_drawn", Words(N_("The panel was drawn: %(seats)s seats, %(substitutes)s substitutes, "
                                             "seed %(seed)s."), seats=len(seated), substitutes=len(substitutes),
                                          seed=row.draw_seed),
                     actor_id=person.id, round_id=rnd.id, public=True)  # fmt: skip
    return [by_ref[ref] for ref in seated]


def _seat(volunteer: PanelVolunteer, settings: PanelSettings, rnd: Round, replaces: PanelMember | None = None) -> None:
    seat = db.session.execute(
        select(PanelMember).where(PanelMember.round_id == rnd.id, PanelMember.person_id == volunteer.person_id)
    ).scalar_one_or_none()
    if seat is None:
        seat = PanelMember(round_id=rnd.id, person_id=volunteer.person_id, role=PanelRole.MEMBER)
        db.session.add(seat)
    seat.stepped_down_at = None
    seat.has_lived_experience = volunteer.has_lived_experience
    seat.term_ends_on = settings.term_ends_on
    seat.replaces_id = replaces.id if replaces else None
    volunteer.status = VolunteerStatus.SEATED
    db.session.flush()

    record_group_conflicts(rnd.id)  # a drawn member of a bidding group stands aside from its bids
    notify(
        [volunteer.person_id],
        "panel_invitation",
        _l("You have a seat on the panel for %(title)s", title=lazy_text(rnd, "title")),
        _l(
            "You were drawn for the panel that decides %(title)s. Your panel page has the proposals, the ground "
            "rules and support. You can pause or step down at any time without giving a reason.",
            title=lazy_text(rnd, "title"),
        ),
        link=link_to("panels.home", slug=rnd.slug),
    )


def step_down(*, person: Person, round_id: int) -> PanelMember:
    """Leave the panel at any time. No reason is asked."""
    with transaction():
        seat = panel_seat(person, round_id)
        if seat is None:
            raise NotAllowed(_("You are not on this panel."))
        seat.stepped_down_at = datetime.now(UTC)
        audit.record("panel_member_stepped_down", Words(N_("A panel member stepped down.")), round_id=round_id,
                     public=True)  # fmt: skip
    return seat


def call_substitute(*, person: Person, round_id: int) -> PanelVolunteer:
    """Seat the next substitute from the draw, keeping the panel's make-up target in mind."""
    with transaction() as session:
        rnd = _convenor_or_refuse(person, round_id)
        lock_for_update(Round, round_id)
        if rnd.status in FINISHED:
            raise DomainError(_("This table has finished deciding; its panel cannot change now."))
        settings = settings_for(round_id)
        current = make_up(round_id)
        if current.seated >= settings.panel_size:
            raise DomainError(_("Every seat on the panel is filled."))
        waiting = list(
            session.execute(
                select(PanelVolunteer)
                .where(PanelVolunteer.round_id == round_id, PanelVolunteer.status == VolunteerStatus.SUBSTITUTE)
                .order_by(PanelVolunteer.draw_position)
            ).scalars()
        )
        if not waiting:
            raise DomainError(_("There are no substitutes left. Open the call again or invite someone."))
        # Keep to the target: if seats for people with lived experience are short, call one of them first.
        need_lived = current.seated_lived * 100 < settings.lived_experience_target_percent * (current.seated + 1)
        chosen = next((v for v in waiting if v.has_lived_experience == need_lived), waiting[0])
        _seat(chosen, settings, rnd)
        audit.record("panel_substitute_called", Words(N_("A substitute from the draw took a seat on the panel.")),
                     actor_id=person.id, round_id=rnd.id, public=True)  # fmt: skip
    return chosen


def draw_record(round_id: int) -> dict | None:
    """What anyone needs to repeat the draw: the seed, the groups by reference code, the order."""
    settings = settings_for(round_id)
    if settings.drawn_at is None:
        return None
    pool = list(
        db.session.execute(
            select(PanelVolunteer)
            .where(PanelVolunteer.round_id == round_id, PanelVolunteer.draw_position.is_not(None))
            .order_by(PanelVolunteer.draw_position)
        ).scalars()
    )
    return {
        "seed": settings.draw_seed,
        "drawn_at": settings.drawn_at,
        "seats": settings.panel_size,
        "target_percent": settings.lived_experience_target_percent,
        "lived": sorted(v.reference for v in pool if v.has_lived_experience),
        "others": sorted(v.reference for v in pool if not v.has_lived_experience),
        "order": [v.reference for v in pool],
    }


def today() -> date:
    """Today's date in UTC."""
    return datetime.now(UTC).date()
