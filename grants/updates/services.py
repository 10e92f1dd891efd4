"""Use cases for group updates. Only members of the group post; nothing more is asked of them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from grants import audit, jobs
from grants.core import DomainError, NotAllowed, transaction
from grants.extensions import db
from grants.language import joined
from grants.language.records import Words
from grants.language.written import lazy_text
from grants.models import (
    N_,
    Award,
    GroupMembership,
    GroupRole,
    GroupUpdate,
    Person,
    Round,
    RoundStaff,
    RoundStatus,
    StaffRole,
)
from grants.models._base import utcnow
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_group_member
from grants.site import link_to
from grants.uploads import save_upload


class UpdateRefused(DomainError):
    """An update that cannot be posted as it is; `field` names the form field to fix."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


def _check_link(link_url: str | None) -> str | None:
    link = (link_url or "").strip() or None
    if link and urlsplit(link).scheme not in ("http", "https"):
        # A javascript: or data: link on a public page would be an attack on readers.
        raise UpdateRefused(_("A link must start with https:// or http://."), "link_url")
    return link


def _award_of_group(session, award_id: int | None, group_id: int) -> Award | None:  # noqa: ANN001
    if award_id is None:
        return None
    award = session.execute(select(Award).where(Award.id == award_id)).scalar_one_or_none()
    if award is None or award.group_id != group_id:
        raise UpdateRefused(_("That award is not one of this group's. Choose one of your awards."), "award_id")
    return award


def post_update(
    *,
    person: Person,
    group_id: int,
    body: str = "",
    award_id: int | None = None,
    photo: FileStorage | None = None,
    photo_alt: str | None = None,
    link_url: str | None = None,
) -> GroupUpdate:
    """A member of the group posts a public update: text, a photo with alt text, a link (at least one)."""
    body = (body or "").strip()
    photo_alt = (photo_alt or "").strip() or None
    has_photo = photo is not None and bool(photo.filename)
    with transaction() as session:
        if not is_group_member(person, group_id):
            raise NotAllowed(_("Only members of the group can post its updates."))
        link = _check_link(link_url)
        if not (body or has_photo or link):
            raise UpdateRefused(_("Write something, add a photo or add a link."))
        if has_photo and not photo_alt:
            raise UpdateRefused(_("Describe the photo for people who cannot see it."), "photo_alt")
        _award_of_group(session, award_id, group_id)
        upload = save_upload(photo, kind="photo", person_id=person.id, is_public=True) if has_photo else None
        update = GroupUpdate(
            group_id=group_id,
            award_id=award_id,
            body=body,
            link_url=link,
            photo_id=upload.id if upload else None,
            photo_alt=photo_alt if upload else None,
            posted_by_id=person.id,
        )
        session.add(update)
        session.flush()
    return update


def post_report(
    *, person: Person, group_id: int, award_id: int, body: str = "", file: FileStorage | None = None
) -> GroupUpdate:
    """A member posts the group's optional end-of-grant report for an award, as text or a file."""
    body = (body or "").strip()
    has_file = file is not None and bool(file.filename)
    with transaction() as session:
        if not is_group_member(person, group_id):
            raise NotAllowed(_("Only members of the group can post its report."))
        if not (body or has_file):
            raise UpdateRefused(_("Write your answer or upload it as a file."))
        award = _award_of_group(session, award_id, group_id)
        upload = save_upload(file, kind="report", person_id=person.id, is_public=True) if has_file else None
        report = GroupUpdate(
            group_id=group_id,
            award_id=award.id,
            body=body,
            is_end_of_grant_report=True,
            file_id=upload.id if upload else None,
            posted_by_id=person.id,
        )
        session.add(report)
        session.flush()
        audit.record(
            "group.report_posted",
            Words(N_("The group posted its end-of-grant report for award %(award)s."), award=award.reference),
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
        )
    return report


# How far ahead a group may move its report by itself; beyond that it talks to the convenor.
LONGEST_REPORT_DELAY = timedelta(days=730)


def choose_report_date(*, person: Person, group_id: int, award_id: int, due_on: date) -> Award:
    """A member of the group chooses a later date for its end-of-grant report. No reason is asked."""
    today = utcnow().date()
    with transaction() as session:
        if not is_group_member(person, group_id):
            raise NotAllowed(_("Only members of the group can choose when its report is due."))
        award = _award_of_group(session, award_id, group_id)
        if _reported(award.id):
            raise UpdateRefused(_("Your report has already arrived, so there is no date to move. Thank you."), "due_on")
        if due_on <= today:
            raise UpdateRefused(_("Choose a date after today."), "due_on")
        if due_on > today + LONGEST_REPORT_DELAY:
            raise UpdateRefused(
                _("Choose a date within the next two years. If you need longer, talk to the table's convenor."),
                "due_on",
            )
        award.report_due_on = due_on
        audit.record(
            "group.report_date_chosen",
            f"The group chose {due_on:%-d %B %Y} for its end-of-grant report for award {award.reference}.",
            actor_id=person.id,
            round_id=award.round_id,
        )
        # The convenors hear of it, so nobody chases a report that is not due; the group is told
        # again, kindly, on the new date (the notice's key names the date).
        notify(
            [p.id for p in _convenors(award.round_id)],
            "report_due",
            _l("%(group)s chose a later date for its report", group=award.group.name),
            _l(
                "%(group)s chose %(date)s for its end-of-grant report on “%(title)s” (award %(reference)s). Groups "
                "may do this without giving a reason; there is nothing you need to do.",
                group=award.group.name,
                date=LazyString(format_date, due_on, "d MMMM y"),
                title=award.proposal.title,
                reference=award.reference,
            ),
            link=link_to("public.group", slug=award.group.slug),
        )
    return award


