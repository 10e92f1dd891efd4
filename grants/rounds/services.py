"""Running a round: its rules, its staff and its life from draft to closed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from grants import audit, invitations
from grants.core import DomainError, NotAllowed, add_with_unique_slug, lock_for_update, transaction
from grants.extensions import db
from grants.language import written
from grants.language.records import Day, Label, Listed, Money, Typed, Words, typed
from grants.language.written import lazy_text
from grants.models import (
    N_,
    BallotType,
    CountingRule,
    Electorate,
    PanelMember,
    PanelSettings,
    Person,
    Proposal,
    ProposalStatus,
    QuorumPolicy,
    Round,
    RoundStaff,
    RoundStatus,
    RuleChange,
    StaffInvitation,
    StaffRole,
    TieBreak,
    TimeRequest,
)
from grants.models.rounds import BALLOT_LABELS, RULES_FOR_BALLOT, STATUS_LABELS
from grants.money_format import format_pence
from grants.notifications import notify
from grants.roles import is_convenor
from grants.rounds import stages
from grants.site import link_to

# Fields a convenor sets; everything here is frozen once voting opens.
# A table's timetable, in order: each a day on the rules form.
DATE_FIELDS = ("bids_open_at", "bids_close_at", "deliberation_opens_at", "voting_opens_at", "voting_closes_at")
RULE_FIELDS = (
    "title",
    "purpose",
    "who_may_apply",
    "max_grant_pence",
    "bids_open_at",
    "bids_close_at",
    "deliberation_opens_at",
    "voting_opens_at",
    "voting_closes_at",
    "electorate",
    "community_name",
    "ballot_type",
    "min_picks",
    "max_picks",
    "ballot_within_budget",
    "points_total",
    "points_cap",
    "score_max",
    "score_criteria",
    "score_meanings",
    "score_skip_allowed",
    "rank_depth",
    "counting_rule",
    "min_support",
    "quorum_min_ballots",
    "quorum_min_share_percent",
    "quorum_lived_experience_percent",
    "quorum_min_scorers",
    "quorum_policy",
    "quorum_extend_days",
    "tie_break",
    "receipts_on",
    "support_contact",
)


FIELD_LABELS = {
    "title": N_("Name"),
    "purpose": N_("Purpose"),
    "who_may_apply": N_("Who may apply"),
    "max_grant_pence": N_("Largest grant"),
    "bids_open_at": N_("Bids open"),
    "bids_close_at": N_("Bids close"),
    "deliberation_opens_at": N_("Panel starts reading"),
    "voting_opens_at": N_("Voting opens"),
    "voting_closes_at": N_("Voting closes"),
    "electorate": N_("Who votes"),
    "community_name": N_("Community"),
    "ballot_type": N_("Ballot"),
    "min_picks": N_("Fewest picks"),
    "max_picks": N_("Most picks"),
    "ballot_within_budget": N_("Picks must fit the pot"),
    "points_total": N_("Points to spread"),
    "points_cap": N_("Most points on one proposal"),
    "score_max": N_("Highest score"),
    "score_criteria": N_("Scoring criteria"),
    "score_meanings": N_("What each score means"),
    "score_skip_allowed": N_("Proposals may be skipped for lack of information"),
    "rank_depth": N_("Proposals to put in order"),
    "counting_rule": N_("Counting rule"),
    "min_support": N_("Least support to take part"),
    "quorum_min_ballots": N_("Fewest ballots"),
    "quorum_min_share_percent": N_("Smallest share voting"),
    "quorum_lived_experience_percent": N_("Smallest share of voters with lived experience"),
    "quorum_min_scorers": N_("Fewest voters free to vote on each proposal"),
    "quorum_policy": N_("If quorum is not met"),
    "quorum_extend_days": N_("Days voting is extended by"),
    "tie_break": N_("Tie-break"),
    "receipts_on": N_("Receipts for voters"),
    "support_contact": N_("Support contact"),
}

# Which step a convenor may take from each state.
NEXT_STEP = {
    RoundStatus.DRAFT: RoundStatus.OPEN_FOR_BIDS,
    RoundStatus.OPEN_FOR_BIDS: RoundStatus.BIDS_CLOSED,
    RoundStatus.BIDS_CLOSED: RoundStatus.DELIBERATION,
    RoundStatus.DELIBERATION: RoundStatus.VOTING,
}

STEP_LABELS = {
    RoundStatus.OPEN_FOR_BIDS: N_("Publish and open for bids"),
    RoundStatus.BIDS_CLOSED: N_("Close bids"),
    RoundStatus.DELIBERATION: N_("Start the panel's reading and talking"),
    RoundStatus.VOTING: N_("Open voting (this freezes the rules)"),
}


class RulesFrozen(DomainError):
    """Voting has opened; the published rules cannot change."""


class BallotRulesDoNotFit(DomainError):
    """The ballot, counting rule and quorum settings do not fit together (each problem with its field)."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [("counting_rule", message)]


