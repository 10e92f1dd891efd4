"""An Atom feed of decisions and payments, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, time

from feedgen.feed import FeedGenerator
from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.audit import published_head
from grants.extensions import db
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
            text = (
                f"{rnd.title}: {funded} of {len(result.lines)} proposals funded, "
                f"{format_pence(result.spent_pence)} of {format_pence(result.budget_pence)}."
            )
        else:
            text = f"{rnd.title}: quorum was not met, so no decision was made."
        items.append(
            (
                result.computed_at,
                f"decision-{result.id}",
                f"Decision: {rnd.title}",
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
                f"{eg.kind.label}: {rnd.title}",
                f"{eg.occurred_on.isoformat()}: {eg.description}",
                url_for("public.ledger", round=rnd.id, _external=True),
            )
        )
    items.sort(key=lambda item: item[0], reverse=True)
    items = items[: FEED_SIZE - 1]
    head = published_head()
    if head is not None:
        # The record's head, so that feed readers and archives keep each one as it was published.
        items.insert(
            0,
            (
                head.created_at,
                f"audit-head-{head.seq}",
                f"The record's head: entry {head.seq}",
                f"The site's record of sensitive actions has {head.seq} entries; the latest, written "
                f"{head.created_at:%Y-%m-%d %H:%M} UTC, is sealed as {head.text}.",
                url_for("opendata.audit_head_at", seq=head.seq, _external=True),
            ),
        )

    fg = FeedGenerator()
    fg.id(url_for("opendata.feed", _external=True))
    fg.title(f"{site}: decisions and payments")
    fg.subtitle("Each decision a panel makes and each payment to a group.")
    fg.author({"name": site})
    fg.link(href=url_for("opendata.feed", _external=True), rel="self")
    fg.link(href=url_for("public.home", _external=True), rel="alternate")
    fg.language("en-GB")
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
