"""Public pages. No login; nothing personal; every figure comes from the ledger."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.caching import same_for_everyone
from grants.extensions import db
from grants.groups.services import earlier_names
from grants.inputs import as_id
from grants.ledger import published
from grants.models import Award, Funder, Group, Round, RoundStatus, Upload
from grants.privacy import people_text
from grants.public import bp, charts, pages, queries
from grants.roles import funders_accepted_anywhere, is_convenor, is_group_member
from grants.rounds import bp as rounds_bp
from grants.rounds.loading import get_round, public_round
from grants.security import public
from grants.uploads import send_upload

PAGE_SIZE = 50
GROUP_LIST_MAX = 50  # more groups than this with money, and the ledger's group filter is a search
GROUP_MATCHES_SHOWN = 20
HOME_CARDS = 12  # tables shown per stage on the home page; /tables lists every one


@bp.route("/")
@public
@same_for_everyone
def home():
    """Rounds by stage and the platform's totals."""
    rounds = queries.published_rounds()
    stages = {
        _("Open for bids"): [r for r in rounds if r.status is RoundStatus.OPEN_FOR_BIDS],
        _("Panels reading and voting"): [
            r for r in rounds if r.status in (RoundStatus.BIDS_CLOSED, RoundStatus.DELIBERATION, RoundStatus.VOTING)
        ],
        _("Decided and paying"): [
            r
            for r in rounds
            if r.status in (RoundStatus.COUNTED, RoundStatus.AWARDING, RoundStatus.PAYING, RoundStatus.REPORTING)
        ],
        _("Finished"): [r for r in rounds if r.status in (RoundStatus.CLOSED, RoundStatus.NO_DECISION)],
    }
    given, awarded = queries.money_flows()
    return render_template(
        "public/home.html",
        stages=stages,
        totals=published.platform_summary(),
        flow=charts.money_flow(given, awarded),
        home_cards=HOME_CARDS,
    )


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on every page; answer with the site's icon, not a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/tables")
@public
@same_for_everyone
def rounds():
    """Every published table with its money."""
    items = queries.published_rounds()
    return render_template("public/rounds.html", rounds=items, money=published.round_summaries([r.id for r in items]))


@bp.route("/tables/<slug>")
@public
@same_for_everyone(query=("page",))
def round(slug: str):  # noqa: A001 - the URL's noun
    """A table's rules, timetable, proposals, result and money (long lists a page at a time: ?page=2)."""
    rnd = public_round(slug)
    if rnd is None:
        abort(404)
    return render_template("public/round.html", **pages.round_context(rnd, request.args.get("page", type=int)))


@bp.route("/tables/<slug>/ballots.pb")
@public
def ballot_file_download(slug: str):
    """The ballot file's first address: it now lives at decision.pb (with `selected`), checked there."""
    return redirect(url_for("decisions.decision_download", slug=slug), code=308)


@bp.route("/groups/<slug>")
@public
@same_for_everyone
def group(slug: str):
    """A group's public page."""
    found = queries.group_page(slug)
    if found is None:
        abort(404)
    grp, awards, paid, proposals, updates = found
    is_member = current_user.is_authenticated and is_group_member(current_user, grp.id)
    return render_template(
        "public/group.html",
        group=grp,
        awards=awards,
        paid=paid,
        proposals=proposals,
        updates=updates,
        is_member=is_member,
        earlier_names=earlier_names(grp.id),
    )


@bp.route("/funders/<slug>")
@public
@same_for_everyone
def funder(slug: str):
    """What a funder gave to which tables."""
    found = queries.funder_page(slug)
    if found is None:
        abort(404)
    fnd, rows = found
    return render_template("public/funder.html", funder=fnd, rows=rows)


@bp.route("/ledger", endpoint="ledger")
@public
@same_for_everyone(query=("page", "round", "group", "funder", "group_name"))
def ledger_page():
    """Every money movement, newest first, paged and filterable."""

    def _int_arg(name: str) -> int | None:
        """A whole number from the query (None if it is not one); one too large for an id names nothing (a 404)."""
        value = request.args.get(name, "")
        if not (value.isascii() and value.isdigit()):
            return None
        if not value.strip("0"):
            return 0
        found = as_id(value)
        if found is None:
            abort(404)
        return found

    page = max(_int_arg("page") or 1, 1)
    filters = {"round_id": _int_arg("round"), "group_id": _int_arg("group"), "funder_id": _int_arg("funder")}
    # Only groups that have had money from a table appear in the ledger, so only they are offered:
    # as a list while there are few, else found by a part of their name (a list of thousands is no use).
    with_money = select(Group.id, Group.name).where(Group.id.in_(select(Award.group_id))).order_by(Group.name)
    groups = db.session.execute(with_money.limit(GROUP_LIST_MAX + 1)).all()
    searching = len(groups) > GROUP_LIST_MAX
    group_name = request.args.get("group_name", "").strip()[:100]
    matches: list = []
    if searching:
        groups = []
        if filters["group_id"]:
            chosen = db.session.get(Group, filters["group_id"])
            group_name = chosen.name if chosen else group_name
        elif group_name:
            matches = db.session.execute(
                with_money.where(Group.name.icontains(group_name, autoescape=True)).limit(GROUP_MATCHES_SHOWN + 1)
            ).all()
            if len(matches) == 1:
                filters["group_id"], group_name = matches[0]
                matches = []
    unresolved = searching and bool(group_name) and not filters["group_id"]
    rows = [] if unresolved else published.ledger_rows(**filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    has_next = len(rows) > PAGE_SIZE
    rounds = db.session.execute(
        select(Round.id, Round.title).where(Round.status != RoundStatus.DRAFT).order_by(Round.title)
    ).all()
    funders = db.session.execute(
        select(Funder.id, Funder.name).where(Funder.id.in_(funders_accepted_anywhere())).order_by(Funder.name)
    ).all()
    return render_template(
        "public/ledger.html",
        rows=rows[:PAGE_SIZE],
        page=page,
        has_next=has_next,
        filters=filters,
        rounds=rounds,
        groups=groups,
        searching=searching,
        group_name=group_name,
        unresolved=unresolved,
        matches=matches[:GROUP_MATCHES_SHOWN],
        more_matches=len(matches) > GROUP_MATCHES_SHOWN,
        funders=funders,
        totals=(
            published.round_summary(filters["round_id"]) if filters["round_id"] else published.platform_summary()
        ),
    )


@bp.route("/uploads/<int:upload_id>")
@public
def upload(upload_id: int):
    """A public upload (a group's photo). Private uploads are served by their own features."""

    item = db.get_or_404(Upload, upload_id)
    if not item.is_public:
        abort(404)
    return send_upload(item)


@bp.app_template_global("panel_held_back_text")
def panel_held_back_text() -> str:
    """The one sentence that says panel pay to fewer than 5 people is left out of the figures."""
    return published.HELD_BACK_TEXT


@bp.app_template_filter("people")
def people_filter(count: int | None) -> str:
    """A count of people as the public may see it: the number, or 'fewer than 5' (grants/privacy.py)."""
    return people_text(count)


# A convenor's preview of the public page is this page's, at the table's address (`rounds.preview`).
@rounds_bp.route("/<slug>/preview", endpoint="preview")
def preview(slug: str):
    """What the public page of a table will look like, for its convenors, also while it is a draft."""
    rnd = get_round(slug, check=is_convenor)
    return render_template("public/round.html", preview=True, **pages.round_context(rnd))