class QuorumImpossible(BallotRulesDoNotFit):
    """A part of the quorum can never be met (or one declared interest would make it so); `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def panel_size_for(round_id: int) -> int | None:
    """How many seats the panel has: the size set when forming it, or the seats taken if more (None: not known)."""

    size = db.session.execute(select(PanelSettings.panel_size).where(PanelSettings.round_id == round_id)).scalar()
    seated = len(
        db.session.execute(
            select(PanelMember.id).where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
        ).all()
    )
    known = [n for n in (size, seated) if n]
    return max(known) if known else None


def check_quorum_possible(values: dict[str, Any], panel_size: int | None) -> None:
    """Refuse a quorum the panel can never meet, or that a single declared interest or pause would break."""
    if panel_size is None or values.get("electorate") is Electorate.COMMUNITY:
        return
    n = panel_size
    fewest = values.get("quorum_min_ballots")
    if fewest and fewest > n:
        raise QuorumImpossible(
            _(
                "The fewest ballots (%(fewest)s) is more than the panel's %(seats)s seats, so it can never be met. "
                "Choose at most %(seats)s, or make the panel larger first.",
                fewest=fewest,
                seats=n,
            ),
            "quorum_min_ballots",
        )
    free = values.get("quorum_min_scorers")
    if free and free > n:
        raise QuorumImpossible(
            _(
                "%(free)s voters free to vote on each proposal is more than the panel's %(seats)s seats, so it can "
                "never be met. Choose at most %(most)s.",
                free=free,
                seats=n,
                most=max(n - 1, 1),
            ),
            "quorum_min_scorers",
        )
    if free and free == n:
        raise QuorumImpossible(
            _(
                "%(free)s voters free to vote on each proposal needs every one of the panel's %(seats)s members to "
                "vote on every proposal: a single declared interest (or one member pausing) would make a decision "
                "impossible. Choose at most %(most)s.",
                free=free,
                seats=n,
                most=max(n - 1, 1),
            ),
            "quorum_min_scorers",
        )


# The rules a quorum's possibility depends on (read alone, so deferred rule columns stay unloaded).
QUORUM_FIELDS = ("electorate", "quorum_min_ballots", "quorum_min_scorers")


def quorum_values(rnd: Round) -> dict[str, Any]:
    """The round's rules that check_quorum_possible reads."""
    return {f: getattr(rnd, f) for f in QUORUM_FIELDS}


def opening(day: date) -> datetime:
    """The start of a day in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def closing(day: date) -> datetime:
    """The end of a day in UTC."""
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


# What to write when a table's text is missing: with one language, and naming the language when
# the table is run in more than one.
TEXT_MISSING = {
    "title": N_("Enter a name"),
    "purpose": N_("Say what the money is for"),
    "who_may_apply": N_("Say who may apply"),
}
TEXT_MISSING_IN = {
    "title": N_("Enter the table’s name in %(language)s"),
    "purpose": N_("Say what the money is for, in %(language)s"),
    "who_may_apply": N_("Say who may apply, in %(language)s"),
}


def versions_from_form(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The table's texts in each language ticked ({code: {field: text}}), from a form's data."""
    return written.versions_from(data, Round.TEXT_FIELDS, data.get("languages") or [])


def text_problems(
    versions: dict[str, dict[str, str]], fields: tuple[str, ...] = Round.TEXT_FIELDS, *, every_language: bool = True
) -> list[tuple[str, str]]:
    """Each of the table's texts still to write, as (box, what to write): in every language it is
    run in (to publish, and once published), or in its first (a draft's page)."""
    return written.missing(versions, fields, TEXT_MISSING, TEXT_MISSING_IN, every_language=every_language)


def rules_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the rules form's data into model values (the texts in the table's first language)."""
    versions = versions_from_form(data)
    first = next(iter(versions.values()))
    return {
        "title": first["title"],
        "purpose": first["purpose"],
        "who_may_apply": first["who_may_apply"],
        "max_grant_pence": data["max_grant"],
        "bids_open_at": opening(data["bids_open_on"]),
        "bids_close_at": closing(data["bids_close_on"]),
        "deliberation_opens_at": opening(data["deliberation_opens_on"]),
        "voting_opens_at": opening(data["voting_opens_on"]),
        "voting_closes_at": closing(data["voting_closes_on"]),
        **ballot_values_from_form(data),
        "tie_break": TieBreak(data["tie_break"]),
        # Receipts stay on unless the panel chose otherwise (a form that does not ask keeps them).
        "receipts_on": (data.get("receipts") or "on") != "off",
        "support_contact": (data.get("support_contact") or "").strip(),
    }


def ballot_values_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """The ballot, counting and quorum settings of the rules form's data, as model values.

    Read on their own too, so a form refused for another box (a date, say) still says at once
    what in these settings does not fit (ValueError: a choice that is none of the options)."""
    return {
        "electorate": Electorate(data.get("electorate") or "panel"),
        "community_name": (data.get("community_name") or "").strip() or None,
        "ballot_type": BallotType(data.get("ballot_type") or "approval"),
        "min_picks": data.get("min_picks"),
        "max_picks": data.get("max_picks"),
        "ballot_within_budget": bool(data.get("ballot_within_budget")),
        "points_total": data.get("points_total"),
        "points_cap": data.get("points_cap"),
        "score_max": data.get("score_max"),
        "score_criteria": [line.strip() for line in (data.get("score_criteria") or "").splitlines() if line.strip()],
        "score_meanings": [line.strip() for line in (data.get("score_meanings") or "").splitlines() if line.strip()],
        "score_skip_allowed": bool(data.get("score_skip_allowed")),
        "rank_depth": data.get("rank_depth"),
        "counting_rule": CountingRule(data.get("counting_rule") or "greedy"),
        "min_support": data.get("min_support"),
        "quorum_min_ballots": data.get("quorum_min_ballots"),
        "quorum_min_share_percent": data.get("quorum_min_share_percent"),
        "quorum_lived_experience_percent": data.get("quorum_lived_experience_percent"),
        "quorum_min_scorers": data.get("quorum_min_scorers"),
        "quorum_policy": QuorumPolicy(data.get("quorum_policy") or "no_decision"),
        "quorum_extend_days": data.get("quorum_extend_days"),
    }


def settings_problems(values: dict[str, Any], round_id: int) -> list[tuple[str, str]]:
    """What in a table's ballot, counting and quorum settings cannot work, as (field, what to change)."""
    problems = ballot_rule_problems(values)
    try:
        check_quorum_possible(values, panel_size_for(round_id))
    except QuorumImpossible as exc:
        problems.append((exc.field, exc.message))
    return problems


