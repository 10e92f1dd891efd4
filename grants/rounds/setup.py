"""Setting up a new table as a task list: each part a short page, its draft saved after each.

A draft starts with its name and purpose; the other parts hold placeholders until answered, and
`Round.setup_unfinished` names the parts not yet answered. Every rule the one-page form checked is
still checked: each page checks what it asks (with the rules that tie it to other parts), and
publishing checks the whole table again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from grants.core import DomainError, NotAllowed, add_with_unique_slug, lock_for_update, raise_problems, transaction
from grants.language import written
from grants.models import N_, BallotType, Person, Round, RoundStaff, RoundStatus, StaffRole
from grants.money_format import format_pence
from grants.roles import is_convenor
from grants.rounds import services


@dataclass(frozen=True)
class Page:
    """One page of the task list: its address part, its title and the model fields it sets."""

    key: str
    title: str
    fields: tuple[str, ...]


# Only the chosen ballot's settings are asked: the settings page's fields depend on the ballot.
BALLOT_SETTINGS = {
    BallotType.APPROVAL: ("min_picks", "max_picks", "ballot_within_budget"),
    BallotType.CUMULATIVE: ("points_total", "points_cap"),
    BallotType.SCORE: ("score_max", "score_criteria", "score_meanings", "score_skip_allowed"),
    BallotType.RANKED: ("rank_depth",),
    BallotType.CONSENSUS: (),
}
ALL_BALLOT_SETTINGS = tuple(f for fields in BALLOT_SETTINGS.values() for f in fields) + ("receipts_on",)

PAGES = (
    Page("purpose", N_("Name and purpose"), ("title", "purpose")),
    Page("who", N_("Who may apply"), ("who_may_apply",)),
    Page("money", N_("Money"), ("max_grant_pence",)),
    Page(
        "timetable",
        N_("Timetable"),
        ("bids_open_at", "bids_close_at", "deliberation_opens_at", "voting_opens_at", "voting_closes_at"),
    ),
    Page("ballot", N_("Ballot"), ("electorate", "community_name", "ballot_type")),
    Page("ballot-settings", N_("Ballot settings"), ALL_BALLOT_SETTINGS),
    Page("counting", N_("Counting"), ("counting_rule", "min_support")),
    Page(
        "quorum",
        N_("Quorum"),
        (
            "quorum_min_ballots",
            "quorum_min_share_percent",
            "quorum_lived_experience_percent",
            "quorum_min_scorers",
            "quorum_policy",
            "quorum_extend_days",
        ),
    ),
    Page("conflicts", N_("Conflicts of interest and support"), ("support_contact",)),
    Page("tie-break", N_("Tie-break"), ("tie_break",)),
)
PAGE = {p.key: p for p in PAGES}
FIELD_PAGE = {field: p.key for p in PAGES for field in p.fields}

# The task list: each task and its pages (the ballot is two short pages: which ballot, then its settings).
TASKS = (
    ("purpose", N_("Name and purpose"), ("purpose",)),
    ("who", N_("Who may apply"), ("who",)),
    ("money", N_("Money"), ("money",)),
    ("timetable", N_("Timetable"), ("timetable",)),
    ("ballot", N_("Ballot"), ("ballot", "ballot-settings")),
    ("counting", N_("Counting"), ("counting",)),
    ("quorum", N_("Quorum"), ("quorum",)),
    ("conflicts", N_("Conflicts of interest and support"), ("conflicts",)),
    ("tie-break", N_("Tie-break"), ("tie-break",)),
)

NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"


class DraftPublished(DomainError):
    """The table is published: its rules change on the rules page, with a reason."""


def rule_values(rnd: Round) -> dict[str, Any]:
    """The round's rules as model values (what services.rules_from_form gives)."""
    return {f: getattr(rnd, f) for f in services.RULE_FIELDS}


def page_problems(values: dict[str, Any], page: str) -> list[tuple[str, str]]:
    """Every way the rules do not fit together that the given page can put right."""
    problems = services.ballot_rule_problems(values)
    return [(field, message) for field, message in problems if FIELD_PAGE.get(field) == page]


def statuses(rnd: Round) -> dict[str, str]:
    """Each task's status: not started, in progress (part answered, or an answer no longer fits), completed."""
    unfinished = set(rnd.setup_unfinished or [])
    values = rule_values(rnd)
    troubled = {FIELD_PAGE.get(field) for field, _ in services.ballot_rule_problems(values)}
    out = {}
    for key, _title, pages in TASKS:
        answered = [p for p in pages if p not in unfinished]
        if not answered:
            out[key] = NOT_STARTED
        elif len(answered) < len(pages) or any(p in troubled for p in pages):
            out[key] = IN_PROGRESS
        else:
            out[key] = COMPLETED
    return out


