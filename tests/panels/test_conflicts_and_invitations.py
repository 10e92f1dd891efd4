"""The panel's own rules are kept: bidding groups' people stand aside, and invitations are not bearer links.

Through the web with CSRF on, as the convenor, the invited person and another account act.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import GroupMembership, GroupRole, InterestDeclaration, PanelMember, PanelRole, Participation
from grants.panels import formation
from grants.panels.services import invite
from tests import factories as f
from tests.conftest import login, post_form, text_of


def _round_with_bids():  # noqa: ANN202
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    f.funded(rnd.id, 50_000)
    lead = f.person("Lena Lead")
    grp = f.group(lead, name="Mind the Gap")
    own = f.proposal(lead, rnd.id, grp, 20_000, title="Lena's peer evenings")
    other_lead = f.person("Omar Other")
    other_grp = f.group(other_lead, name="Walkers")
    other = f.proposal(other_lead, rnd.id, other_grp, 10_000, title="Walking group")
    return convenor, rnd, lead, own, other


def _invite_on_the_web(client, convenor, rnd, email: str, caplog=None):  # noqa: ANN001, ANN202
    if caplog is not None:
        caplog.set_level("INFO")  # the invitation's link is logged in development
    login(client, convenor.email)
    response = post_form(
        client, f"/panel/{rnd.slug}/invite", {"email": email, "role": "member"}, page=f"/panel/{rnd.slug}/invite"
    )
    assert response.status_code == 302, text_of(response)
    flashed = text_of(client.get(f"/manage/tables/{rnd.slug}"))
    post_form(client, "/logout")
    return flashed


def _token_from_log(caplog) -> str:  # noqa: ANN001
    return re.findall(r"/panel/join/([\w-]+)", caplog.text)[-1]


def test_a_lead_of_a_bidding_group_is_recused_from_its_bid_and_the_invitation_warns(client, app, caplog):
    convenor, rnd, lead, own, other = _round_with_bids()
    flashed = _invite_on_the_web(client, convenor, rnd, lead.email, caplog)
    assert "will stand aside from 1 bid automatically" in flashed
    assert "“Lena's peer evenings” (a lead of Mind the Gap, the group bidding)" in flashed
    token = _token_from_log(caplog)
    login(client, lead.email)
    post_form(client, f"/panel/join/{token}", {"lived_experience": "yes"}, page=f"/panel/join/{token}")
    assert db.session.execute(select(PanelMember).where(PanelMember.person_id == lead.id)).scalar_one()
    row = db.session.execute(select(InterestDeclaration).where(InterestDeclaration.person_id == lead.id)).scalar_one()
    assert row.proposal_id == own.id and row.nature.startswith("Automatic: a lead of Mind the Gap")
    register = text_of(client.get(f"/panel/{rnd.slug}/conflicts"))
    assert "Lena's peer evenings" in register and "a lead of Mind the Gap" in register

    f.to_voting(convenor, rnd.id)
    paper = client.get(f"/vote/{rnd.slug}").get_data(as_text=True)
    assert f'value="{other.id}"' in paper
    assert f'name="proposal" value="{own.id}"' not in paper  # her own group's bid is not on her ballot
    # A forged ballot for her own group's bid is refused, and nothing is stored.
    post_form(client, f"/vote/{rnd.slug}/cast", {"proposal": str(own.id)}, page=f"/vote/{rnd.slug}")
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0


def test_a_treasurer_and_a_member_are_recused_when_voting_opens_too(client, app):
    convenor, rnd, lead, own, other = _round_with_bids()
    treasurer, member = f.person("Tess Treasurer"), f.person("Mo Member")
    for who in (treasurer, member):
        f.seat(convenor, rnd.id, who)
    # They join the group after taking their seats; voting opening still recuses them.
    grp_id = own.group_id
    db.session.add_all(
        [
            GroupMembership(group_id=grp_id, person_id=treasurer.id, role=GroupRole.TREASURER),
            GroupMembership(group_id=grp_id, person_id=member.id, role=GroupRole.MEMBER),
        ]
    )
    db.session.commit()
    f.to_voting(convenor, rnd.id)
    rows = db.session.execute(select(InterestDeclaration.person_id, InterestDeclaration.proposal_id))
    declared = {tuple(row) for row in rows}
    assert declared == {(treasurer.id, own.id), (member.id, own.id)}


def test_people_of_the_host_organisation_are_recused(client, app):
    convenor = f.person("Cara Convenor")
    rnd = f.open_round(convenor)
    host_lead = f.person("Hana Host")
    host = f.group(host_lead, name="Leeds Mind")
    lead = f.person("Lena Lead")
    grp = f.group(lead, name="Unconstituted Circle")
    grp.host_organisation = "Leeds Mind"
    db.session.commit()
    own = f.proposal(lead, rnd.id, grp, 20_000, title="Circle evenings")
    assert host.id
    f.seat(convenor, rnd.id, host_lead)
    row = db.session.execute(select(InterestDeclaration)).scalar_one()
    assert (row.person_id, row.proposal_id) == (host_lead.id, own.id)
    assert "host of Unconstituted Circle" in row.nature


def test_an_invitation_is_bound_to_its_address_not_a_bearer_link(client, app, caplog):
    convenor, rnd, lead, own, other = _round_with_bids()
    invited = f.person("Ivy Invited")
    _invite_on_the_web(client, convenor, rnd, invited.email, caplog)
    token = _token_from_log(caplog)
    stranger = f.person("Sid Stranger")
    login(client, stranger.email)
    post_form(client, f"/panel/join/{token}", {"lived_experience": "no"}, page=f"/panel/join/{token}")
    assert "sent to another e-mail address" in text_of(client.get("/me"))
    assert db.session.execute(select(func.count(PanelMember.id))).scalar_one() == 0
    post_form(client, "/logout")
    login(client, invited.email)
    post_form(client, f"/panel/join/{token}", {"lived_experience": "no"}, page=f"/panel/join/{token}")
    seat = db.session.execute(select(PanelMember)).scalar_one()
    assert seat.person_id == invited.id


def test_an_invitation_cannot_be_accepted_once_voting_opens(client, app):
    convenor, rnd, lead, own, other = _round_with_bids()
    f.seat(convenor, rnd.id, f.person("Pat Panel"))
    late = f.person("Lou Late")
    _inv, token = invite(person=convenor, round_id=rnd.id, email=late.email, role=PanelRole.MEMBER)
    f.to_voting(convenor, rnd.id)
    login(client, late.email)
    post_form(client, f"/panel/join/{token}", {"lived_experience": "no"}, page=f"/panel/join/{token}")
    assert "can no longer be accepted" in text_of(client.get("/me"))
    assert not db.session.execute(select(PanelMember).where(PanelMember.person_id == late.id)).first()


def test_the_draw_warns_about_and_recuses_a_bidding_groups_lead(client, app):
    convenor, rnd, lead, own, other = _round_with_bids()
    login(client, convenor.email)
    post_form(client, f"/panel/{rnd.slug}/forming/open-call", page=f"/panel/{rnd.slug}/forming")
    formation.volunteer(person=lead, round_id=rnd.id, has_lived_experience=True, access_needs="", contact_by="email",
                        contact_details="")  # fmt: skip
    page = text_of(client.get(f"/panel/{rnd.slug}/forming"))
    assert "belong to a group that bids to this table" in page and "Lena's peer evenings" in page
    post_form(client, f"/panel/{rnd.slug}/forming/close-call", page=f"/panel/{rnd.slug}/forming")
    post_form(client, f"/panel/{rnd.slug}/forming/draw", page=f"/panel/{rnd.slug}/forming")
    assert db.session.execute(select(PanelMember).where(PanelMember.person_id == lead.id)).scalar_one()
    row = db.session.execute(select(InterestDeclaration)).scalar_one()
    assert (row.person_id, row.proposal_id) == (lead.id, own.id)


def test_a_panel_member_who_joins_a_bidding_group_during_voting_stands_aside_at_once(client, app):
    """Issue 15: joining a bidding group mid-vote left the person free to vote for its bid."""
    convenor, rnd, lead, own, other = _round_with_bids()
    newcomer = f.person("Nia Newcomer")
    f.seat(convenor, rnd.id, newcomer)
    f.to_voting(convenor, rnd.id)
    # The group's lead invites her on the web, and she says yes on the web.
    login(client, lead.email)
    page = f"/groups/{own.group.slug}/members"
    assert post_form(client, page, {"email": newcomer.email, "role": "member"}, page=page).status_code == 302
    post_form(client, "/logout")
    login(client, newcomer.email)
    invitations = client.get("/me/invitations").get_data(as_text=True)
    action = re.search(r'action="(/groups/invitations/\d+)"', invitations).group(1)
    joined = post_form(client, action, {"answer": "yes"}, page="/me/invitations")
    assert joined.status_code == 302 and joined.headers["Location"] == f"/groups/{own.group.slug}/manage"
    mine = select(InterestDeclaration).where(InterestDeclaration.person_id == newcomer.id)
    row = db.session.execute(mine).scalar_one()
    assert row.proposal_id == own.id and row.nature.startswith("Automatic: a member of Mind the Gap")
    assert "Lena's peer evenings" in text_of(client.get(f"/panel/{rnd.slug}/conflicts"))
    paper = client.get(f"/vote/{rnd.slug}").get_data(as_text=True)
    assert f'name="proposal" value="{own.id}"' not in paper and f'value="{other.id}"' in paper
    post_form(client, f"/vote/{rnd.slug}/cast", {"proposal": str(own.id)}, page=f"/vote/{rnd.slug}")
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 0


def test_joining_a_bidding_group_after_casting_keeps_the_ballot_cast(client, app):
    convenor, rnd, lead, own, other = _round_with_bids()
    voter = f.person("Vic Voter")
    f.seat(convenor, rnd.id, voter)
    f.to_voting(convenor, rnd.id)
    login(client, voter.email)
    cast = post_form(client, f"/vote/{rnd.slug}/cast", {"proposal": str(own.id)}, page=f"/vote/{rnd.slug}")
    assert cast.status_code in (200, 302)
    f.join_group(lead, own.group_id, voter)
    # Her ballot was cast with no tie; she is not recorded as standing aside after the fact.
    assert db.session.execute(select(func.count(Participation.id))).scalar_one() == 1
    assert not db.session.execute(select(InterestDeclaration).where(InterestDeclaration.person_id == voter.id)).first()