def form_data_from_round(rnd: Round) -> dict[str, Any]:
    """The rules form's data for an existing round."""
    return {
        **written.as_form_data(rnd),
        "max_grant": rnd.max_grant_pence,
        "bids_open_on": rnd.bids_open_at.date(),
        "bids_close_on": rnd.bids_close_at.date(),
        "deliberation_opens_on": rnd.deliberation_opens_at.date(),
        "voting_opens_on": rnd.voting_opens_at.date(),
        "voting_closes_on": rnd.voting_closes_at.date(),
        "electorate": rnd.electorate.value,
        "community_name": rnd.community_name or "",
        "ballot_type": rnd.ballot_type.value,
        "min_picks": rnd.min_picks,
        "max_picks": rnd.max_picks,
        "ballot_within_budget": rnd.ballot_within_budget,
        "points_total": rnd.points_total,
        "points_cap": rnd.points_cap,
        "score_max": rnd.score_max,
        "score_criteria": "\n".join(rnd.score_criteria or []),
        "score_meanings": "\n".join(rnd.score_meanings or []),
        "score_skip_allowed": rnd.score_skip_allowed,
        "rank_depth": rnd.rank_depth,
        "counting_rule": rnd.counting_rule.value,
        "min_support": rnd.min_support,
        "quorum_min_ballots": rnd.quorum_min_ballots,
        "quorum_min_share_percent": rnd.quorum_min_share_percent,
        "quorum_lived_experience_percent": rnd.quorum_lived_experience_percent,
        "quorum_min_scorers": rnd.quorum_min_scorers,
        "quorum_policy": rnd.quorum_policy.value,
        "quorum_extend_days": rnd.quorum_extend_days,
        "tie_break": rnd.tie_break.value,
        "receipts": "on" if rnd.receipts_on else "off",
        "support_contact": rnd.support_contact,
    }


def _check_rules(values: dict[str, Any]) -> None:
    """Refuse rules that cannot work, with every problem at once, each beside its setting."""
    problems: list[tuple[str, str]] = []
    if values["max_grant_pence"] is None or values["max_grant_pence"] <= 0:
        problems.append(("max_grant", _("Enter a largest grant of more than £0.")))
    times = [values[k] for k in DATE_FIELDS]
    if any(b < a for a, b in zip(times, times[1:], strict=False)):
        problems.append(
            ("bids_open_on", _("The timetable's dates must be in order, from bids opening to voting closing."))
        )
    try:
        check_ballot_rules(values)
    except BallotRulesDoNotFit as exc:
        problems += exc.problems
    if problems:
        raise BallotRulesDoNotFit(" ".join(message for _field, message in problems), problems)


check_rules = _check_rules  # the whole table's rules, checked again when a set-up draft is published


BALLOT_NAMES = {
    BallotType.APPROVAL: N_("approval"),
    BallotType.CUMULATIVE: N_("points"),
    BallotType.SCORE: N_("score"),
    BallotType.RANKED: N_("ranking"),
    BallotType.CONSENSUS: N_("consensus"),
}
# What a rule's value reads as (values in words, never internal names): the check page, the record.
VALUE_WORDS = {
    "electorate": {"panel": N_("The panel"), "community": N_("A whole community, with single-use voting codes")},
    "quorum_policy": {"no_decision": N_("No decision is made"), "extend": N_("Voting is extended once")},
    "tie_break": {
        "cheaper_first": N_("The cheaper proposal comes first"),
        "newer_group_first": N_("The newer group comes first"),
        "lottery": N_("A lottery, with a seed published before voting"),
    },
}

