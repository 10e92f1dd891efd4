"""The site's own address: every absolute link is built from SITE_URL, never from the request.

A request's Host header is chosen by whoever sends it. Built into a password-reset e-mail, a
feed or a Stripe return URL it would send people (and their tokens) to another site, so:
- `SiteFlask.url_for(..., _external=True)` puts SITE_URL in front of the site-relative path;
- TRUSTED_HOSTS (Flask's own check, a 400 for any other Host) is SITE_URL's host name, plus
  the loopback names outside production so a developer can use either;
- production refuses to start without SITE_URL, or with a SECRET_KEY that is long but not random.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, has_request_context, url_for

from grants.configuration import ConfigurationError
from grants.inputs import SiteMap

LOOPBACK = ("127.0.0.1", "localhost")
# A random key of 32+ characters from any usual alphabet (hex, base64, words) has far more.
MIN_SECRET_BITS = 128
MIN_SECRET_DISTINCT = 10


class SiteFlask(Flask):
    """Flask whose external URLs always start with the configured SITE_URL, and whose routes'
    `<int:...>` take only numbers an id column holds (`inputs.IdConverter`)."""

    url_map_class = SiteMap

    def url_for(  # type: ignore[override]
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,  # noqa: ANN401
    ) -> str:
        """A URL for `endpoint`; absolute ones start with SITE_URL, whatever Host the request named."""
        site = self.config.get("SITE_URL")
        external = _external if _external is not None else not has_request_context()
        if site and not external and not has_request_context():
            # The worker and the CLI (a notification's link): the site-relative path, built as for SITE_URL.
            with self.test_request_context("/", base_url=site):
                return super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
        if not site or not external:
            return super().url_for(
                endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
            )
        if has_request_context():
            path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
        else:
            with self.test_request_context("/", base_url=site):
                path = super().url_for(endpoint, _anchor=_anchor, _method=_method, _external=False, **values)
        return site + path


def link_to(endpoint: str, **values: Any) -> str:  # noqa: ANN401
    """A site-relative link to a page, for a notification: built by url_for, the same in a request, the
    worker and the CLI (an e-mail puts SITE_URL in front of it: notifications.delivery.absolute)."""
    return url_for(endpoint, _external=False, **values)


def site_host(site_url: str) -> str:
    """The host name (no port) of a site address."""
    return (urlsplit(site_url).hostname or "").lower()


def check_site_url(site_url: str) -> str:
    """SITE_URL must be an absolute http(s) address with no path: refuse anything else with the reason."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"SITE_URL must be the site's address, like https://tables.example.org (it is {site_url!r})."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(f"SITE_URL must have no path, query or fragment (it is {site_url!r}).")
    return site_url.rstrip("/")


def secret_bits(secret: str) -> float:
    """Shannon entropy of the key's characters, in bits for the whole key."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    return per_char * len(secret)


def check_secret_key(secret: str) -> None:
    """Refuse a production SECRET_KEY that is long enough but not random (one letter repeated, a word)."""
    if len(set(secret)) < MIN_SECRET_DISTINCT or secret_bits(secret) < MIN_SECRET_BITS:
        raise ConfigurationError(
            "SECRET_KEY is not random enough: it repeats too few different characters "
            f"({len(set(secret))} different, about {secret_bits(secret):.0f} bits; at least "
            f"{MIN_SECRET_DISTINCT} different and {MIN_SECRET_BITS} bits are needed). Make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


def init_app(app: Flask) -> None:
    """Check SITE_URL and trust only its host (and loopback outside production)."""
    production = app.config["ENV_NAME"] == "production"
    if production and not app.config.get("SITE_URL"):
        raise ConfigurationError(
            "Set SITE_URL to the site's address (like https://tables.example.org) before running in production: "
            "every link in e-mails, feeds and open data is built from it."
        )
    app.config["SITE_URL"] = check_site_url(app.config["SITE_URL"])
    if not app.config.get("TRUSTED_HOSTS"):
        hosts = [site_host(app.config["SITE_URL"])]
        if not production:
            hosts += [h for h in LOOPBACK if h not in hosts]
        app.config["TRUSTED_HOSTS"] = hosts
