"""Ballot pages: fill in, check your answers, cast, receipt. One template per ballot type."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.ballots import bp, closing, codes, consensus, paper_ballots, services
from grants.ballots.forms import BallotForm, CodesForm
from grants.ballots.services import ballot_proposals
from grants.core import DomainError, Problems
from grants.extensions import db
from grants.flashing import submitted
from grants.inputs import is_whole
from grants.models import PanelMember, PaperBatch, Participation, Person, Proposal, Round
from grants.roles import is_convenor, panel_seat
from grants.rounds import bp as rounds_bp
from grants.rounds.forms import MoveOnForm
from grants.rounds.loading import get_round
from grants.security import public


def _paper_or_redirect(rnd: Round):  # noqa: ANN202
    try:
        return services.ballot_paper(current_user, rnd), None
    except DomainError as exc:
        flash(exc.message, "error")
        return None, redirect(
            url_for("panels.home", slug=rnd.slug) if rnd.is_voting else url_for("public.round", slug=rnd.slug)
        )


def _said(refusal: DomainError | None) -> dict:
    """A refusal for a page: its message, and each box's own problems when it found several at once."""
    problems = refusal.problems if isinstance(refusal, Problems) else []
    at: dict[str, list[str]] = {}
    for where, message in problems:
        at.setdefault(where, []).append(message)
    return {"error": refusal.message if refusal else None, "problems": problems, "problems_at": at}


def _render_paper(rnd: Round, paper, form: BallotForm, refusal: DomainError | None, action: str | None = None):  # noqa: ANN001, ANN202
    """The ballot paper of the round's type, filled in with whatever was sent, with every problem found."""
    values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
    chosen_ids = {int(v) for v in request.form.getlist("proposal") if is_whole(v)}
    # "Change" beside one proposal on the check page: the paper opens with the focus on that proposal.
    change = request.form.get("change", "")
    focus = int(change) if is_whole(change) and int(change) in {p.id for p in paper.choosable} else None
    return render_template(
        f"ballots/vote_{rnd.ballot_type.value}.html" if rnd.ballot_type.value != "approval" else "ballots/vote.html",
        rnd=rnd,
        paper=paper,
        form=form,
        chosen_ids=chosen_ids,
        values=values,
        action=action,
        focus=focus,
        **_said(refusal),
    ), (400 if refusal else 200)


@bp.route("/<slug>", methods=["GET", "POST"])
def vote(slug: str):
    """The ballot paper. Posting it shows the check-your-answers page."""
    rnd = get_round(slug)
    paper, refusal = _paper_or_redirect(rnd)
    if refusal:
        return refusal
    form = BallotForm()
    if request.method == "GET":
        return _render_paper(rnd, paper, form, None)
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("change"):
        return _render_paper(rnd, paper, form, None)
    try:
        checked = services.read_ballot(paper, request.form)
    except DomainError as exc:
        return _render_paper(rnd, paper, form, exc)
    return render_template("ballots/check.html", rnd=rnd, paper=paper, checked=checked, form=form)


@bp.route("/<slug>/cast", methods=["POST"])
def cast(slug: str):
    """Cast the ballot after checking it."""
    if not BallotForm().validate_on_submit():
        abort(400)
    # The voter's language, chosen now from the person this request loaded: the use case forgets
    # what the view read, and its first word would otherwise load the person again (one query more).
    get_locale()
    try:
        # By slug: the use case locks the round as it loads it, so it is read once.
        receipt = services.cast(person=current_user, slug=slug, form=request.form)
    except services.AlreadyVoted as exc:
        flash(exc.message, "error")
        return redirect(url_for("panels.home", slug=slug))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ballots.vote", slug=slug))
    # Shown once, on the next page only; never stored against the person.
    session["receipt"] = receipt
    return redirect(url_for("ballots.receipt", slug=slug))


@bp.route("/<slug>/receipt")
def receipt(slug: str):
    """The receipt code, shown once."""
    rnd = get_round(slug)
    code = session.pop("receipt", None)
    return render_template("ballots/receipt.html", rnd=rnd, receipt=code)


# ---------------------------------------------------------------------------
# Consensus records: the facilitator writes, each member present confirms.


def _ids(name: str) -> list[int]:
    ids = []
    for raw in request.form.getlist(name):
        if not is_whole(raw):
            abort(400)
        ids.append(int(raw))
    return ids


def _sitting_seats(round_id: int) -> list:
    """The panel's seats that have not stepped down, in the order they were filled."""

    return list(
        db.session.execute(
            select(PanelMember)
            .where(PanelMember.round_id == round_id, PanelMember.stepped_down_at.is_(None))
            .order_by(PanelMember.id)
        ).scalars()
    )