RULE_NAMES = {
    CountingRule.GREEDY: N_("most support first"),
    CountingRule.GREEDY_NO_SKIP: N_("most support first, stopping at the first that does not fit"),
    CountingRule.GREEDY_THRESHOLD: N_("most support first, above a least support"),
    CountingRule.EQUAL_SHARES: N_("equal shares"),
    CountingRule.EQUAL_SHARES_ADD1: N_("equal shares with add-one"),
    CountingRule.EQUAL_SHARES_ADD1_COMPARISON: N_("equal shares with add-one, compared with most support first"),
    CountingRule.PHRAGMEN: N_("sequential Phragmén"),
    CountingRule.SCORE_AVERAGE: N_("highest average score first"),
    CountingRule.CONSENSUS: N_("consensus"),
}


def ballot_rule_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Every way the ballot, counting rule and quorum settings do not fit together, as (field, what to change),
    so a convenor sees them all at once rather than one each time they send the form."""
    problems: list[tuple[str, str]] = []
    ballot = BallotType(values.get("ballot_type") or BallotType.APPROVAL)
    rule = CountingRule(values.get("counting_rule") or CountingRule.GREEDY)
    allowed = RULES_FOR_BALLOT[ballot]
    if rule not in allowed:
        # In words a convenor knows, never the rule's internal name ("score-average", "greedy-no-skip").
        choices = f" {_('or')} ".join(f"“{_(RULE_NAMES[r])}”" for r in allowed)
        problems.append(
            (
                "counting_rule",
                _(
                    "“%(rule)s” does not fit a %(ballot)s ballot. Choose %(choices)s.",
                    rule=_(RULE_NAMES[rule]).capitalize(),
                    ballot=_(BALLOT_NAMES[ballot]),
                    choices=choices,
                ),
            )
        )
    if ballot is BallotType.CUMULATIVE:
        if not values.get("points_total"):
            problems.append(
                ("points_total", _("A points ballot needs the number of points each panel member spreads."))
            )
        cap = values.get("points_cap")
        if cap and values.get("points_total") and cap > values["points_total"]:
            problems.append(
                ("points_cap", _("The most points on one proposal cannot be more than the points to spread."))
            )
    if ballot is BallotType.SCORE:
        top = values.get("score_max")
        if not top:
            problems.append(("score_max", _("A score ballot needs the highest score on each criterion.")))
        criteria = values.get("score_criteria") or []
        if not criteria:
            problems.append(
                ("score_criteria", _("A score ballot needs at least one published criterion, one on each line."))
            )
        meanings = values.get("score_meanings") or []
        if meanings and top and len(meanings) != top + 1:
            problems.append(
                (
                    "score_meanings",
                    _(
                        "Write one meaning for each score from 0 to %(top)s: %(lines)s lines. There are %(given)s.",
                        top=top,
                        lines=top + 1,
                        given=len(meanings),
                    ),
                )
            )
        if len(criteria) > 10:
            problems.append(("score_criteria", _("Use no more than 10 criteria, so scoring stays manageable.")))
    if ballot is BallotType.RANKED and not values.get("rank_depth"):
        problems.append(
            ("rank_depth", _("A ranking ballot needs the number of proposals each panel member puts in order."))
        )
    if rule is CountingRule.GREEDY_THRESHOLD and not values.get("min_support"):
        problems.append(("min_support", _("The threshold rule needs the least support a proposal must have.")))
    if values.get("electorate") is Electorate.COMMUNITY:
        if not values.get("community_name"):
            problems.append(("community_name", _("Name the community whose members vote.")))
        if ballot in (BallotType.SCORE, BallotType.CONSENSUS):
            problems.append(
                (
                    "ballot_type",
                    _(
                        "A community-wide vote uses an approval, points or ranking ballot; "
                        "scores and consensus are for panels."
                    ),
                )
            )
        if values.get("quorum_lived_experience_percent") or values.get("quorum_min_scorers"):
            problems.append(
                (
                    "quorum_lived_experience_percent",
                    _(
                        "A community-wide vote is anonymous from the start, so the lived experience and "
                        "per-proposal quorum rules cannot be checked. "
                        "Use the fewest ballots or the smallest share instead."
                    ),
                )
            )
    if values.get("quorum_policy") is QuorumPolicy.EXTEND and not values.get("quorum_extend_days"):
        problems.append(("quorum_extend_days", _("Say by how many days voting is extended if quorum is not met.")))
    return problems


def check_ballot_rules(values: dict[str, Any]) -> None:
    """Refuse a ballot, counting rule and quorum that do not fit together, saying everything to change."""
    problems = ballot_rule_problems(values)
    if problems:
        raise BallotRulesDoNotFit(" ".join(message for _field, message in problems), problems)


def create_round(*, person: Person, values: dict[str, Any]) -> Round:
    """Start a draft round; the person who starts it is its first convenor."""
    _check_rules(values)
    with transaction() as session:
        rnd = Round(created_by_id=person.id, **values)
        add_with_unique_slug(session, rnd, values["title"])
        session.add(RoundStaff(round_id=rnd.id, person_id=person.id, role=StaffRole.CONVENOR))
    return rnd


def _describe(field: str, value: Any) -> str:
    if value is None:
        return "not set"
    if field == "max_grant_pence":
        return format_pence(value)
    if isinstance(value, datetime):
        return value.strftime("%d %B %Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value) or "none"
    return str(getattr(value, "value", value))


# A rule that is text the convenor wrote, in the table's first language (marked with it when read).
_WRITTEN = ("title", "purpose", "who_may_apply", "community_name", "support_contact")


def _same_rule(field: str, old: Any, new: Any) -> bool:  # noqa: ANN401
    """Whether a setting is unchanged as a person sets it: a step's date is a day on the form, so the
    same day is no change, whatever time of that day it was kept at (a step moved on early keeps the
    hour it moved; a table set up elsewhere keeps its own hour)."""
    if field in DATE_FIELDS and isinstance(old, datetime) and isinstance(new, datetime):
        return _as_utc(old).date() == _as_utc(new).date()
    return old == new


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _change_words(field: Any, old: Any, new: Any, reason: Any) -> dict[str, Any]:  # noqa: ANN401
    """A published rule change's parts as a record's words (`RuleChange.words`), so that a page shows
    the field's name, the old and new values and the reason in its reader's language."""
    parts = {"field": field, "old": old, "new": new, "reason": reason}
    return {name: Words("%(part)s", part=value).stored() for name, value in parts.items()}


def _value_words(field: str, value: Any, lang: str) -> Any:  # noqa: ANN401
    """A rule's value as a part of the record's sentence, put into each reader's words when read."""
    if value is None or value == "":
        return Label(N_("not set"))
    if field == "max_grant_pence":
        return Money(value)
    if isinstance(value, datetime):
        return Day(value.date())
    if isinstance(value, bool):
        return Label(N_("yes") if value else N_("no"))
    if isinstance(value, list):
        return Listed(tuple(Typed(str(v), lang) for v in value), "; ") if value else Label(N_("none"))
    if field == "ballot_type":
        return Label(BALLOT_LABELS[value])
    if field == "counting_rule":
        return Label(RULE_NAMES[value])
    if field in VALUE_WORDS:
        return Label(VALUE_WORDS[field][value.value])
    if field in _WRITTEN:
        return Typed(str(value), lang)
    return str(getattr(value, "value", value))


