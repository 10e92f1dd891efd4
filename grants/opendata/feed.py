"""An Atom feed of decisions and payments, newest first, in the reader's language.

The feed follows the language like any page (the language link, else the feed reader's
Accept-Language; the page cache keeps one copy per language). A ledger line's description is
put into the reader's words from its stored parts; a line written before they were kept is
given as written, in English (plain text: it cannot be marked)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from feedgen.feed import FeedGenerator
from flask import current_app, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.audit import published_head
from grants.extensions import db
from grants.language.records import in_plain_words
from grants.models import EntryGroup, EntryKind, Result, Round
from grants.money_format import format_pence

FEED_SIZE = 50


def atom() -> bytes:
    """The feed as Atom XML (two queries)."""
    site = current_app.config.get("SITE_NAME", "Our Tables")
    results = list(
        db.session.execute(
            select(Result, Round)
            .join(Round, Round.id == Result.round_id)
            .options(selectinload(Result.lines))
            .order_by(Result.computed_at.desc())
            .limit(FEED_SIZE)
        ).all()
    )
    payments = list(
        db.session.execute(
            select(EntryGroup, Round)
            .join(Round, Round.id == EntryGroup.round_id)
            .where(EntryGroup.kind.in_([EntryKind.PAYMENT, EntryKind.REVERSAL]), EntryGroup.award_id.is_not(None))
            .order_by(EntryGroup.created_at.desc())
            .limit(FEED_SIZE)
        ).all()
    )
    items = []
    for result, rnd in results:
        funded = sum(1 for line in result.lines if line.is_funded)
        if result.quorum_met:
            text = ngettext(
                "%(table)s: %(funded)s of %(num)d proposal funded, %(spent)s of %(budget)s.",
                "%(table)s: %(funded)s of %(num)d proposals funded, %(spent)s of %(budget)s.",
                len(result.lines),
                table=rnd.title,
                funded=funded,
                spent=format_pence(result.spent_pence),
                budget=format_pence(result.budget_pence),
            )
        else:
            text = _("%(table)s: quorum was not met, so no decision was made.", table=rnd.title)
        items.append(
            (
                result.computed_at,
                f"decision-{result.id}",
                _("Decision: %(table)s", table=rnd.title),
                text,
                url_for("public.round", slug=rnd.slug, _external=True),
            )
        )
    for eg, rnd in payments:
        when = max(eg.created_at, datetime.combine(eg.occurred_on, time(0, 0), tzinfo=UTC))
        items.append(
            (
                when,
                f"ledger-{eg.id}",
                _("%(kind)s: %(table)s", kind=eg.kind.label, table=rnd.title),
                # The ledger's record in the reader's words (an older line as it was written, in English).
                _(
                    "%(date)s: %(description)s",
                    date=format_date(eg.occurred_on, "d MMMM y"),
                    description=in_plain_words(eg.words, eg.description),
                ),
                url_for("public.ledger", round=rnd.id, _external=True),
            )
        )
    items.sort(key=lambda item: item[0], reverse=True)
    items = items[: FEED_SIZE - 1]
    head = published_head()
    if head is not None:
        written = format_date(head.created_at, "d MMMM y") + head.created_at.strftime(", %H:%M")
        # The record's head, so that feed readers and archives keep each one as it was published.
        items.insert(
            0,
            (
                head.created_at,
                f"audit-head-{head.seq}",
                _("The record's head: entry %(seq)s", seq=head.seq),
                ngettext(
                    "The site's record of sensitive actions has %(num)d entry; the latest, written %(when)s UTC, "
                    "is sealed as %(seal)s.",
                    "The site's record of sensitive actions has %(num)d entries; the latest, written %(when)s UTC, "
                    "is sealed as %(seal)s.",
                    head.seq,
                    when=written,
                    seal=head.text,
                ),
                url_for("opendata.audit_head_at", seq=head.seq, _external=True),
            ),
        )

    fg = FeedGenerator()
    fg.id(url_for("opendata.feed", _external=True))
    fg.title(_("%(site)s: decisions and payments", site=site))
    fg.subtitle(_("Each decision a panel makes and each payment to a group."))
    fg.author({"name": site})
    fg.link(href=url_for("opendata.feed", _external=True), rel="self")
    fg.link(href=url_for("public.home", _external=True), rel="alternate")
    fg.language(str(get_locale() or "en_GB").replace("_", "-"))  # en-GB, cy-GB: the feed's own language
    fg.updated(items[0][0] if items else datetime(2020, 1, 1, tzinfo=UTC))
    # feedgen lists entries in reverse order of adding; add oldest first so the feed reads newest first.
    for when, key, title, text, link in reversed(items):
        entry = fg.add_entry()
        entry.id(f"{url_for('opendata.feed', _external=True)}#{key}")
        entry.title(title)
        entry.summary(text)
        entry.link(href=link)
        entry.updated(when)
        entry.published(when)
    return fg.atom_str(pretty=True)
