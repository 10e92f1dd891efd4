"""The one place Our Tables talks to Stripe.

Why it looks like this:

* **A small interface.** Services ask for what they need (a checkout URL, whether a
  group can be paid, a transfer, a fee) and get frozen dataclasses with integer pence
  back, never ``stripe`` objects. The ledger stays free of Stripe's shapes, and the
  gateway can be replaced or faked in one place.
* **The real library, pointed anywhere.** We use ``stripe.StripeClient`` and its v1
  services rather than the global ``stripe.api_key`` style, so two gateways (test and
  live, or a test against a local fake) never share state. ``base_url`` points *every*
  base address (api, connect, files, meter_events) at one host, so a test can prove
  that nothing reaches api.stripe.com. The library's telemetry rides on the same
  requests (a header, and an id cached under ~/.config/stripe); it is switched off
  globally with ``stripe.enable_telemetry = False`` if wanted, which this module does
  not do on its own.
* **Money moves exactly once.** Every POST that can move money carries an idempotency
  key we derive deterministically (``checkout-session-<reference>``,
  ``connected-account-<reference>``) or that the caller stored *before* calling
  (``grant-<ref>-tranche-<n>`` for transfers). The library retries network failures and
  5xx answers itself (``max_network_retries``) with the same key; if it still fails we
  raise a *retryable* ``GatewayError`` and the caller retries later with the same key.
  Stripe replays the first result instead of paying twice. Never retry a transfer
  with a fresh key: reconcile first.
* **Errors are ours.** Callers catch ``GatewayError`` (with ``retryable``) and
  ``WebhookRejected`` (with a ``reason``), not the many ``stripe`` exception classes.
* **Webhooks are verified on the raw body** with ``Webhook.construct_event`` and the
  signing secret, inside a tolerance window, and an event from the wrong mode (a test
  event reaching the live site, or the reverse) is rejected as firmly as a forgery.
* **Connected accounts** are made with ``controller`` properties, not legacy account
  types: the platform pays Stripe's fees and bears negative-balance losses (a small
  community group should never be billed by Stripe for receiving a grant), Stripe
  collects the know-your-customer requirements through hosted onboarding, and the
  group gets the light Express Dashboard. Only the ``transfers`` capability is asked
  for: groups receive grants, they do not take card payments.
* **Amounts** are positive integer pence in GBP; anything else is a programming error
  (``ValueError``) and never reaches Stripe.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stripe

CURRENCY = "gbp"
DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300
DEFAULT_MAX_NETWORK_RETRIES = 2
DEFAULT_TIMEOUT_SECONDS = 30.0
_PAGE_SIZE = 100
_MAX_IDEMPOTENCY_KEY = 255
_KEY_SAFE = re.compile(r"^[A-Za-z0-9_.:\-]+$")

CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    }
)


# ----------------------------------------------------------------------------- errors


class GatewayError(Exception):
    """Stripe refused or could not be reached; ``retryable`` says whether to try again."""

    def __init__(
        self,
        message: str,
        retryable: bool,
        *,
        code: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.http_status = http_status
        self.request_id = request_id

    def __repr__(self) -> str:
        return (
            f"GatewayError({self.message!r}, retryable={self.retryable}, code={self.code!r}, "
            f"http_status={self.http_status!r})"
        )


class WebhookRejected(Exception):
    """A webhook delivery we must not act on; ``reason`` is a short machine-readable code."""

    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    MALFORMED_PAYLOAD = "malformed_payload"
    LIVEMODE_MISMATCH = "livemode_mismatch"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# ------------------------------------------------------------------------ value types


@dataclass(frozen=True)
class CheckoutSession:
    """A hosted payment page for one pledge payment."""

    id: str
    url: str


@dataclass(frozen=True)
class ConnectedAccount:
    """A group's (or host's) Stripe account, as far as paying it goes."""

    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: list[str] = field(default_factory=list)
    transfers_capability: str | None = None  # "active", "inactive", "pending" or None
    disabled_reason: str | None = None

    @property
    def can_receive_transfers(self) -> bool:
        """True when a transfer to this account would be accepted."""
        return self.transfers_capability == "active"


@dataclass(frozen=True)
class Transfer:
    """Money sent from the platform balance to a connected account."""

    id: str
    amount_pence: int
    destination: str
    reversed: bool
    amount_reversed_pence: int
    currency: str = CURRENCY
    transfer_group: str | None = None
    created: int | None = None
    balance_transaction: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransferReversal:
    """Money taken back from a connected account to the platform."""

    id: str
    transfer_id: str
    amount_pence: int


@dataclass(frozen=True)
class BalanceTransaction:
    """One movement on the platform's Stripe balance, with Stripe's fee."""

    id: str
    amount_pence: int
    fee_pence: int
    net_pence: int
    source: str | None
    type: str = ""
    currency: str = CURRENCY
    created: int | None = None
    available_on: int | None = None
    status: str | None = None
    reporting_category: str | None = None


@dataclass(frozen=True)
class Payout:
    """Money paid from the platform's Stripe balance to its bank account."""

    id: str
    amount_pence: int
    status: str
    arrival_date: int | None
    created: int | None
    balance_transaction: str | None
    currency: str = CURRENCY
    failure_code: str | None = None