def change_rules(
    *,
    person: Person,
    round_id: int,
    values: dict[str, Any],
    reason: str,
    versions: dict[str, dict[str, str]] | None = None,
) -> list[RuleChange]:
    """Change a round's rules. After publishing each change needs a reason and is shown
    publicly; once voting opens, the service refuses. `versions` are its texts in each language
    it is run in (the first is the one in `values`); each must be written in full."""
    problems: list[tuple[str, str]] = []  # every setting to fix, said at once (issue 17)
    if versions:
        problems += text_problems(versions)
    try:
        _check_rules(values)
    except BallotRulesDoNotFit as exc:
        problems += exc.problems
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can change its rules."))
        if rnd.rules_frozen:
            raise RulesFrozen(
                _(
                    "Voting has opened, so the rules are frozen: they were published before voting and cannot "
                    "change now."
                )
            )
        try:
            check_quorum_possible(values, panel_size_for(rnd.id))
        except QuorumImpossible as exc:
            problems.append((exc.field, exc.message))
        changed = [f for f in RULE_FIELDS if f in values and not _same_rule(f, getattr(rnd, f), values[f])]
        # A further language's texts are rules too: a change is published with its reason.
        other_changes = _other_version_changes(rnd, versions) if versions else []
        if versions and list(versions) != rnd.languages:
            other_changes.append((Label(N_("Languages")), ", ".join(rnd.languages), ", ".join(versions), None))
        if rnd.is_published and (changed or other_changes) and not reason.strip():
            problems.append(
                (
                    "reason",
                    _(
                        "Say why you are changing the rules. The reason is published with the change.",
                    ),
                )
            )
        if problems:
            raise BallotRulesDoNotFit(" ".join(message for _field, message in problems), problems)
        changes = []
        said = []  # each change as a part of the record's sentence
        for field in changed:
            if rnd.is_published:
                said.append(
                    Words(
                        N_("%(field)s from “%(old)s” to “%(new)s”"),
                        field=Label(FIELD_LABELS[field]),
                        old=_value_words(field, getattr(rnd, field), rnd.language),
                        new=_value_words(field, values[field], rnd.language),
                    )
                )
                change = RuleChange(
                    round_id=rnd.id,
                    field=FIELD_LABELS[field],
                    old_value=_describe(field, getattr(rnd, field)),
                    new_value=_describe(field, values[field]),
                    reason=reason.strip(),
                    changed_by_id=person.id,
                    words=_change_words(**said[-1].values, reason=typed(reason.strip())),
                )
                session.add(change)
                changes.append(change)
            setattr(rnd, field, values[field])
        for label, old, new, lang in other_changes:
            if rnd.is_published:
                said.append(
                    Words(
                        N_("%(field)s from “%(old)s” to “%(new)s”"),
                        field=label,
                        old=Typed(old, lang) if old else Label(N_("not set")),
                        new=Typed(new, lang) if new else Label(N_("not set")),
                    )
                )
                change = RuleChange(
                    round_id=rnd.id,
                    field=label.english() if isinstance(label, Words) else label.message,
                    old_value=old or "not set",
                    new_value=new or "not set",
                    reason=reason.strip(),
                    changed_by_id=person.id,
                    words=_change_words(**said[-1].values, reason=typed(reason.strip())),
                )
                session.add(change)
                changes.append(change)
        if versions:
            rnd.write_versions(versions)
        if rnd.is_published and changes:
            audit.record(
                "rules_changed",
                Words(
                    N_("Rules changed: %(changes)s. Reason: %(reason)s"),
                    changes=Listed(tuple(said), "; "),
                    reason=typed(reason.strip()),
                ),
                actor_id=person.id,
                round_id=rnd.id,
                public=True,
            )
    return changes