def unfinished_tasks(rnd: Round) -> list[str]:
    """The titles of the tasks not yet completed."""
    status = statuses(rnd)
    return [title for key, title, _pages in TASKS if status[key] != COMPLETED]


# The texts each page of the task list asks for (in each language the table is run in).
PAGE_TEXTS = {"purpose": ("title", "purpose"), "who": ("who_may_apply",)}
TEXT_PAGE = {field: page for page, fields in PAGE_TEXTS.items() for field in fields}


def page_of_box(box: str) -> str:
    """The task list page that asks for a text's box in any language (title_cy: the purpose page)."""
    for field, page in TEXT_PAGE.items():
        if box == field or box.startswith(field + "_"):
            return page
    return FIELD_PAGE.get(box, "purpose")


def start_draft(
    *, person: Person, title: str = "", purpose: str = "", versions: dict[str, dict[str, str]] | None = None
) -> Round:
    """Start a new table from its name and purpose; the person is its first convenor, the rest is to do.

    `versions`: its name and purpose in each language it is run in ({code: {field: text}}); a draft
    needs them in its first language, and publishing needs them in all (with who may apply)."""
    versions = versions or {"en": {"title": title, "purpose": purpose}}
    versions = {code: {"who_may_apply": "", **v} for code, v in versions.items()}
    raise_problems(services.text_problems(versions, PAGE_TEXTS["purpose"], every_language=False))
    first = next(iter(versions.values()))
    today = datetime.now(UTC).date()
    with transaction() as session:
        rnd = Round(
            created_by_id=person.id,
            title=first["title"],
            purpose=first["purpose"],
            # Placeholders until their parts are answered (setup_unfinished says which).
            who_may_apply="",
            max_grant_pence=0,
            bids_open_at=services.opening(today),
            bids_close_at=services.closing(today),
            deliberation_opens_at=services.opening(today),
            voting_opens_at=services.opening(today),
            voting_closes_at=services.closing(today),
            support_contact="",
            setup_unfinished=[p.key for p in PAGES if p.key != "purpose"],
        )
        rnd.write_versions(versions)
        add_with_unique_slug(session, rnd, first["title"] or "table")
        session.add(RoundStaff(round_id=rnd.id, person_id=person.id, role=StaffRole.CONVENOR))
    return rnd


def _draft(person: Person, round_id: int) -> Round:
    rnd = lock_for_update(Round, round_id)
    if not is_convenor(person, rnd.id):
        raise NotAllowed(_("Only a convenor of this table can set it up."))
    if rnd.rules_frozen:
        raise services.RulesFrozen(_("Voting has opened, so the rules are frozen."))
    if rnd.is_published:
        raise DraftPublished(_("This table is published: change its rules on the rules page, saying why."))
    return rnd


def save_page(
    *,
    person: Person,
    round_id: int,
    page: str,
    values: dict[str, Any],
    versions: dict[str, dict[str, str]] | None = None,
) -> Round:
    """Save one page of a draft's task list, refusing (all at once) what does not fit the other answers.

    `versions`: for the pages of texts, the table's texts in each language it is run in; the draft
    needs this page's in its first language (publishing checks every language)."""
    fields = PAGE[page].fields
    with transaction():
        rnd = _draft(person, round_id)
        merged = rule_values(rnd) | {k: v for k, v in values.items() if k in fields}
        problems = page_problems(merged, page)
        if page in PAGE_TEXTS and versions:
            problems += services.text_problems(versions, PAGE_TEXTS[page], every_language=False)
        if page == "money" and (merged["max_grant_pence"] or 0) <= 0:
            problems.append(("max_grant_pence", _("Enter a largest grant of more than £0.")))
        if problems:
            raise services.BallotRulesDoNotFit(" ".join(m for _f, m in problems), problems)
        if page == "quorum":
            services.check_quorum_possible(merged, services.panel_size_for(rnd.id))
        unfinished = [p for p in (rnd.setup_unfinished or []) if p != page]
        if page == "ballot" and merged["ballot_type"] is not rnd.ballot_type and "ballot-settings" not in unfinished:
            # A different ballot has different settings: they are asked again.
            unfinished.append("ballot-settings")
        for field in fields:
            if field in values:
                setattr(rnd, field, merged[field])
        if page in PAGE_TEXTS and versions:
            rnd.write_versions(versions)
        rnd.setup_unfinished = unfinished
    return rnd


