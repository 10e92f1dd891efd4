"""The language link on every page.

A visitor who is not signed in follows a plain link: it keeps the choice for the visit, and
changes nothing else, so it needs no form. A signed-in person's link is a one-button form (a
CSRF token, like "Sign out"): it also keeps the choice on their account. Both work without
JavaScript and go back to the page they came from.
"""

from __future__ import annotations

from flask import abort, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from grants.language import LANGUAGES, bp, chosen, known, plural_patterns, services
from grants.security import public, safe_next


@bp.route("/language/<code>", methods=["GET", "POST"])
@public
def choose(code: str) -> Response:
    if not known(code):
        abort(404)
    session["language"] = code
    if request.method == "POST" and current_user.is_authenticated:
        services.remember(current_user.id, code)
    # A link followed while signed in (an old page, a bookmark) changes the visit only: the
    # account's choice changes by the form, which carries a CSRF token.
    target = safe_next(request.values.get("next")) or url_for("public.home")
    return redirect(target)


@bp.app_context_processor
def languages() -> dict[str, object]:
    """`current_language` for <html lang>, and the other languages for the language link."""
    code = chosen()
    return {
        "current_language": code,
        "other_languages": [(other, name) for other, (name, _locale) in LANGUAGES.items() if other != code],
        "plural_patterns": plural_patterns,
    }


@bp.after_app_request
def vary_by_language(response: Response) -> Response:
    """A page's words depend on the browser's languages and the visit's choice (its cookie)."""
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