def _other_version_changes(rnd: Round, versions: dict[str, dict[str, str]]) -> list[tuple[Any, str, str, str | None]]:
    """(what, from, to, their language) for each text of a further language that changes (the first
    language's are rule fields of their own); `what` is a record's part (Words, or the languages' line)."""
    out = []
    first = next(iter(versions))
    for code in sorted(set(rnd.languages) | set(versions)):
        if code == first and code == rnd.language:
            continue
        before = rnd.version(code) or {}
        after = versions.get(code) or {}
        for field in Round.TEXT_FIELDS:
            if (before.get(field) or "") != (after.get(field) or ""):
                label = Words(
                    N_("%(field)s (%(language)s)"),
                    field=Label(FIELD_LABELS[field]),
                    language=written.language_name(code),
                )
                out.append((label, before.get(field) or "", after.get(field) or "", code))
    return out


def invite_staff(*, person: Person, round_id: int, email: str, role: StaffRole) -> StaffInvitation:
    """A convenor invites someone, by e-mail address, to help run the table as a convenor or treasurer.

    As with group members (grants/invitations.py), the convenor sees the same waiting row whether or
    not the address has an account, and nobody takes on the role without saying yes."""
    to = invitations.address(email)
    with transaction() as session:
        if not is_convenor(person, round_id):
            raise NotAllowed(_("Only a convenor of this table can add people to run it."))
        rnd = session.get(Round, round_id)
        already = session.execute(
            select(RoundStaff.id)
            .join(Person, Person.id == RoundStaff.person_id)
            .where(RoundStaff.round_id == round_id, RoundStaff.role == role, func.lower(Person.email) == to)
        ).first()
        if already is not None:
            raise DomainError(_("%(email)s is already a %(role)s of this table.", email=to, role=_(role.value)))
        if invitations.waiting(StaffInvitation, StaffInvitation.round_id == round_id, StaffInvitation.email == to):
            raise DomainError(_("%(email)s has already been invited. The invitation is waiting for them.", email=to))
        invitation = StaffInvitation(round_id=round_id, email=to, role=role, invited_by_id=person.id)
        session.add(invitation)
        session.flush()
        invitations.tell(
            to,
            inviter=person,
            subject=_l(
                "%(name)s would like you to help run %(title)s", name=person.display_name, title=lazy_text(rnd, "title")
            ),
            what=_l(
                "to help run the table %(title)s as a %(role)s", title=lazy_text(rnd, "title"), role=_l(role.value)
            ),
        )
        audit.record(
            "role_granted",
            f"A {role.value} was invited to help run the table.",
            actor_id=person.id,
            round_id=round_id,
            details={"invitation_id": invitation.id, "role": role.value},
        )
    return invitation


def open_staff_invitations(round_id: int) -> list[StaffInvitation]:
    """A table's invitations to help run it, still waiting for an answer."""
    return invitations.waiting(StaffInvitation, StaffInvitation.round_id == round_id)


def answer_staff_invitation(*, person: Person, invitation_id: int, accept: bool) -> RoundStaff | None:
    """Say yes (help run the table) or no to an invitation sent to one's own address."""
    with transaction() as session:
        invitation = invitations.answer(StaffInvitation, invitation_id, person, accept)
        if not accept:
            return None
        staff = session.execute(
            select(RoundStaff).where(
                RoundStaff.round_id == invitation.round_id,
                RoundStaff.person_id == person.id,
                RoundStaff.role == invitation.role,
            )
        ).scalar_one_or_none()
        if staff is None:
            staff = RoundStaff(round_id=invitation.round_id, person_id=person.id, role=invitation.role)
            session.add(staff)
        session.flush()
        audit.record(
            "role_granted",
            Words(
                N_("A convenor was added to the table.")
                if invitation.role is StaffRole.CONVENOR
                else N_("A treasurer was added to the table.")
            ),
            actor_id=person.id,
            round_id=invitation.round_id,
            public=True,
            details={"person_id": person.id, "role": invitation.role.value},
        )
    return staff


