"""Groups post updates (text, a photo with alt text, a link) and an optional end-of-grant report."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from grants.demo import DEMO_PASSWORD
from grants.extensions import db
from grants.models import Award, Group, GroupUpdate, Notification, Upload
from tests.conftest import csrf_token, login, text_of


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def _mind_the_gap() -> tuple[Group, Award]:
    group = db.session.execute(select(Group).where(Group.slug == "mind-the-gap-peer-support")).scalar_one()
    award = db.session.execute(select(Award).where(Award.group_id == group.id)).scalars().first()
    return group, award


def _count() -> int:
    return db.session.execute(select(func.count(GroupUpdate.id))).scalar_one()


def _post(client, url: str, data: dict):  # noqa: ANN001, ANN202
    data = {**data, "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_member_posts_text_photo_with_alt_text_and_a_link(client, demo):
    group, award = _mind_the_gap()
    login(client, "member@example.org", DEMO_PASSWORD)
    url = f"/groups/{group.slug}/updates/new"
    response = _post(
        client,
        url,
        {
            "body": "Forty evenings done.\n\nWe trained six new facilitators.",
            "award_id": str(award.id),
            "photo": (io.BytesIO(_png()), "evening.png"),
            "photo_alt": "Eight people around a table with mugs of tea",
            "link_url": "https://mindthegap.example.org/news",
        },
    )
    assert response.status_code == 302
    update = db.session.execute(select(GroupUpdate)).scalar_one()
    assert update.award_id == award.id and update.photo is not None and update.photo.is_public
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    page = client.get(f"/groups/{group.slug}")
    html = page.get_data(as_text=True)
    assert f'<img src="/uploads/{update.photo_id}" alt="Eight people around a table with mugs of tea">' in html
    assert "We trained six new facilitators." in text_of(page)
    assert 'href="https://mindthegap.example.org/news"' in html
    assert client.get(f"/uploads/{update.photo_id}").headers["Content-Type"] == "image/png"


def test_a_photo_needs_alt_text_and_nothing_is_written_without_it(client, demo):
    group, _ = _mind_the_gap()
    login(client, "member@example.org", DEMO_PASSWORD)
    response = _post(
        client, f"/groups/{group.slug}/updates/new", {"body": "Look!", "photo": (io.BytesIO(_png()), "a.png")}
    )
    assert response.status_code == 400
    assert "Describe the photo for people who cannot see it." in text_of(response)
    assert _count() == 0
    assert db.session.execute(select(func.count(Upload.id))).scalar_one() == 0


def test_empty_update_and_unsafe_links_are_refused(client, demo):
    group, _ = _mind_the_gap()
    login(client, "member@example.org", DEMO_PASSWORD)
    url = f"/groups/{group.slug}/updates/new"
    response = _post(client, url, {"body": "  "})
    assert response.status_code == 400 and "Write something, add a photo or add a link." in text_of(response)
    response = _post(client, url, {"link_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert _count() == 0


def test_non_members_and_anonymous_people_cannot_post(client, demo):
    group, award = _mind_the_gap()
    assert client.get(f"/groups/{group.slug}/updates/new").status_code == 302  # to the login page
    login(client, "other@example.org", DEMO_PASSWORD)
    assert client.get(f"/groups/{group.slug}/updates/new").status_code == 403
    token = csrf_token(client)
    response = client.post(f"/groups/{group.slug}/updates/new", data={"body": "Not ours", "csrf_token": token})
    assert response.status_code == 403
    response = client.post(
        f"/groups/{group.slug}/awards/{award.id}/report", data={"body": "Not ours", "csrf_token": token}
    )
    assert response.status_code == 403
    assert _count() == 0


def test_service_refuses_non_members_too(app, demo):
    import pytest

    from grants.auth.services import find_person_by_email
    from grants.core import NotAllowed
    from grants.updates.services import post_update

    group, _ = _mind_the_gap()
    other = find_person_by_email("other@example.org")
    with pytest.raises(NotAllowed):
        post_update(person=other, group_id=group.id, body="Hello")
    assert _count() == 0


def test_end_of_grant_report_as_text_or_as_a_file(client, demo):
    group, award = _mind_the_gap()
    login(client, "member@example.org", DEMO_PASSWORD)
    url = f"/groups/{group.slug}/awards/{award.id}/report"
    assert client.get(url).status_code == 200
    assert _post(client, url, {}).status_code == 400
    assert _post(client, url, {"body": "The evenings kept people well through the winter."}).status_code == 302
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert _post(client, url, {"file": (io.BytesIO(pdf), "our report.pdf")}).status_code == 302
    reports = db.session.execute(select(GroupUpdate).order_by(GroupUpdate.id)).scalars().all()
    assert [r.is_end_of_grant_report for r in reports] == [True, True]
    assert reports[1].file.content_type == "application/pdf"
    text = text_of(client.get(f"/groups/{group.slug}"))
    assert f"End-of-grant report for {award.reference}" in text
    assert "The evenings kept people well through the winter." in text
    assert "Download the report (our_report.pdf" in text
    # A file that is not a kind we accept is refused with a reason, and nothing is written.
    response = _post(client, url, {"file": (io.BytesIO(b"<html>hi</html>"), "x.html")})
    assert response.status_code == 400 and "cannot be uploaded here" in text_of(response)
    assert _count() == 2
    # Another group's award is not this group's to report on.
    other_award = db.session.execute(select(Award).where(Award.group_id != group.id)).scalars().first()
    if other_award is not None:
        assert client.get(f"/groups/{group.slug}/awards/{other_award.id}/report").status_code == 404


def test_a_group_chooses_more_time_for_its_report_without_giving_a_reason(client, demo):
    """The report page says when the report is due; a member picks a later date and the note
    that it has fallen due waits for that date. Dates in the past, or years away, are refused."""
    from datetime import timedelta

    from grants.models._base import utcnow
    from grants.updates.services import send_report_due_notices

    group, award = _mind_the_gap()
    due = award.report_due_on
    assert due is not None
    login(client, "member@example.org", DEMO_PASSWORD)
    url = f"/groups/{group.slug}/awards/{award.id}/report"
    page = text_of(client.get(url))
    assert f"Your report is due on {due.day} {due:%B %Y}." in page
    assert "You do not need to give a reason." in page

    def choose(data: dict):  # noqa: ANN202
        return client.post(f"{url}/date", data={**data, "csrf_token": csrf_token(client)})

    today = utcnow().date()
    for bad, message in (
        (today, "Choose a date after today."),
        (today + timedelta(days=800), "Choose a date within the next two years."),
    ):
        response = choose({"due_on": bad.isoformat()})
        assert response.status_code == 400 and message in text_of(response)
    assert choose({}).status_code == 400

    later = due + timedelta(days=60)
    response = choose({"due_on": later.isoformat()})
    assert response.status_code == 302
    assert f"Done: your report is now due on {later.day} {later:%B %Y}." in text_of(client.get(url))
    db.session.refresh(award)
    assert award.report_due_on == later
    send_report_due_notices(due)  # other groups' reports fall due that day; this one waits for its new date
    told = db.session.execute(select(Notification.link).where(Notification.event == "report_due")).scalars().all()
    assert told and url not in told

    # Another group's member cannot move it.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, "other@example.org", DEMO_PASSWORD)
    assert choose({"due_on": (later + timedelta(days=1)).isoformat()}).status_code == 403
    db.session.refresh(award)
    assert award.report_due_on == later
