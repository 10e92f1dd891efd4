"""Which Stripe gateway this app uses, from its configuration (or none: bank transfers only)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from grants.core import DomainError
from grants.money.stripe_gateway import StripeGateway


def stripe_enabled() -> bool:
    """True when Stripe keys are configured; without them the site takes bank transfers only."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY") and current_app.config.get("STRIPE_WEBHOOK_SECRET"))


def get_gateway() -> StripeGateway | None:
    """The app's gateway (one per app, so connections are reused), or None without keys."""
    if not stripe_enabled():
        return None
    gateway = current_app.extensions.get("stripe_gateway")
    if gateway is None:
        cfg = current_app.config
        gateway = StripeGateway(
            api_key=cfg["STRIPE_SECRET_KEY"],
            webhook_secret=cfg["STRIPE_WEBHOOK_SECRET"],
            expected_livemode=bool(cfg.get("STRIPE_LIVEMODE", False)),
            base_url=cfg.get("STRIPE_API_BASE") or None,
            max_network_retries=int(cfg.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
        )
        current_app.extensions["stripe_gateway"] = gateway
    return gateway


def require_gateway() -> StripeGateway:
    """The app's gateway, or a refusal a person can read where Stripe is not set up."""
    gateway = get_gateway()
    if gateway is None:
        raise DomainError(
            _("Card and Direct Debit payments are not set up on this site. Pay by bank transfer instead.")
        )
    return gateway


def fees_borne_by_platform() -> bool:
    """Who bears Stripe's fees: the platform ("platform") or the round's pot ("round", the default)."""
    return current_app.config.get("STRIPE_FEES_BORNE_BY", "round") == "platform"