def advance(*, person: Person | None, round_id: int, to: RoundStatus) -> Round:
    """Move a round to its next stage. `person` is None when the timetable does it."""
    with transaction():
        rnd = lock_for_update(Round, round_id)
        if person is not None and not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can move it on."))
        if NEXT_STEP.get(rnd.status) is not to:
            raise DomainError(
                _("This table is “%(now)s”; it cannot move to “%(to)s” from here.", now=rnd.status.label, to=to.label)
            )
        if to is RoundStatus.OPEN_FOR_BIDS:
            check_quorum_possible(quorum_values(rnd), panel_size_for(rnd.id))
            rnd.published_at = datetime.now(UTC)
            if rnd.tie_break is TieBreak.LOTTERY and not rnd.lottery_seed:
                # Published with the rules, before any vote, so nobody can choose it afterwards.
                rnd.lottery_seed = secrets.token_hex(16)
        if to is RoundStatus.VOTING:
            submitted = db.session.execute(
                select(Proposal.id).where(Proposal.round_id == rnd.id, Proposal.status == ProposalStatus.SUBMITTED)
            ).first()
            if submitted is None:
                raise DomainError(_("There are no submitted proposals to vote on."))
            seat = db.session.execute(
                select(PanelMember.id).where(PanelMember.round_id == rnd.id, PanelMember.stepped_down_at.is_(None))
            ).first()
            if seat is None:
                raise DomainError(_("The panel is empty. Invite panel members before voting opens."))
        rnd.status = to
        # What other features do as the table enters the stage (grants/rounds/stages.py): panels
        # record the automatic recusals when reading starts and voting opens (bids are final), and
        # ballots make the count key when voting opens.
        stages.entered(rnd)
        audit.record(
            f"round_{to.value}",
            Words(N_("The table moved to “%(step)s”."), step=Label(STATUS_LABELS[to])),
            actor_id=person.id if person else None,
            round_id=rnd.id,
            public=True,
        )
        if to is RoundStatus.VOTING:
            panel = db.session.execute(
                select(PanelMember.person_id).where(
                    PanelMember.round_id == rnd.id,
                    PanelMember.stepped_down_at.is_(None),
                    PanelMember.is_paused.is_(False),
                )
            ).scalars()
            notify(
                panel,
                "voting_opened",
                _l("Voting has opened: %(title)s", title=lazy_text(rnd, "title")),
                _l(
                    "Voting on %(title)s is open until %(date)s. Vote when you are ready; you can pause at any time.",
                    title=lazy_text(rnd, "title"),
                    date=LazyString(format_date, rnd.voting_closes_at, "dd MMMM y"),
                ),
                link=link_to("panels.home", slug=rnd.slug),
            )
    return rnd


def rounds_due(now: datetime) -> list[tuple[Round, RoundStatus | str]]:
    """Rounds whose timetable says they should move on now."""
    due: list[tuple[Round, RoundStatus | str]] = []
    rounds = db.session.execute(
        select(Round).where(
            Round.status.in_(
                [
                    RoundStatus.OPEN_FOR_BIDS,
                    RoundStatus.BIDS_CLOSED,
                    RoundStatus.DELIBERATION,
                    RoundStatus.VOTING,
                ]
            )
        )
    ).scalars()
    for rnd in rounds:
        if rnd.status is RoundStatus.OPEN_FOR_BIDS and now >= rnd.bids_close_at:
            due.append((rnd, RoundStatus.BIDS_CLOSED))
        elif rnd.status is RoundStatus.BIDS_CLOSED and now >= rnd.deliberation_opens_at:
            due.append((rnd, RoundStatus.DELIBERATION))
        elif rnd.status is RoundStatus.DELIBERATION and now >= rnd.voting_opens_at:
            due.append((rnd, RoundStatus.VOTING))
        elif rnd.status is RoundStatus.VOTING and now >= rnd.voting_closes_at:
            due.append((rnd, "close"))
    return due


# Moving on before the published date --------------------------------------------------------

# Which published date each step keeps to; "close" is closing voting (grants/ballots/closing.py, a
# step of the timetable that ballots registers: grants/rounds/timetable.py).
STEP_DATES: dict[RoundStatus | str, str] = {
    RoundStatus.BIDS_CLOSED: "bids_close_at",
    RoundStatus.DELIBERATION: "deliberation_opens_at",
    RoundStatus.VOTING: "voting_opens_at",
    "close": "voting_closes_at",
}


class TooEarly(DomainError):
    """A person tried to move a table on before its published date without what the rule asks for."""


@dataclass(frozen=True)
class EarlyMove:
    """Moving a table on now would be before its published date: which date, and whom it cuts short."""

    label: str
    scheduled: datetime
    cut_short: list[tuple[Person, str]]


def early_move(rnd: Round, step: RoundStatus | str, now: datetime | None = None) -> EarlyMove | None:
    """What moving `rnd` on by `step` now would change in its timetable (None: not early)."""

    field = STEP_DATES.get(step)
    now = now or datetime.now(UTC)
    if field is None or now >= getattr(rnd, field):
        return None
    seats = {
        seat.person_id: seat
        for seat in db.session.execute(
            select(PanelMember).where(PanelMember.round_id == rnd.id, PanelMember.stepped_down_at.is_(None))
        ).scalars()
    }
    cut: dict[int, str] = {}
    # Granted more time ends early if its work ends: reading when voting opens or closes, scoring at the close.
    ends = {"reading", "scoring"} if step == "close" else {"reading"} if step is RoundStatus.VOTING else set()
    for req in db.session.execute(
        select(TimeRequest).where(TimeRequest.round_id == rnd.id, TimeRequest.until > now.date())
    ).scalars():
        if req.what in ends and req.person_id in seats:
            until = format_date(req.until, "d MMMM y")
            cut[req.person_id] = (
                _("more time for scoring until %(date)s", date=until)
                if req.what == "scoring"
                else _("more time for reading until %(date)s", date=until)
            )
    if step == "close":
        # A paused member has been promised they can come back and vote until the published close.
        for person_id, seat in seats.items():
            if seat.is_paused:
                cut.setdefault(person_id, _("a pause"))
    people = {p.id: p for p in db.session.execute(select(Person).where(Person.id.in_(cut))).scalars()}
    return EarlyMove(
        label=FIELD_LABELS[field],
        scheduled=getattr(rnd, field),
        cut_short=[(people[pid], what) for pid, what in sorted(cut.items())],
    )


