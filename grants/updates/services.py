"""Use cases for group updates. Only members of the group post; nothing more is asked of them."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from grants import audit
from grants.core import DomainError, NotAllowed, transaction
from grants.models import Award, GroupUpdate, Person
from grants.roles import is_group_member
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
        raise UpdateRefused("A link must start with https:// or http://.", "link_url")
    return link


def _award_of_group(session, award_id: int | None, group_id: int) -> Award | None:  # noqa: ANN001
    if award_id is None:
        return None
    award = session.execute(select(Award).where(Award.id == award_id)).scalar_one_or_none()
    if award is None or award.group_id != group_id:
        raise UpdateRefused("That award is not one of this group's. Choose one of your awards.", "award_id")
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
            raise NotAllowed("Only members of the group can post its updates.")
        link = _check_link(link_url)
        if not (body or has_photo or link):
            raise UpdateRefused("Write something, add a photo or add a link.")
        if has_photo and not photo_alt:
            raise UpdateRefused("Describe the photo for people who cannot see it.", "photo_alt")
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
            raise NotAllowed("Only members of the group can post its report.")
        if not (body or has_file):
            raise UpdateRefused("Write your answer or upload it as a file.")
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
            f"The group posted its end-of-grant report for award {award.reference}.",
            actor_id=person.id,
            round_id=award.round_id,
            public=True,
        )
    return report