@dataclass(frozen=True)
class CheckoutPayment:
    """What a completed checkout session turned into; the fee is known once funds settle."""

    session_id: str
    reference: str | None
    payment_status: str  # "paid", "unpaid" (e.g. Bacs still clearing) or "no_payment_required"
    amount_pence: int | None
    payment_intent_id: str | None
    charge_id: str | None
    balance_transaction: BalanceTransaction | None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def fee_pence(self) -> int | None:
        """Stripe's processing fee, or None until the charge has a balance transaction."""
        return None if self.balance_transaction is None else self.balance_transaction.fee_pence

    @property
    def net_pence(self) -> int | None:
        """What reached the platform balance, or None until settled."""
        return None if self.balance_transaction is None else self.balance_transaction.net_pence


@dataclass(frozen=True)
class Refund:
    """Money returned to a funder."""

    id: str
    amount_pence: int
    status: str
    payment_intent_id: str | None


# ---------------------------------------------------------------------------- gateway


class StripeGateway:
    """Stripe behind a small, typed interface (see the module docstring)."""

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        expected_livemode: bool,
        base_url: str | None = None,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = DEFAULT_MAX_NETWORK_RETRIES,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        webhook_tolerance_seconds: int = DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe API key is required")
        if not webhook_secret:
            raise ValueError("a webhook signing secret is required")
        _check_key_mode(api_key, expected_livemode)
        if webhook_tolerance_seconds <= 0:
            raise ValueError("the webhook tolerance must be positive (0 would disable it)")
        self.expected_livemode = expected_livemode
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance_seconds
        self._owns_http_client = http_client is None
        self._http_client = http_client or stripe.RequestsClient(timeout=timeout_seconds)
        base_addresses: Any = None
        if base_url is not None:
            base = base_url.rstrip("/")
            base_addresses = {"api": base, "connect": base, "files": base, "meter_events": base}
        self._client = stripe.StripeClient(
            api_key,
            base_addresses=base_addresses,
            max_network_retries=max_network_retries,
            http_client=self._http_client,
        )

    def close(self) -> None:
        """Close the HTTP connections this gateway opened."""
        if self._owns_http_client:
            self._http_client.close()

    def __enter__(self) -> StripeGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ pledges

    def create_checkout_session(
        self,
        *,
        reference: str,
        amount_pence: int,
        description: str,
        success_url: str,
        cancel_url: str,
        allow_bacs: bool,
        metadata: Mapping[str, str],
    ) -> CheckoutSession:
        """Open a Stripe Checkout page for one payment of ``amount_pence``.

        ``reference`` names one payment attempt: asking again with the same reference
        returns the same session (Stripe keeps idempotent results for at least 24 hours,
        the default life of a session); asking with the same reference but a different
        amount is refused as a non-retryable ``GatewayError``.
        """
        _pence(amount_pence, "amount_pence")
        if not description.strip():
            raise ValueError("description must not be empty")
        meta = _metadata(metadata)
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": ["card", "bacs_debit"] if allow_bacs else ["card"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": amount_pence,
                        "product_data": {"name": description},
                    },
                }
            ],
            "client_reference_id": reference,
            "metadata": meta,
            # Copied onto the PaymentIntent so the charge and its balance transaction
            # can be traced to the pledge without the session.
            "payment_intent_data": {"metadata": meta},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        session = self._call(
            self._client.v1.checkout.sessions.create,
            params,
            options={"idempotency_key": _derived_key("checkout-session", reference)},
        )
        if not session.get("url"):
            raise GatewayError("Stripe returned a checkout session without a URL", False)
        return CheckoutSession(id=session["id"], url=session["url"])

    def retrieve_checkout_payment(self, session_id: str) -> CheckoutPayment:
        """Fetch a checkout session with its payment, charge and fee in one call."""
        session = self._call(
            self._client.v1.checkout.sessions.retrieve,
            session_id,
            {"expand": ["payment_intent.latest_charge.balance_transaction"]},
        )
        intent = session.get("payment_intent")
        charge = intent.get("latest_charge") if isinstance(intent, dict) else None
        txn = charge.get("balance_transaction") if isinstance(charge, dict) else None
        return CheckoutPayment(
            session_id=session["id"],
            reference=session.get("client_reference_id"),
            payment_status=session.get("payment_status") or "unpaid",
            amount_pence=session.get("amount_total"),
            payment_intent_id=_id_of(intent),
            charge_id=_id_of(charge),
            balance_transaction=_balance_transaction(txn) if isinstance(txn, dict) else None,
            metadata=dict(session.get("metadata") or {}),
        )

    def checkout_payment_for_event(self, event: stripe.Event) -> CheckoutPayment:
        """For a verified checkout.session.* event, the payment and fee as Stripe has them now."""
        if event.type not in CHECKOUT_EVENTS:
            raise ValueError(f"not a checkout session event: {event.type}")
        session_id = event.data.object["id"]
        return self.retrieve_checkout_payment(session_id)

    def retrieve_balance_transaction(self, balance_transaction_id: str) -> BalanceTransaction:
        """One balance transaction (amount, Stripe fee, net)."""
        txn = self._call(self._client.v1.balance_transactions.retrieve, balance_transaction_id)
        return _balance_transaction(txn)

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount_pence: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> Refund:
        """Refund part or all of a payment; ``idempotency_key`` must be stored beforehand."""
        _pence(amount_pence, "amount_pence")
        refund = self._call(
            self._client.v1.refunds.create,
            {
                "payment_intent": payment_intent_id,
                "amount": amount_pence,
                "metadata": _metadata(metadata),
            },
            options={"idempotency_key": _checked_key(idempotency_key)},
        )
        return Refund(
            id=refund["id"],
            amount_pence=refund["amount"],
            status=refund.get("status") or "pending",
            payment_intent_id=_id_of(refund.get("payment_intent")),
        )

    # ------------------------------------------------------------------- groups

    def create_connected_account(self, *, reference: str, email: str, business_name: str) -> ConnectedAccount:
        """Create a group's Stripe account that can receive grant transfers."""
        params: dict[str, Any] = {
            "country": "GB",
            "email": email,
            "business_profile": {"name": business_name},
            "controller": {
                "fees": {"payer": "application"},
                "losses": {"payments": "application"},
                "requirement_collection": "stripe",
                "stripe_dashboard": {"type": "express"},
            },
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"reference": reference},
        }
        account = self._call(
            self._client.v1.accounts.create,
            params,
            options={"idempotency_key": _derived_key("connected-account", reference)},
        )
        return connected_account(account)

    def create_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """A single-use onboarding URL; make a fresh one each time the group needs it."""
        link = self._call(
            self._client.v1.account_links.create,
            {
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            },
        )
        return link["url"]

    def retrieve_account(self, account_id: str) -> ConnectedAccount:
        """A connected account's current onboarding and capability state."""
        return connected_account(self._call(self._client.v1.accounts.retrieve, account_id))

    # ----------------------------------------------------------------- tranches

    def create_transfer(
        self,
        *,
        amount_pence: int,
        destination: str,
        idempotency_key: str,
        transfer_group: str | None,
        metadata: Mapping[str, str],
    ) -> Transfer:
        """Pay a connected account; store ``idempotency_key`` before calling, reuse it on retry."""
        _pence(amount_pence, "amount_pence")
        params: dict[str, Any] = {
            "amount": amount_pence,
            "currency": CURRENCY,
            "destination": destination,
            "metadata": _metadata(metadata),
        }
        if transfer_group:
            params["transfer_group"] = transfer_group
        transfer = self._call(
            self._client.v1.transfers.create,
            params,
            options={"idempotency_key": _checked_key(idempotency_key)},
        )
        return _transfer(transfer)

    def retrieve_transfer(self, transfer_id: str) -> Transfer:
        """A transfer's current state (including any reversal)."""
        return _transfer(self._call(self._client.v1.transfers.retrieve, transfer_id))

    def reverse_transfer(
        self,
        *,
        transfer_id: str,
        amount_pence: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> TransferReversal:
        """Take money back from a connected account; store ``idempotency_key`` beforehand."""
        _pence(amount_pence, "amount_pence")
        reversal = self._call(
            self._client.v1.transfers.reversals.create,
            transfer_id,
            {"amount": amount_pence, "metadata": _metadata(metadata)},
            options={"idempotency_key": _checked_key(idempotency_key)},
        )
        return TransferReversal(
            id=reversal["id"],
            transfer_id=_id_of(reversal.get("transfer")) or transfer_id,
            amount_pence=reversal["amount"],
        )

    # ----------------------------------------------------------- reconciliation

    def list_transfers(
        self,
        *,
        created_gte: int | datetime | None = None,
        destination: str | None = None,
        transfer_group: str | None = None,
    ) -> Iterator[Transfer]:
        """Every transfer (newest first), following all pages."""
        params = _list_params(created_gte, destination=destination, transfer_group=transfer_group)
        return (_transfer(t) for t in self._iterate(self._client.v1.transfers.list, params))

    def list_payouts(self, *, created_gte: int | datetime | None = None, status: str | None = None) -> Iterator[Payout]:
        """Every payout to the platform's bank (newest first), following all pages."""
        params = _list_params(created_gte, status=status)
        return (_payout(p) for p in self._iterate(self._client.v1.payouts.list, params))

    def list_balance_transactions(
        self,
        *,
        created_gte: int | datetime | None = None,
        payout: str | None = None,
        type: str | None = None,  # noqa: A002 (Stripe's name)
    ) -> Iterator[BalanceTransaction]:
        """Every balance transaction (newest first), optionally those one payout swept."""
        params = _list_params(created_gte, payout=payout, type=type)
        return (_balance_transaction(t) for t in self._iterate(self._client.v1.balance_transactions.list, params))

    # ----------------------------------------------------------------- webhooks

    def construct_event(self, payload: bytes, sig_header: str | None) -> stripe.Event:
        """Verify a webhook delivery (raw body + Stripe-Signature) and return its event."""
        if not sig_header:
            raise WebhookRejected(WebhookRejected.MISSING_SIGNATURE)
        try:
            event = self._client.construct_event(payload, sig_header, self._webhook_secret, tolerance=self._tolerance)
        except stripe.SignatureVerificationError as err:
            if str(err).startswith("Timestamp outside the tolerance zone"):
                raise WebhookRejected(WebhookRejected.STALE_TIMESTAMP, str(err)) from err
            raise WebhookRejected(WebhookRejected.BAD_SIGNATURE, str(err)) from err
        except ValueError as err:  # includes JSONDecodeError and UnicodeDecodeError
            raise WebhookRejected(WebhookRejected.MALFORMED_PAYLOAD, str(err)) from err
        # The library only refuses old signatures; one far in the future is as suspect.
        if _signed_at(sig_header) > time.time() + self._tolerance:
            raise WebhookRejected(WebhookRejected.STALE_TIMESTAMP, "timestamp in the future")
        if "livemode" not in event or "type" not in event or "id" not in event:
            raise WebhookRejected(WebhookRejected.MALFORMED_PAYLOAD, "not a Stripe event")
        if bool(event["livemode"]) is not self.expected_livemode:
            raise WebhookRejected(
                WebhookRejected.LIVEMODE_MISMATCH,
                f"event livemode={event['livemode']}, expected {self.expected_livemode}",
            )
        return event

    # ---------------------------------------------------------------- plumbing

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return method(*args, **kwargs).to_dict()
        except stripe.StripeError as err:
            raise _translate(err) from err

    def _iterate(self, list_method: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        try:
            for item in list_method(params).auto_paging_iter():
                yield item.to_dict()
        except stripe.StripeError as err:
            raise _translate(err) from err


# ---------------------------------------------------------------------------- helpers


def _check_key_mode(api_key: str, expected_livemode: bool) -> None:
    """Refuse a test key on the live site and a live key anywhere else."""
    live = api_key.startswith(("sk_live_", "rk_live_"))
    test = api_key.startswith(("sk_test_", "rk_test_"))
    if (expected_livemode and test) or (not expected_livemode and live):
        raise ValueError("the Stripe API key's mode does not match expected_livemode")


def _pence(value: object, name: str) -> int:
    """Check a positive integer number of pence."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer number of pence, got {value!r}")
    return value


def _checked_key(key: str) -> str:
    """Check an idempotency key: non-empty, plain characters, within Stripe's length limit."""
    if not key or len(key) > _MAX_IDEMPOTENCY_KEY or not _KEY_SAFE.match(key):
        raise ValueError(f"unusable idempotency key {key!r}")
    return key


def _derived_key(kind: str, reference: str) -> str:
    """The deterministic idempotency key for creating ``kind`` for ``reference``."""
    if not reference:
        raise ValueError("reference must not be empty")
    return _checked_key(f"{kind}-{reference}")


def _metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Check Stripe's metadata limits here rather than as a 400 from Stripe."""
    if len(metadata) > 50:
        raise ValueError("Stripe metadata allows at most 50 keys")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError("Stripe metadata keys and values must be strings")
        if len(key) > 40 or "[" in key or "]" in key or len(value) > 500:
            raise ValueError(f"metadata {key!r} breaks Stripe's limits")
    return dict(metadata)


def _list_params(created_gte: int | datetime | None, **filters: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": _PAGE_SIZE}
    if created_gte is not None:
        if isinstance(created_gte, datetime):
            if created_gte.tzinfo is None:
                raise ValueError("created_gte must be timezone-aware")
            created_gte = int(created_gte.timestamp())
        params["created"] = {"gte": int(created_gte)}
    params.update({k: v for k, v in filters.items() if v is not None})
    return params


def _signed_at(sig_header: str) -> int:
    for item in sig_header.split(","):
        name, _, value = item.partition("=")
        if name.strip() == "t":
            return int(value)
    return 0  # unreachable after a successful verification


def _id_of(value: Any) -> str | None:
    """The id of an expandable field, whether it came back expanded or not."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def _translate(err: stripe.StripeError) -> GatewayError:
    """Map the library's exceptions onto one error with a retry decision."""
    status = err.http_status
    should_retry = err.headers.get("Stripe-Should-Retry") if err.headers else None
    if isinstance(err, stripe.APIConnectionError):
        retryable = bool(err.should_retry)  # timeouts and dropped connections; not TLS failures
    elif isinstance(err, stripe.RateLimitError):
        retryable = True
    elif isinstance(err, stripe.IdempotencyError):
        retryable = False  # same key, different request: a bug, not weather
    elif should_retry in ("true", "false"):
        retryable = should_retry == "true"
    elif isinstance(err, stripe.APIError):
        retryable = status is None or status >= 500 or status == 409
    else:  # card, invalid request, authentication, permission
        retryable = False
    message = err.user_message or str(err) or type(err).__name__
    return GatewayError(message, retryable, code=err.code, http_status=status, request_id=err.request_id)


def connected_account(account: dict[str, Any]) -> ConnectedAccount:
    """What Stripe says of a connected account (an API answer or a webhook's object), as our value type."""
    requirements = account.get("requirements") or {}
    due = sorted(set(requirements.get("currently_due") or []) | set(requirements.get("past_due") or []))
    return ConnectedAccount(
        id=account["id"],
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        requirements_due=due,
        transfers_capability=(account.get("capabilities") or {}).get("transfers"),
        disabled_reason=requirements.get("disabled_reason"),
    )


def _transfer(transfer: dict[str, Any]) -> Transfer:
    return Transfer(
        id=transfer["id"],
        amount_pence=transfer["amount"],
        destination=_id_of(transfer.get("destination")) or "",
        reversed=bool(transfer.get("reversed")),
        amount_reversed_pence=transfer.get("amount_reversed") or 0,
        currency=transfer.get("currency") or CURRENCY,
        transfer_group=transfer.get("transfer_group"),
        created=transfer.get("created"),
        balance_transaction=_id_of(transfer.get("balance_transaction")),
        metadata=dict(transfer.get("metadata") or {}),
    )


def _balance_transaction(txn: dict[str, Any]) -> BalanceTransaction:
    return BalanceTransaction(
        id=txn["id"],
        amount_pence=txn["amount"],
        fee_pence=txn.get("fee") or 0,
        net_pence=txn["net"],
        source=_id_of(txn.get("source")),
        type=txn.get("type") or "",
        currency=txn.get("currency") or CURRENCY,
        created=txn.get("created"),
        available_on=txn.get("available_on"),
        status=txn.get("status"),
        reporting_category=txn.get("reporting_category"),
    )


def _payout(payout: dict[str, Any]) -> Payout:
    return Payout(
        id=payout["id"],
        amount_pence=payout["amount"],
        status=payout.get("status") or "",
        arrival_date=payout.get("arrival_date"),
        created=payout.get("created"),
        balance_transaction=_id_of(payout.get("balance_transaction")),
        currency=payout.get("currency") or CURRENCY,
        failure_code=payout.get("failure_code"),
    )
