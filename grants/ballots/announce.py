"""Announcing a close: the public audit records, and a message to the panel and to each group that bid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from grants import audit
from grants.extensions import db
from grants.language.records import Words, counted
from grants.language.written import lazy_text
from grants.models import N_, GroupMembership, PanelMember, Proposal, ProposalStatus, Result, Round
from grants.money_format import format_pence
from grants.notifications import notify
from grants.privacy import MIN_PEOPLE, people_count
from grants.site import link_to


def outcome(rnd: Round, result: Result, person, proposals: list[Proposal], summary: Words) -> None:  # noqa: ANN001
    """Audit the close and the result (`summary`: the stored result's sentence as its parts, so the public
    record words it for each reader), and tell the panel and the groups."""
    ballots = result.ballots_counted or 0
    audit.record(
        "voting_closed",
        # Public: a count of ballots is a count of voters, so it goes through the one suppression rule.
        counted("Voting closed with %(num)d ballot.", "Voting closed with %(num)d ballots.", ballots)
        if people_count(ballots) is not None
        else Words(N_("Voting closed with fewer than %(fewest)s ballots."), fewest=MIN_PEOPLE),
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
    )
    audit.record(
        "result_published",
        summary,
        actor_id=person.id if person else None,
        round_id=rnd.id,
        public=True,
        details={"fingerprint": result.ballot_fingerprint},
    )
    told = in_words(result, len(proposals), sum(1 for p in proposals if p.status is ProposalStatus.FUNDED))
    panel = db.session.execute(select(PanelMember.person_id).where(PanelMember.round_id == rnd.id)).scalars()
    page = link_to("public.round", slug=rnd.slug)
    notify(
        panel,
        "voting_closed",
        _l("Voting has closed: %(title)s", title=lazy_text(rnd, "title")),
        told,
        link=page,
    )
    members = db.session.execute(
        select(GroupMembership.person_id, Proposal.title)
        .join(Proposal, Proposal.group_id == GroupMembership.group_id)
        .where(Proposal.id.in_([p.id for p in proposals]))
    ).all()
    for person_id, title in members:
        notify(
            [person_id],
            "result",
            _l("The result for “%(title)s”", title=title),
            _l(
                "The panel for %(title)s has decided. %(summary)s See how your proposal did and why.",
                title=lazy_text(rnd, "title"),
                summary=told,
            ),
            link=link_to("public.round", slug=rnd.slug),
        )


def in_words(result: Result, considered: int, funded: int) -> LazyString:
    """The result in a sentence (`funded` of the `considered` proposals), put into words in each
    reader's language (the stored `result.summary` is the record, in English)."""
    if not result.quorum_met:
        return _l("Quorum was not met, so no decision was made.")
    return lazy_ngettext(
        "%(funded)s of %(num)s proposal funded, %(spent)s of %(budget)s.",
        "%(funded)s of %(num)s proposals funded, %(spent)s of %(budget)s.",
        considered,
        funded=funded,
        spent=format_pence(result.spent_pence),
        budget=format_pence(result.budget_pence),
    )
