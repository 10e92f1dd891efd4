"""Gentle reminders to panel members who have not voted yet (e-mailed only if they opted in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from grants import jobs
from grants.core import transaction
from grants.extensions import db
from grants.language.written import lazy_text
from grants.models import Notification, PanelMember, Participation, Round, RoundStatus
from grants.notifications.outbox import notify
from grants.site import link_to

REMIND_BEFORE = timedelta(days=2)


@jobs.periodic("notifications.remind_panels", jobs.crontab(minute="0", hour="9"), was="remind_panels")
def remind_panels(now: datetime) -> int:
    """Remind, once per table, each active panel member who asked for reminders, has not voted, and whose vote closes
    within two days. Returns how many reminders were written."""
    written = 0
    rounds = db.session.execute(
        select(Round).where(
            Round.status == RoundStatus.VOTING,
            Round.voting_closes_at > now,
            Round.voting_closes_at <= now + REMIND_BEFORE,
        )
    ).scalars()
    for rnd in list(rounds):
        link = link_to("ballots.vote", slug=rnd.slug)
        with transaction() as session:
            voted = select(Participation.person_id).where(Participation.round_id == rnd.id)
            reminded = select(Notification.person_id).where(Notification.event == "reminder", Notification.link == link)
            people = session.execute(
                select(PanelMember.person_id).where(
                    PanelMember.round_id == rnd.id,
                    PanelMember.is_paused.is_(False),
                    PanelMember.stepped_down_at.is_(None),
                    # Reminders are opt-in, per panel (the panel's "Looking after yourself" page).
                    PanelMember.wants_reminders.is_(True),
                    PanelMember.person_id.not_in(voted),
                    PanelMember.person_id.not_in(reminded),
                )
            ).scalars()
            people = list(people)
            if people:
                notify(
                    people,
                    "reminder",
                    _l(
                        "Voting on %(title)s closes on %(date)s",
                        title=lazy_text(rnd, "title"),
                        date=LazyString(format_date, rnd.voting_closes_at, "d MMMM"),
                    ),
                    _l(
                        "A gentle reminder: voting on %(title)s closes on %(date)s at %(time)s UTC. There is no "
                        "pressure: if you would rather not vote, or want to pause, that is fine.",
                        title=lazy_text(rnd, "title"),
                        date=LazyString(format_date, rnd.voting_closes_at, "d MMMM y"),
                        time=rnd.voting_closes_at.strftime("%H:%M"),
                    ),
                    link=link,
                )
                written += len(people)
    return written
