"""Issue 17: a group's leads can change its details after registering it; a new name is logged in public."""

from __future__ import annotations

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Group, GroupRole
from tests import factories
from tests.conftest import login, post_form, text_of


def _details(**overrides) -> dict:
    data = {
        "name": "Allotment Minds Leeds",
        "description": "Growing food and friendships.",
        "is_lived_experience_led": "y",
        "contact_email": "hello@example.org",
        "registered_number": "",
        "host_organisation": "Leeds Community Trust",
    }
    data.update(overrides)
    return data


def test_a_lead_renames_the_group_and_the_old_name_stays_findable_in_public(client, app):
    lead = factories.person("Gus Lead")
    group = factories.group(lead, name="Allotment Minds")
    login(client, lead.email)
    manage = client.get(f"/groups/{group.slug}/manage").get_data(as_text=True)
    assert f'href="/groups/{group.slug}/edit"' in manage
    form = client.get(f"/groups/{group.slug}/edit")
    assert form.status_code == 200 and 'value="Allotment Minds"' in form.get_data(as_text=True)
    url = f"/groups/{group.slug}/edit"
    response = post_form(client, url, _details(), page=url)
    assert response.status_code == 302, text_of(response)
    saved = db.session.execute(select(Group).where(Group.id == group.id)).scalar_one()
    assert (saved.name, saved.host_organisation, saved.slug) == (
        "Allotment Minds Leeds",
        "Leeds Community Trust",
        group.slug,
    )
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "group_renamed")).scalar_one()
    assert entry.is_public and entry.summary == "Allotment Minds is now called Allotment Minds Leeds."
    client.delete_cookie("session")
    public = text_of(client.get(f"/groups/{group.slug}"))
    assert "Allotment Minds Leeds" in public and "Earlier name: Allotment Minds (until" in public


def test_only_a_lead_may_change_the_group_and_nothing_half_saved_on_a_mistake(client, app):
    lead = factories.person("Gus Lead")
    group = factories.group(lead, name="Allotment Minds")
    member = factories.person("Mo Member")
    factories.join_group(lead, group.id, member, GroupRole.MEMBER)
    url = f"/groups/{group.slug}/edit"
    login(client, member.email)
    assert client.get(url).status_code == 403
    client.delete_cookie("session")
    login(client, lead.email)
    response = post_form(client, url, _details(name="", contact_email="not an address"), page=url)
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter the group's name" in page and "Enter a real e-mail address" in page  # every problem at once
    assert db.session.execute(select(Group.name).where(Group.id == group.id)).scalar_one() == "Allotment Minds"
    # Saving without a new name logs no rename.
    assert post_form(client, url, _details(name="Allotment Minds"), page=url).status_code == 302
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "group_renamed")).first() is None


def test_joining_a_panel_through_create_an_account_keeps_the_invitation(client, app, mailbox):
    import html as html_lib
    import re

    from grants.models import PanelMember, PanelRole
    from grants.panels.services import invite

    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    _inv, token = invite(person=convenor, round_id=rnd.id, email="newcomer@example.org", role=PanelRole.MEMBER)
    join = f"/panel/join/{token}"

    def link(page: str, text: str) -> str:
        found = re.search(rf'href="([^"]+)"[^>]*>{text}<', client.get(page).get_data(as_text=True))
        assert found, (page, text)
        return html_lib.unescape(found.group(1))

    # The invitation -> "Sign in to join" -> no account yet: "Create an account" -> sign up.
    login_page = link(join, "Sign in to join")
    signup_page = link(login_page, "Create an account")
    assert "next=" in signup_page
    response = post_form(
        client, signup_page,
        {"display_name": "Nia Newcomer", "email": "newcomer@example.org", "password": "correct horse battery"},
        page=signup_page,
    )  # fmt: skip
    # The account is made from the e-mailed link (issue 16), and the invitation goes with it.
    assert response.status_code == 302
    mail = mailbox.texts_to("newcomer@example.org")[-1]
    finish = html_lib.unescape(re.search(r"(/signup/finish/\S+)", mail).group(1))
    assert "next=" in finish
    response = post_form(client, finish, {}, page=finish)
    assert response.status_code == 302 and response.headers["Location"] == join
    page = text_of(client.get(join))
    assert "Join the panel" in page and "You are not on a panel" not in page
    done = post_form(client, join, {"lived_experience": "no"}, page=join)
    assert done.status_code == 302 and done.headers["Location"] == f"/panel/{rnd.slug}"
    assert db.session.execute(select(PanelMember).where(PanelMember.round_id == rnd.id)).scalars().all()