# ------------------------------------------------------------------ reports falling due


def _reported(award_id: int) -> bool:
    return (
        db.session.execute(
            select(GroupUpdate.id).where(GroupUpdate.award_id == award_id, GroupUpdate.is_end_of_grant_report.is_(True))
        ).first()
        is not None
    )


def _convenors(round_id: int) -> list[Person]:
    return list(
        db.session.execute(
            select(Person)
            .join(RoundStaff, RoundStaff.person_id == Person.id)
            .where(RoundStaff.round_id == round_id, RoundStaff.role == StaffRole.CONVENOR)
            .order_by(RoundStaff.id)
        ).scalars()
    )


def _named(person: Person) -> str:
    return f"{person.display_name} ({person.email})"


def _either(people: list[Person]) -> str:
    """Names and addresses joined with "or", in the language being written."""
    return joined((_named(p) for p in people), style="or")


def report_due_message(award: Award) -> tuple[LazyString, LazyString]:
    """The subject and body of the note that an award's end-of-grant report has fallen due."""
    proposal, rnd = award.proposal, award.round
    convenors = _convenors(rnd.id)
    if len(convenors) == 1:
        contact = _l(
            "If you would like to talk anything over, contact %(names)s, who convenes %(title)s.",
            names=_named(convenors[0]),
            title=lazy_text(rnd, "title"),
        )
    elif convenors:
        contact = _l(
            "If you would like to talk anything over, contact %(names)s, who convene %(title)s.",
            names=LazyString(_either, convenors),
            title=lazy_text(rnd, "title"),
        )
    else:
        contact = _l(
            "If you would like to talk anything over, contact the convenor of %(title)s.", title=lazy_text(rnd, "title")
        )
    subject = _l("Your end-of-grant report for %(title)s", title=lazy_text(proposal, "title"))
    body = _l(
        "We hope the work on “%(title)s” has gone well. Its end-of-grant report (award %(reference)s, %(amount)s "
        "from %(round)s) is due on %(date)s.\n\n"
        "There is one question: what happened with the money, and what did you learn? Answer in whatever way "
        "suits you: a few lines, a document, photos or a voice recording.\n\n"
        "If you need more time, that is fine, and you do not need to give a reason: choose a later date on "
        "the report page. %(contact)s",
        title=lazy_text(proposal, "title"),
        reference=award.reference,
        amount=format_pence(award.amount_pence),
        round=rnd.title,
        date=LazyString(format_date, award.report_due_on, "d MMMM y"),
        contact=contact,
    )
    return subject, body


def report_due_key(award_id: int, due_on: date) -> str:
    """One notice per award and due date: a group that chose a later date is told again on that date."""
    return f"report-due-award-{award_id}-on-{due_on.isoformat()}"


@jobs.periodic("updates.report_due_notices", jobs.crontab(minute="0", hour="10"), was="report_due_notices")
def _report_due_each_morning(now: datetime) -> int:
    """Every morning at 10:00 UTC: tell groups' leads, once, that an end-of-grant report has fallen due."""
    return send_report_due_notices(now.date())


def send_report_due_notices(today: date) -> int:
    """Tell each funded group's leads, once for each due date, that its end-of-grant report has fallen due.

    Safe to run any number of times and on several workers at once: each lead's note has a
    unique key in the outbox, so an award that was already announced writes nothing. Awards
    whose report has arrived, or whose table has closed, are left alone. Returns how many
    notes were written.
    """
    due = (
        db.session.execute(
            select(Award.id)
            .join(Round, Round.id == Award.round_id)
            .where(Award.report_due_on <= today, Round.status != RoundStatus.CLOSED)
            .order_by(Award.id)
        )
        .scalars()
        .all()
    )
    written = 0
    for award_id in due:
        try:
            written += _announce_report_due(award_id, today)
        except IntegrityError:
            continue  # another worker wrote the same notes a moment ago; theirs stand
    return written


def _announce_report_due(award_id: int, today: date) -> int:
    with transaction() as session:
        award = session.get(Award, award_id)
        # Read again inside the transaction: the report may have arrived, or the date moved, since the scan.
        if award is None or award.report_due_on is None or award.report_due_on > today or _reported(award.id):
            return 0
        leads = session.execute(
            select(GroupMembership.person_id).where(
                GroupMembership.group_id == award.group_id, GroupMembership.role == GroupRole.LEAD
            )
        ).scalars()
        subject, body = report_due_message(award)
        rows = notify(
            list(leads),
            "report_due",
            subject,
            body,
            link=link_to("updates.new_report", slug=award.group.slug, award_id=award.id),
            key=report_due_key(award.id, award.report_due_on),
        )
    return len(rows)