def _consensus_page(rnd: Round, form: BallotForm, refusal: DomainError | None):  # noqa: ANN202
    seats = _sitting_seats(rnd.id)
    funded, present, aside = set(_ids("funded")), set(_ids("present")), set(_ids("aside"))
    record = consensus.record_for(rnd.id) if request.method == "GET" else None
    if record is not None:  # changing the record starts from what was written, not from nothing
        funded = set(record.funded_ids or [])
        present = {a.person_id for a in record.attendance}
        aside = {a.person_id for a in record.attendance if a.stood_aside}
    return render_template(
        "ballots/consensus.html",
        rnd=rnd,
        proposals=ballot_proposals(rnd.id),
        seats=seats,
        form=form,
        funded=funded,
        present=present,
        aside=aside,
        **_said(refusal),
    ), (400 if refusal else 200)


@bp.route("/<slug>/consensus", methods=["GET", "POST"])
def consensus_record(slug: str):
    """The facilitator's consensus record form. Posting it shows the check-your-answers page."""
    rnd = get_round(slug, check=consensus.may_record)
    form = BallotForm()
    if request.method == "GET" or request.form.get("change"):
        if request.method == "POST" and not form.validate_on_submit():
            abort(400)
        return _consensus_page(rnd, form, None)
    if not form.validate_on_submit():
        abort(400)
    try:
        draft = consensus.check_record(rnd, _ids("funded"), _ids("present"), _ids("aside"))
    except DomainError as exc:
        return _consensus_page(rnd, form, exc)
    return render_template("ballots/consensus_check.html", rnd=rnd, draft=draft, form=form)