def publish(*, person: Person, round_id: int) -> Round:
    """Publish a set-up draft and open it for bids, checking every rule of the whole table again."""
    with transaction():
        rnd = _draft(person, round_id)
        left = unfinished_tasks(rnd)
        if left:
            parts = ", ".join(_(t) for t in left)
            raise DomainError(_("Finish these parts before publishing: %(parts)s.", parts=parts))
        # Every language the table says it is run in, in full: every missing text at once.
        raise_problems(services.text_problems(rnd.versions()))
        values = rule_values(rnd)
        services.check_rules(values)
        services.check_quorum_possible(values, services.panel_size_for(rnd.id))
        return services.advance(person=person, round_id=rnd.id, to=RoundStatus.OPEN_FOR_BIDS)


# What each answer reads as on the check page (values in words, never internal names).
_WORDS = services.VALUE_WORDS
# The form field each model field is asked by (its id on the page, for a Change link to go to).
FORM_FIELD = {
    "max_grant_pence": "max_grant",
    "bids_open_at": "bids_open_on",
    "bids_close_at": "bids_close_on",
    "deliberation_opens_at": "deliberation_opens_on",
    "voting_opens_at": "voting_opens_on",
    "voting_closes_at": "voting_closes_on",
    "receipts_on": "receipts",
}


@dataclass(frozen=True)
class Answer:
    """One row of the check page: what was asked, the answer, and where to change it."""

    label: str
    value: str
    page: str
    anchor: str
    lang: str | None = None  # the language of a text the convenor wrote (marked on the page)


def _in_words(rnd: Round, field: str) -> str:

    value = getattr(rnd, field)
    if field == "ballot_type":
        return value.label
    if field == "counting_rule":
        return _(services.RULE_NAMES[value]).capitalize()
    if field == "receipts_on":
        return _("Each voter gets a receipt") if value else _("No receipts")
    if field in _WORDS:
        return _(_WORDS[field][value.value])
    if field == "max_grant_pence":
        return format_pence(value)
    if field in ("score_criteria", "score_meanings"):
        return "; ".join(value or []) or (_("Not set") if field == "score_criteria" else _("The plain defaults"))
    if value is None or value == "":
        return _("Not set")
    if field.endswith("_percent"):
        return f"{value}%"
    if field == "quorum_extend_days":
        return ngettext("%(num)d day", "%(num)d days", value)
    if isinstance(value, datetime):
        return format_date(value, "d MMMM y")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def answers(rnd: Round) -> list[tuple[str, str, list[Answer]]]:
    """Each task's answers for the check page: (task key, title, rows); only the chosen ballot's settings."""
    shown = set(BALLOT_SETTINGS[rnd.ballot_type]) | {"receipts_on"}
    out = []
    for key, title, pages in TASKS:
        rows = []
        for page in pages:
            if page == "purpose":
                names = ", ".join(written.language_name(code) for code in rnd.languages)
                rows.append(Answer(_("Languages"), names, page, "languages"))
            for field in PAGE[page].fields:
                if field in TEXT_PAGE:
                    rows += _text_answers(rnd, field, page)
                    continue
                if page == "ballot-settings" and field not in shown:
                    continue
                if field == "community_name" and rnd.electorate.value != "community":
                    continue
                if field == "quorum_extend_days" and rnd.quorum_policy.value != "extend":
                    continue
                if field == "min_support" and rnd.counting_rule.value != "greedy-threshold":
                    continue
                label = _(services.FIELD_LABELS[field])
                rows.append(Answer(label, _in_words(rnd, field), page, FORM_FIELD.get(field, field)))
        out.append((key, title, rows))
    return out


def _text_answers(rnd: Round, field: str, page: str) -> list[Answer]:
    """A text's answer in each language the table is run in (naming the language when there are more)."""
    label = _(services.FIELD_LABELS[field])
    versions = rnd.versions()
    rows = []
    for code, version in versions.items():
        shown_label = label if len(versions) == 1 else f"{label} ({written.language_name(code)})"
        value = version.get(field) or ""
        anchor = written.field_id(field, code)
        rows.append(Answer(shown_label, value or _("Not written yet"), page, anchor, code if value else None))
    return rows