def keep_timetable(
    *, person: Person, round_id: int, step: RoundStatus | str, reason: str, override_reason: str = ""
) -> RuleChange | None:
    """Before a person moves a table on: if it is before the published date, keep the panel's rules.

    A reason is needed, and is shown on the timetable beside the new date (the date is moved to
    now). Members whose granted time or pause it would cut short stop it, unless the convenor
    records why, and then they are told first. Joins the caller's transaction.
    """
    with transaction() as session:
        rnd = lock_for_update(Round, round_id)
        if not is_convenor(person, rnd.id):
            raise NotAllowed(_("Only a convenor of this table can move it on."))
        early = early_move(rnd, step)
        if early is None:
            return None
        when = f"{early.scheduled:%d %B %Y}"  # records keep English; people read the date in their language
        shown_when = format_date(early.scheduled, "d MMMM y")
        if not reason.strip():
            raise TooEarly(
                _(
                    "The published date for “%(step)s” is %(date)s. To move the table on before then, say why: "
                    "the reason is shown on the timetable beside the new date.",
                    step=_(early.label),
                    date=shown_when,
                )
            )
        if early.cut_short and not override_reason.strip():
            who = "; ".join(f"{p.display_name} ({what})" for p, what in early.cut_short)
            raise TooEarly(
                _(
                    "Moving on now would cut short what panel members were given: %(who)s. Wait until %(date)s, or "
                    "record why it cannot wait; they will be told first.",
                    who=who,
                    date=shown_when,
                )
            )
        now = datetime.now(UTC)
        field = STEP_DATES[step]
        text = reason.strip()
        if early.cut_short:
            text += f" Members given more time or paused were told first: {override_reason.strip()}"
            # Each recipient reads the step's name and the dates in their own language (notify() puts
            # the lazy strings into words once per language).
            notify(
                [p.id for p, _what in early.cut_short],
                "reminder",
                _l(
                    "%(title)s: %(step)s moved earlier",
                    title=lazy_text(rnd, "title"),
                    step=LazyString(lambda label=early.label: _(label).lower()),
                ),
                _l(
                    "%(step)s was %(old)s and is now %(new)s. This cuts short what you were given. "
                    "Why: %(reason)s %(override)s",
                    step=LazyString(_, early.label),
                    old=LazyString(format_date, early.scheduled, "dd MMMM y"),
                    new=LazyString(format_date, now, "dd MMMM y"),
                    reason=reason.strip(),
                    override=override_reason.strip(),
                ),
                link=link_to("panels.home", slug=rnd.slug),
            )
        moved = {"step": Label(early.label), "old": Day(early.scheduled.date()), "new": Day(now.date())}
        why = (
            Words(
                N_("%(reason)s Members given more time or paused were told first: %(override)s"),
                reason=typed(reason.strip()),
                override=typed(override_reason.strip()),
            )
            if early.cut_short
            else typed(text)
        )
        change = RuleChange(
            round_id=rnd.id,
            field=early.label,
            old_value=when,
            new_value=f"{now:%d %B %Y}",
            reason=text,
            changed_by_id=person.id,
            words=_change_words(moved["step"], moved["old"], moved["new"], why),
        )
        session.add(change)
        setattr(rnd, field, now)
        audit.record(
            "timetable_moved_earlier",
            Words(
                N_(
                    "%(step)s moved from %(old)s to %(new)s. Reason: %(reason)s Members given more time or paused "
                    "were told first: %(override)s"
                ),
                **moved,
                reason=typed(reason.strip()),
                override=typed(override_reason.strip()),
            )
            if early.cut_short
            else Words(N_("%(step)s moved from %(old)s to %(new)s. Reason: %(reason)s"), **moved, reason=typed(text)),
            actor_id=person.id,
            round_id=rnd.id,
            public=True,
        )
    return change


def move_on(*, person: Person, round_id: int, to: RoundStatus, reason: str = "", override_reason: str = "") -> Round:
    """A convenor moves the table on: the timetable's rules kept first, then the step, in one transaction."""
    with transaction():
        if to is RoundStatus.OPEN_FOR_BIDS:
            rnd = db.session.get(Round, round_id)
            # A draft set up on its task list is published only once every part is answered and fits.
            if rnd is not None and rnd.setup_unfinished:
                raise DomainError(_("Finish setting the table up before publishing it: see its task list."))
            if rnd is not None:
                _check_rules({f: getattr(rnd, f) for f in RULE_FIELDS})
        keep_timetable(person=person, round_id=round_id, step=to, reason=reason, override_reason=override_reason)
        return advance(person=person, round_id=round_id, to=to)
