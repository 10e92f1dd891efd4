"""Pages that are the same for everyone, kept for a few seconds.

A public page (a table, a group, the ledger, the 360Giving file) reads the same for every
visitor who is not signed in, and it is the page that is hit hardest when a decision is
announced. `@same_for_everyone` keeps such a page in the cache (Flask-Caching: Redis in
production, shared by every app server; nothing at all in the tests unless a test asks).

It is never stale for long, and never personal:
- every committed use case that wrote a table a public page may read moves the cache's
  generation on, so after any change the next visitor sees the new page. Casting a ballot
  writes only tables no public page reads (`UNSEEN_TABLES`), so voting day does not empty
  the cache with every ballot. PUBLIC_CACHE_SECONDS only bounds changes made outside a use
  case (a migration, SQL by hand) and a worker whose cache is not shared (development);
- a signed-in person, a visitor with a message waiting, or a request that is not a GET is
  always served fresh; and only a plain 200 page that set nothing in the session is kept.

Nobody can fill the cache with their own versions of a page: the key is the path and only the
query arguments the page reads (`query=`), so `?x=1`, `?x=2`... are the same entry, not a fresh
render each; the Host is not in the key because no page is built from it (links come from
SITE_URL, grants/site.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Flask, Response, request, session
from flask_babel import get_locale
from flask_login import current_user

from grants.core import use_case_committed
from grants.extensions import cache

F = TypeVar("F", bound=Callable[..., Any])
GENERATION = "public-pages-generation"
# Tables whose rows no public page shows, only what is made of them at the count (a result)
# or personal things. A use case that writes nothing else leaves the public pages as they are.
UNSEEN_TABLES = frozenset(
    {"ballots", "participations", "score_comments", "notifications", "outbox_jobs", "sealed_envelopes", "count_keys"}
)
logger = logging.getLogger(__name__)


def _personal() -> bool:
    return request.method != "GET" or current_user.is_authenticated or bool(session.get("_flashes"))


def _shareable(rv: Any) -> bool:  # noqa: ANN401 - whatever the view returned
    if session.modified:  # e.g. the page made a CSRF token: it belongs to this visitor
        return False
    if isinstance(rv, str):
        return True
    return isinstance(rv, Response) and rv.status_code == 200 and not rv.is_streamed and "Set-Cookie" not in rv.headers


def page_key(query: tuple[str, ...] = ()) -> str:
    """The cache key of this request: the generation, the language, the path and only the arguments in `query`."""
    # The first value of each, as the views read it (`request.args.get`).
    used = [(name, request.args[name]) for name in sorted(query) if name in request.args]
    return f"page:{cache.get(GENERATION) or 0}:{get_locale()}:{request.path}?{urlencode(used)}"


def same_for_everyone(view: F | None = None, *, query: tuple[str, ...] = ()) -> Any:  # noqa: ANN401
    """Keep this page for visitors who are not signed in (see the module's notes).

    `query` names the query arguments the page reads; any others do not change the key."""

    def decorate(func: F) -> F:
        def key(*_args: Any, **_kwargs: Any) -> str:  # noqa: ANN401
            return page_key(query)

        return cache.cached(unless=_personal, response_filter=_shareable, make_cache_key=key)(func)  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def forget_public_pages(_sender: Any = None, tables: frozenset[str] | None = None) -> None:  # noqa: ANN401
    """Move the generation on, so no page kept before this moment is served again.

    `tables` are those the committed use case wrote; unknown (None) means it may have been any.
    The change is already committed: if the cache cannot be reached, say so in the log and
    let the pages expire on their own rather than fail the person's request."""
    if tables is not None and tables <= UNSEEN_TABLES:
        return
    try:
        cache.cache.inc(GENERATION)
    except Exception:  # noqa: BLE001 - any backend's failure
        logger.exception("Could not move the public pages' cache on; they expire within PUBLIC_CACHE_SECONDS.")


def init_app(app: Flask) -> None:
    cache.init_app(app)
    use_case_committed.connect(forget_public_pages, weak=False)