@bp.route("/<slug>/consensus/save", methods=["POST"])
def consensus_save(slug: str):
    """Save the checked consensus record and ask those present to confirm it."""
    rnd = get_round(slug, check=consensus.may_record)
    if not BallotForm().validate_on_submit():
        abort(400)
    try:
        consensus.record_consensus(
            person=current_user,
            round_id=rnd.id,
            funded_ids=_ids("funded"),
            present_ids=_ids("present"),
            aside_ids=_ids("aside"),
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ballots.consensus_record", slug=rnd.slug))
    flash(_("The decision is recorded. Each panel member present now confirms it on their panel page."), "success")
    return redirect(url_for("panels.home", slug=rnd.slug))


@bp.route("/<slug>/consensus/confirm", methods=["POST"])
def consensus_confirm(slug: str):
    """A panel member who was present confirms the record."""
    rnd = get_round(slug)
    if not BallotForm().validate_on_submit():
        abort(400)
    try:
        consensus.confirm_consensus(person=current_user, round_id=rnd.id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Thank you. You have confirmed the panel's decision."), "success")
    return redirect(url_for("panels.home", slug=rnd.slug))


@bp.route("/<slug>/consensus/excuse", methods=["POST"])
def consensus_excuse(slug: str):
    """The facilitator records why a present member's confirmation is missing.

    A reason that is missing or too long shows the panel page again (400) with the problem in its
    summary, linked to that member's reason box, and what was typed kept in it."""
    rnd = get_round(slug, check=consensus.may_record)
    if not BallotForm().validate_on_submit():
        abort(400)
    try:
        member_id = int(request.form.get("member_id", ""))
    except ValueError:
        abort(400)
    reason = request.form.get("reason", "")
    try:
        consensus.excuse_confirmation(person=current_user, round_id=rnd.id, member_id=member_id, reason=reason)
    except Problems as exc:
        if panel_seat(current_user, rnd.id) is not None:  # the panel page is theirs to see again
            g.excuse_refused = {"member_id": member_id, "reason": reason, "problems": exc.problems}
            return current_app.view_functions["panels.home"](slug=rnd.slug), 400
        flash(exc.message, "error")
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Recorded. The reason is kept with the decision."), "success")
    return redirect(url_for("panels.home", slug=rnd.slug))


@bp.app_context_processor
def _decision_helpers() -> dict:
    """Template helpers for the decision partials on the panel and public pages."""
    return {"panel_decision": _panel_decision}


def _panel_decision(rnd: Round) -> dict:
    record = consensus.record_for(rnd.id)
    mine = None
    if record is not None and current_user.is_authenticated:
        mine = next((a for a in record.attendance if a.person_id == current_user.id), None)
    funded = []
    if record is not None:

        funded = db.session.execute(select(Proposal).where(Proposal.id.in_(record.funded_ids or [-1]))).scalars().all()
    return {
        "record": record,
        "mine": mine,
        "funded": funded,
        "may_record": current_user.is_authenticated and consensus.may_record(current_user, rnd.id),
        # A refused reason (consensus_excuse): its problems, shown at its box with what was typed.
        "refused": g.get("excuse_refused"),
        "reason_limit": consensus.REASON_LIMIT,
    }


# ---------------------------------------------------------------------------
# Paper and assisted voting: enter a batch, check it, and a second convenor confirms it.


def _paper_entry_page(rnd: Round, form: BallotForm, error: str | None):  # noqa: ANN202

    seats = _sitting_seats(rnd.id)
    voted = set(db.session.execute(select(Participation.person_id).where(Participation.round_id == rnd.id)).scalars())
    batches = (
        db.session.execute(select(PaperBatch).where(PaperBatch.round_id == rnd.id).order_by(PaperBatch.id))
        .scalars()
        .all()
    )
    return render_template(
        "ballots/paper.html",
        rnd=rnd,
        form=form,
        error=error,
        proposals=paper_ballots.numbered(rnd.id),
        seats=seats,
        voted=voted,
        batches=batches,
        chosen_voters=set(_ids("voter")),
        text=request.form.get("ballots", ""),
    ), (400 if error else 200)


@bp.route("/<slug>/paper", methods=["GET", "POST"])
def paper_entry(slug: str):
    """Enter a batch of paper ballots. Posting it shows the check-your-answers page."""
    rnd = get_round(slug, check=is_convenor)
    form = BallotForm()
    if request.method == "GET":
        return _paper_entry_page(rnd, form, None)
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("change"):
        return _paper_entry_page(rnd, form, None)
    try:
        marks = paper_ballots.parse_batch(rnd, request.form.get("ballots", ""))
    except DomainError as exc:
        return _paper_entry_page(rnd, form, exc.message)

    voters = db.session.execute(select(Person).where(Person.id.in_(_ids("voter") or [-1]))).scalars().all()
    titles = {
        str(p.id): p.title for p in db.session.execute(select(Proposal).where(Proposal.round_id == rnd.id)).scalars()
    }
    return render_template(
        "ballots/paper_check.html",
        rnd=rnd,
        form=form,
        marks=marks,
        titles=titles,
        voters=voters,
        text=request.form.get("ballots", ""),
    )


@bp.route("/<slug>/paper/save", methods=["POST"])
def paper_save(slug: str):
    """Save a checked batch; it counts once a second convenor confirms it."""
    rnd = get_round(slug, check=is_convenor)
    if not BallotForm().validate_on_submit():
        abort(400)
    try:
        paper_ballots.enter_batch(
            person=current_user, round_id=rnd.id, voter_ids=_ids("voter"), text=request.form.get("ballots", "")
        )
    except DomainError as exc:
        return _paper_entry_page(rnd, BallotForm(), exc.message)
    flash(_("The batch is entered. A second convenor must confirm it before it counts."), "success")
    return redirect(url_for("ballots.paper_entry", slug=rnd.slug))


@bp.route("/<slug>/paper/<int:batch_id>/<action>", methods=["POST"])
def paper_batch(slug: str, batch_id: int, action: str):
    """Confirm (a second person) or discard a batch of paper ballots."""
    rnd = get_round(slug, check=is_convenor)
    if not BallotForm().validate_on_submit() or action not in ("confirm", "discard"):
        abort(400)
    try:
        if action == "confirm":
            paper_ballots.confirm_batch(person=current_user, round_id=rnd.id, batch_id=batch_id)
            flash(_("Confirmed. The batch's ballots now count."), "success")
        else:
            paper_ballots.discard_batch(person=current_user, round_id=rnd.id, batch_id=batch_id)
            flash(_("The batch is discarded. Its voters can vote again."), "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("ballots.paper_entry", slug=rnd.slug))


# ---------------------------------------------------------------------------
# Community-wide votes: codes for the convenor to print or send, and voting with a code.


def _print_codes(rnd: Round, form: CodesForm) -> list[str]:
    if not form.how_many.data:
        raise DomainError(_("Say how many codes to print."))
    return codes.print_codes(person=current_user, round_id=rnd.id, how_many=form.how_many.data)


def _send_codes(rnd: Round, form: CodesForm) -> int:
    text = form.addresses.data or ""
    upload = form.address_file.data
    if upload and getattr(upload, "filename", ""):
        try:
            text += "\n" + upload.read(2_000_000).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DomainError(_("The uploaded list is not a text file. Save it as .txt or .csv.")) from exc
    return codes.send_codes(person=current_user, round_id=rnd.id, addresses=codes.parse_addresses(text))


@bp.route("/<slug>/codes", methods=["GET", "POST"])
def voting_codes(slug: str):
    """Make voting codes for a community-wide vote: print them, or send them by e-mail."""
    rnd = get_round(slug, check=is_convenor)
    form = CodesForm()
    if request.form.get("action") == "print":
        if printed := submitted(form, lambda: _print_codes(rnd, form), field="addresses"):
            return render_template("ballots/codes_print.html", rnd=rnd, codes=printed.value)
    elif sent := submitted(form, lambda: _send_codes(rnd, form), field="addresses"):
        flash(_("Voting codes are on their way to %(count)s people.", count=sent.value), "success")
        return redirect(url_for("ballots.voting_codes", slug=rnd.slug))
    return render_template("ballots/codes.html", rnd=rnd, form=form, issued=codes.codes_issued(rnd.id)), (
        400 if form.errors else 200
    )


@bp.route("/<slug>/code", methods=["GET", "POST"])
@public
def code_entry(slug: str):
    """Enter a voting code to vote in a community-wide vote."""
    rnd = get_round(slug, published=True)
    form = BallotForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        code = request.form.get("code", "")
        try:
            codes.code_paper(rnd, code)
        except DomainError as exc:
            error = exc.message
        else:
            session["voting_code"] = {"round": rnd.id, "code": codes.normalise(code)}
            return redirect(url_for("ballots.code_vote", slug=rnd.slug))
    return render_template("ballots/code_entry.html", rnd=rnd, form=form, error=error), (400 if error else 200)


def _code_in_session(rnd: Round) -> str | None:
    held = session.get("voting_code") or {}
    return held.get("code") if held.get("round") == rnd.id else None


@bp.route("/<slug>/code/ballot", methods=["GET", "POST"])
@public
def code_vote(slug: str):
    """The ballot paper for a code holder; posting it shows the check-your-answers page."""
    rnd = get_round(slug, published=True)
    code = _code_in_session(rnd)
    if code is None:
        return redirect(url_for("ballots.code_entry", slug=rnd.slug))
    try:
        paper_ = codes.code_paper(rnd, code)
    except DomainError as exc:
        session.pop("voting_code", None)
        flash(exc.message, "error")
        return redirect(url_for("ballots.code_entry", slug=rnd.slug))
    form = BallotForm()
    if request.method == "GET" or request.form.get("change"):
        if request.method == "POST" and not form.validate_on_submit():
            abort(400)
        return _render_paper(rnd, paper_, form, None, action=url_for("ballots.code_vote", slug=rnd.slug))
    if not form.validate_on_submit():
        abort(400)
    try:
        checked = services.read_ballot(paper_, request.form)
    except DomainError as exc:
        return _render_paper(rnd, paper_, form, exc, action=url_for("ballots.code_vote", slug=rnd.slug))
    return render_template(
        "ballots/check.html",
        rnd=rnd,
        paper=paper_,
        checked=checked,
        form=form,
        cast_url=url_for("ballots.code_cast", slug=rnd.slug),
        change_url=url_for("ballots.code_vote", slug=rnd.slug),
    )


@bp.route("/<slug>/code/cast", methods=["POST"])
@public
def code_cast(slug: str):
    """Cast a code holder's checked ballot."""
    rnd = get_round(slug, published=True)
    code = _code_in_session(rnd)
    if not BallotForm().validate_on_submit():
        abort(400)
    if code is None:
        return redirect(url_for("ballots.code_entry", slug=rnd.slug))
    try:
        receipt = codes.cast_with_code(code=code, round_id=rnd.id, form=request.form)
    except codes.CodeRefused as exc:
        session.pop("voting_code", None)
        flash(exc.message, "error")
        return redirect(url_for("ballots.code_entry", slug=rnd.slug))
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("ballots.code_vote", slug=rnd.slug))
    session.pop("voting_code", None)
    session["receipt"] = receipt
    return redirect(url_for("ballots.code_receipt", slug=rnd.slug))


@bp.route("/<slug>/code/receipt")
@public
def code_receipt(slug: str):
    """The code holder's receipt, shown once."""
    rnd = get_round(slug, published=True)
    return render_template("ballots/receipt.html", rnd=rnd, receipt=session.pop("receipt", None), community=True)


# Closing the vote is deciding, so its view lives here; a convenor does it from the table's page,
# at the table's address (`rounds.close_voting`, /manage/tables/<slug>/close-voting).
@rounds_bp.route("/<slug>/close-voting", methods=["POST"], endpoint="close_voting")
def close_voting(slug: str):
    """Close voting and count the ballots under the published rules."""
    rnd = get_round(slug, check=is_convenor)
    form = MoveOnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = closing.close_voting_now(
            person=current_user,
            round_id=rnd.id,
            reason=form.reason.data or "",
            override_reason=form.override_reason.data or "",
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(closing.in_readers_words(result), "success" if result.quorum_met else "info")
    return redirect(url_for("rounds.manage", slug=rnd.slug))
