"""The new table's task list, walked through the web as a convenor does (issue 17)."""

from __future__ import annotations

from tests.conftest import post_form

# The form fields each page of the task list asks, in the order a convenor meets them.
PAGE_FIELDS = {
    "who": ("who_may_apply",),
    "money": ("max_grant",),
    "timetable": ("bids_open_on", "bids_close_on", "deliberation_opens_on", "voting_opens_on", "voting_closes_on"),
    "ballot": ("electorate", "community_name", "ballot_type"),
    "ballot-settings": (
        "min_picks", "max_picks", "ballot_within_budget", "points_total", "points_cap", "score_max",
        "score_criteria", "score_meanings", "score_skip_allowed", "rank_depth", "receipts",
    ),
    "counting": ("counting_rule", "min_support"),
    "quorum": (
        "quorum_min_ballots", "quorum_min_share_percent", "quorum_lived_experience_percent", "quorum_min_scorers",
        "quorum_policy", "quorum_extend_days",
    ),
    "conflicts": ("support_contact",),
    "tie-break": ("tie_break",),
}  # fmt: skip


def start(client, form: dict) -> str:  # noqa: ANN001
    """Send the first page (name and purpose); the new draft's slug."""
    response = post_form(
        client, "/manage/tables/new", {k: form[k] for k in ("title", "purpose") if k in form}, page="/manage/tables/new"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.endswith("/setup"), location
    return location.rstrip("/").split("/")[-2]


def send_page(client, slug: str, page: str, form: dict):  # noqa: ANN001, ANN201
    """Send one page of the task list with the answers it asks for."""
    url = f"/manage/tables/{slug}/setup/{page}"
    return post_form(client, url, {k: form[k] for k in PAGE_FIELDS[page] if k in form}, page=url)


def walk(client, form: dict) -> tuple[str, dict]:  # noqa: ANN001
    """Answer every page; the slug and each page's response (a page refused stays refused, as a person sees it)."""
    slug = start(client, form)
    return slug, {page: send_page(client, slug, page, form) for page in PAGE_FIELDS}


def new_table(client, form: dict, *, publish: bool = False) -> str:  # noqa: ANN001
    """Set up a table through its task list, every page accepted; published if asked. Its slug."""
    slug, responses = walk(client, form)
    for page, response in responses.items():
        assert response.status_code == 302, (page, response.get_data(as_text=True)[:3000])
    if publish:
        check = f"/manage/tables/{slug}/setup/check"
        response = post_form(client, check, {}, page=check)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return slug
