"""A local fake of the parts of the Stripe API that Our Tables uses.

Tests point the real ``stripe`` library at this server (``base_addresses``), so the
library's own encoding, headers, retries, idempotency keys and error parsing are all
exercised; only Stripe's servers are replaced. The fake is deliberately strict: it
rejects what Stripe would reject (unknown parameters, non-integer or non-positive
amounts, a currency other than GBP, an idempotency key reused with different
parameters, transfers to accounts without an active ``transfers`` capability) and a
few things our own policy forbids (a money-moving POST without an explicit
idempotency key of our choosing).

Start it as a context manager::

    with FakeStripe() as fake:
        gateway = StripeGateway(api_key=fake.api_key, webhook_secret=FAKE_WEBHOOK_SECRET,
                                expected_livemode=False, base_url=fake.base_url,
                                max_network_retries=0)
        ...
        assert fake.requests_to("POST", "/v1/transfers")

Signed webhook bodies for endpoint tests::

    event = fake.event("checkout.session.completed", session_id)   # or build_event(...)
    body, header = sign_event(event, FAKE_WEBHOOK_SECRET)
    client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": header})

Fault injection (matched on method and path, consumed in order):

* ``fail_next(path, status=500)``: answer with an error *without* doing anything.
* ``drop_next_response(path)``: do the work (and remember it under the idempotency
  key), then close the connection without answering, as a lost response would.
* ``stall_next_response(path, seconds)``: do the work, then wait before answering, so
  a client with a short timeout gives up.

Simplifications, on purpose: one platform account, one currency, objects live in
memory, list order is newest first by a fake clock that ticks once per object,
idempotent results are stored for requests that were executed, successes and business
errors alike (so a transfer refused for ``balance_insufficient`` is refused again under
the same key, as on Stripe), but not for parameter errors or injected failures; keys
never expire.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

FAKE_API_KEY = "sk_test_fake_our_tables"
FAKE_WEBHOOK_SECRET = "whsec_fake_our_tables"  # noqa: S105 (a test value)

# What stripe-python sends when the caller gives no key (see _generate_idempotency_key).
_LIBRARY_GENERATED_KEY = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_KEY_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

FeePolicy = Callable[[int, str], int]


def uk_standard_fee(amount_pence: int, payment_method: str) -> int:
    """Stripe's standard UK pricing: cards 1.5% + 20p, Bacs 1% + 20p capped at £4."""
    if payment_method == "bacs_debit":
        return min(round(amount_pence * 0.01) + 20, 400)
    return round(amount_pence * 0.015) + 20


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it, before any checks."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]  # names lower-cased
    raw_body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        return self.headers.get(name.lower())

    @property
    def idempotency_key(self) -> str | None:
        """The Idempotency-Key header, if sent."""
        return self.header("Idempotency-Key")

    @property
    def stripe_account(self) -> str | None:
        """The Stripe-Account header, if sent."""
        return self.header("Stripe-Account")


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe's bracket notation (``a[b][0][c]=v``) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        segments = [head] + (_KEY_SEGMENT.findall("[" + rest) if rest else [])
        node = root
        for i, segment in enumerate(segments):
            last = i == len(segments) - 1
            if segment == "":  # a[]=v: append
                segment = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[segment] = value
            else:
                node = node.setdefault(segment, {})
                if not isinstance(node, dict):
                    raise _ApiError(400, f"Invalid array or hash: {raw_key}", param=raw_key)
    return _listify(root, under_metadata=False)


def _listify(node: Any, *, under_metadata: bool) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, under_metadata=(k == "metadata")) for k, v in node.items()}
    keys = list(converted)
    if not under_metadata and keys and keys == [str(i) for i in range(len(keys))]:
        return [converted[k] for k in keys]
    return converted


# ----------------------------------------------------------------------------- errors


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        executed: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        # True when Stripe had started executing: the error is then saved under the
        # idempotency key and replayed, just like a success.
        self.executed = executed
        self.body: dict[str, Any] = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param
        self.headers = headers or {}


def _missing(kind: str, object_id: str, param: str = "id") -> _ApiError:
    return _ApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def _require_known(params: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    for key in params:
        if key not in allowed:
            raise _ApiError(
                400,
                f"Received unknown parameter: {prefix}{key}",
                code="parameter_unknown",
                param=f"{prefix}{key}",
            )


def _positive_int(value: Any, param: str) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]+", value) or int(value) <= 0:
        raise _ApiError(
            400,
            f"Invalid positive integer: {param}={value!r}",
            code="parameter_invalid_integer",
            param=param,
        )
    return int(value)


def _required(params: dict[str, Any], key: str, prefix: str = "") -> Any:
    if params.get(key) in (None, ""):
        raise _ApiError(
            400,
            f"Missing required param: {prefix}{key}.",
            code="parameter_missing",
            param=f"{prefix}{key}",
        )
    return params[key]


@dataclass
class _Fault:
    method: str
    path: str
    kind: str  # "fail" | "drop" | "stall"
    status: int = 500
    error_type: str = "api_error"
    code: str | None = None
    message: str = "Fake Stripe: injected failure"
    should_retry: bool | None = None
    seconds: float = 0.0


# ------------------------------------------------------------------------------- fake


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., dict[str, Any]]
    allowed: set[str] = field(default_factory=set)


class FakeStripe:
    """An in-memory Stripe API on 127.0.0.1, started in a background thread."""

    def __init__(
        self,
        *,
        api_key: str = FAKE_API_KEY,
        currency: str = "gbp",
        fee_policy: FeePolicy = uk_standard_fee,
        require_explicit_idempotency_key: bool = True,
        available_balance_pence: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.currency = currency
        self.fee_policy = fee_policy
        self.require_explicit_idempotency_key = require_explicit_idempotency_key
        self.available_balance_pence = available_balance_pence
        self.livemode = api_key.startswith(("sk_live_", "rk_live_"))
        self.objects: dict[str, dict[str, Any]] = {}
        self.internal_errors: list[str] = []
        self._requests: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._idempotent: dict[
            tuple[str, str, str], tuple[str, str, dict[str, Any], int, bytes]
        ] = {}
        self._lock = threading.RLock()
        self._seq = 0
        self._clock_start = int(time.time()) - 86_400
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes = self._build_routes()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeStripe:
        """Listen on an ephemeral loopback port."""
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wait for the server thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop()
        if exc_type is None and self.internal_errors:
            raise AssertionError("fake Stripe crashed:\n" + "\n".join(self.internal_errors))

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: give it to every base address of the client."""
        if self._server is None:
            raise RuntimeError("FakeStripe is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -------------------------------------------------------------- inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Requests with this method and exact path (no query string)."""
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def objects_of(self, object_type: str) -> list[dict[str, Any]]:
        """Stored objects of one ``object`` type, oldest first (copies)."""
        with self._lock:
            return [
                self._public(copy.deepcopy(o))
                for o in self.objects.values()
                if o["object"] == object_type
            ]

    def get(self, object_id: str) -> dict[str, Any]:
        """A copy of one stored object, as the API would show it."""
        with self._lock:
            return self._public(copy.deepcopy(self.objects[object_id]))

    # ---------------------------------------------------------- fault injection

    def fail_next(
        self,
        path: str,
        *,
        method: str = "POST",
        status: int = 500,
        error_type: str | None = None,
        code: str | None = None,
        message: str | None = None,
        should_retry: bool | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next request(s) to ``path`` with an error, doing nothing."""
        if error_type is None:
            error_type = "api_error" if status >= 500 else "invalid_request_error"
            if status == 402:
                error_type = "card_error"
        for _ in range(times):
            self._faults.append(
                _Fault(
                    method.upper(),
                    path,
                    "fail",
                    status=status,
                    error_type=error_type,
                    code=code,
                    message=message or f"Fake Stripe: injected {status}",
                    should_retry=should_retry,
                )
            )

    def drop_next_response(self, path: str, *, method: str = "POST", times: int = 1) -> None:
        """Do the next request(s) to ``path`` but close the connection without answering."""
        for _ in range(times):
            self._faults.append(_Fault(method.upper(), path, "drop"))

    def stall_next_response(
        self, path: str, seconds: float, *, method: str = "POST", times: int = 1
    ) -> None:
        """Do the next request(s) to ``path`` but wait ``seconds`` before answering."""
        for _ in range(times):
            self._faults.append(_Fault(method.upper(), path, "stall", seconds=seconds))

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.method == method and fault.path == path:
                    return self._faults.pop(i)
        return None

    # ------------------------------------------------------- scenario helpers

    def now(self) -> int:
        """The fake clock: the ``created`` time the next object would get."""
        return self._clock_start + self._seq + 1

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """Act as the group finishing Stripe's hosted onboarding."""
        with self._lock:
            account = self._lookup("account", account_id)
            account.update(details_submitted=True, payouts_enabled=True)
            account["capabilities"] = {k: "active" for k in account["capabilities"]}
            account["charges_enabled"] = account["capabilities"].get("card_payments") == "active"
            account["requirements"].update(
                currently_due=[], eventually_due=[], past_due=[], disabled_reason=None
            )
            return copy.deepcopy(account)

    def complete_checkout_session(
        self,
        session_id: str,
        *,
        payment_method: str = "card",
        fee_pence: int | None = None,
        settled: bool = True,
    ) -> dict[str, Any]:
        """Act as the funder paying a session; ``settled=False`` leaves a Bacs debit pending."""
        with self._lock:
            session = self._lookup("checkout.session", session_id)
            if payment_method not in session["payment_method_types"]:
                raise ValueError(f"{payment_method} was not offered on {session_id}")
            amount = session["amount_total"]
            intent = self._store(
                "pi",
                {
                    "object": "payment_intent",
                    "amount": amount,
                    "amount_received": 0,
                    "currency": session["currency"],
                    "status": "processing",
                    "latest_charge": None,
                    "metadata": dict(session["_intent_metadata"]),
                    "payment_method_types": [payment_method],
                },
            )
            charge = self._store(
                "ch",
                {
                    "object": "charge",
                    "amount": amount,
                    "amount_refunded": 0,
                    "currency": session["currency"],
                    "status": "pending",
                    "paid": False,
                    "payment_intent": intent["id"],
                    "balance_transaction": None,
                    "payment_method_details": {"type": payment_method},
                    "metadata": dict(session["_intent_metadata"]),
                },
            )
            intent["latest_charge"] = charge["id"]
            session.update(status="complete", payment_intent=intent["id"])
            session["payment_status"] = "unpaid"
            if settled:
                self._settle(session, fee_pence)
            return copy.deepcopy(session)

    def settle_checkout_session(self, session_id: str, *, fee_pence: int | None = None) -> dict:
        """Act as a pending Bacs debit clearing."""
        with self._lock:
            session = self._lookup("checkout.session", session_id)
            self._settle(session, fee_pence)
            return copy.deepcopy(session)

    def _settle(self, session: dict[str, Any], fee_pence: int | None) -> None:
        intent = self.objects[session["payment_intent"]]
        charge = self.objects[intent["latest_charge"]]
        method = charge["payment_method_details"]["type"]
        fee = self.fee_policy(charge["amount"], method) if fee_pence is None else fee_pence
        txn = self._balance_transaction(
            amount=charge["amount"],
            fee=fee,
            source=charge["id"],
            type_="charge",
            description=f"Payment for {session['id']}",
        )
        charge.update(status="succeeded", paid=True, balance_transaction=txn["id"])
        intent.update(status="succeeded", amount_received=charge["amount"])
        session["payment_status"] = "paid"

    def add_payout(self, amount_pence: int | None = None, *, status: str = "paid") -> dict:
        """Pay the platform's balance out to its bank, like an automatic payout.

        The payout sweeps every balance transaction not yet paid out (listable with
        ``payout=<id>``); ``amount_pence`` defaults to their net total.
        """
        with self._lock:
            swept = [
                o
                for o in self.objects.values()
                if o["object"] == "balance_transaction" and "_payout" not in o
            ]
            amount = sum(o["net"] for o in swept) if amount_pence is None else amount_pence
            if amount <= 0:
                raise ValueError("nothing to pay out")
            payout = self._store(
                "po",
                {
                    "object": "payout",
                    "amount": amount,
                    "currency": self.currency,
                    "status": status,
                    "automatic": True,
                    "method": "standard",
                    "type": "bank_account",
                    "destination": "ba_fake_platform",
                    "failure_code": None,
                    "failure_message": None,
                    "balance_transaction": None,
                    "metadata": {},
                },
            )
            payout["arrival_date"] = payout["created"] + 86_400
            txn = self._balance_transaction(
                amount=-amount,
                fee=0,
                source=payout["id"],
                type_="payout",
                description="STRIPE PAYOUT",
            )
            payout["balance_transaction"] = txn["id"]
            for o in [*swept, txn]:
                o["_payout"] = payout["id"]
            return self._public(copy.deepcopy(payout))

    def reverse_transfer(self, transfer_id: str, amount_pence: int | None = None) -> dict:
        """Act as a transfer being reversed (money coming back to the platform)."""
        with self._lock:
            transfer = self._lookup("transfer", transfer_id)
            return self._reverse(transfer, amount_pence, {})

    def event(self, event_type: str, object_id: str, *, livemode: bool | None = None) -> dict:
        """A Stripe event whose ``data.object`` is a snapshot of a stored object."""
        return build_event(
            event_type,
            self.get(object_id),
            livemode=self.livemode if livemode is None else livemode,
        )

    # ---------------------------------------------------------------- storage

    def _store(self, prefix: str, obj: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        test = "test_" if prefix == "cs" and not self.livemode else ""
        obj = {"id": f"{prefix}_{test}fake{self._seq:08d}", **obj}
        obj.setdefault("created", self._clock_start + self._seq)
        obj.setdefault("livemode", self.livemode)
        self.objects[obj["id"]] = obj
        return obj

    def _lookup(self, object_type: str, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise _missing(object_type, object_id, param)
        return obj

    def _balance_transaction(
        self, *, amount: int, fee: int, source: str, type_: str, description: str
    ) -> dict[str, Any]:
        txn = self._store(
            "txn",
            {
                "object": "balance_transaction",
                "amount": amount,
                "currency": self.currency,
                "fee": fee,
                "net": amount - fee,
                "source": source,
                "type": type_,
                "reporting_category": {
                    "charge": "charge",
                    "transfer": "transfer",
                    "payout": "payout",
                    "refund": "refund",
                    "transfer_reversal": "transfer_reversal",
                }.get(type_, type_),
                "status": "available",
                "description": description,
                "fee_details": (
                    [
                        {
                            "amount": fee,
                            "currency": self.currency,
                            "type": "stripe_fee",
                            "description": "Stripe processing fees",
                            "application": None,
                        }
                    ]
                    if fee
                    else []
                ),
            },
        )
        txn["available_on"] = txn["created"]
        if self.available_balance_pence is not None:
            self.available_balance_pence += amount - fee
        return txn

    def _reverse(self, transfer: dict[str, Any], amount: int | None, metadata: dict) -> dict:
        remaining = transfer["amount"] - transfer["amount_reversed"]
        amount = remaining if amount is None else amount
        if amount <= 0 or amount > remaining:
            raise _ApiError(
                400, "Reversal amount exceeds what remains on the transfer.", param="amount"
            )
        reversal = self._store(
            "trr",
            {
                "object": "transfer_reversal",
                "amount": amount,
                "currency": transfer["currency"],
                "transfer": transfer["id"],
                "metadata": metadata,
                "balance_transaction": None,
            },
        )
        txn = self._balance_transaction(
            amount=amount,
            fee=0,
            source=reversal["id"],
            type_="transfer_reversal",
            description=f"Reversal of {transfer['id']}",
        )
        reversal["balance_transaction"] = txn["id"]
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        transfer["reversals"]["total_count"] = len(transfer["reversals"]["data"])
        return copy.deepcopy(reversal)

    # ----------------------------------------------------------------- routing

    def _build_routes(self) -> list[_Route]:
        list_common = {"limit", "starting_after", "ending_before", "created", "expand"}

        def route(
            method: str, path: str, handler: Callable[..., dict], allowed: set[str]
        ) -> _Route:
            pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[A-Za-z0-9_]+)", path) + "$")
            return _Route(method, pattern, handler, allowed | {"expand"})

        return [
            route(
                "POST",
                "/v1/checkout/sessions",
                self._create_checkout_session,
                {
                    "mode",
                    "payment_method_types",
                    "line_items",
                    "client_reference_id",
                    "metadata",
                    "success_url",
                    "cancel_url",
                    "payment_intent_data",
                    "customer_email",
                    "expires_at",
                    "locale",
                    "submit_type",
                },
            ),
            route("GET", "/v1/checkout/sessions/{id}", self._retrieve("checkout.session"), set()),
            route(
                "POST",
                "/v1/accounts",
                self._create_account,
                {
                    "controller",
                    "country",
                    "email",
                    "business_profile",
                    "capabilities",
                    "metadata",
                    "business_type",
                    "type",
                    "default_currency",
                },
            ),
            route("GET", "/v1/accounts/{id}", self._retrieve("account"), set()),
            route(
                "POST",
                "/v1/account_links",
                self._create_account_link,
                {"account", "refresh_url", "return_url", "type", "collect", "collection_options"},
            ),
            route(
                "POST",
                "/v1/transfers",
                self._create_transfer,
                {
                    "amount",
                    "currency",
                    "destination",
                    "transfer_group",
                    "metadata",
                    "description",
                    "source_transaction",
                },
            ),
            route(
                "GET",
                "/v1/transfers",
                self._lister("transfer", ("destination", "transfer_group")),
                list_common | {"destination", "transfer_group"},
            ),
            route("GET", "/v1/transfers/{id}", self._retrieve("transfer"), set()),
            route(
                "POST",
                "/v1/transfers/{id}/reversals",
                self._create_reversal,
                {"amount", "metadata", "description", "refund_application_fee"},
            ),
            route(
                "GET",
                "/v1/payouts",
                self._lister("payout", ("status", "destination")),
                list_common | {"status", "destination", "arrival_date"},
            ),
            route("GET", "/v1/payouts/{id}", self._retrieve("payout"), set()),
            route(
                "GET",
                "/v1/balance_transactions",
                self._lister("balance_transaction", ("type", "source", "currency")),
                list_common | {"payout", "type", "source", "currency"},
            ),
            route(
                "GET", "/v1/balance_transactions/{id}", self._retrieve("balance_transaction"), set()
            ),
            route("GET", "/v1/payment_intents/{id}", self._retrieve("payment_intent"), set()),
            route("GET", "/v1/charges/{id}", self._retrieve("charge"), set()),
            route(
                "POST",
                "/v1/refunds",
                self._create_refund,
                {"payment_intent", "charge", "amount", "metadata", "reason"},
            ),
        ]

    # Money moves (or may move) on these: our policy is an explicit, deterministic key.
    _MONEY_MOVING = re.compile(
        r"^/v1/(transfers(/[^/]+/reversals)?|refunds|payouts|checkout/sessions)$"
    )

    def handle(self, request: RecordedRequest) -> tuple[int, bytes, dict[str, str], _Fault | None]:
        """Check, execute and answer one request: (status, body, headers, fault to apply)."""
        with self._lock:
            self._requests.append(request)
        try:
            self._check_auth(request)
            route, match = self._route(request)
            fault = self._take_fault(request.method, request.path)
            if fault and fault.kind == "fail":
                headers = {}
                if fault.should_retry is not None:
                    headers["Stripe-Should-Retry"] = str(fault.should_retry).lower()
                raise _ApiError(
                    fault.status,
                    fault.message,
                    type_=fault.error_type,
                    code=fault.code,
                    headers=headers,
                )
            with self._lock:
                if request.method == "POST":
                    status, body, headers = self._idempotent_post(request, route, match)
                else:
                    _require_known(request.params, route.allowed)
                    status, body, headers = 200, self._run(route, match, request), {}
            return status, body, headers, fault
        except _ApiError as err:
            return err.status, json.dumps(err.body).encode(), err.headers, None

    def _check_auth(self, request: RecordedRequest) -> None:
        if request.header("Authorization") != f"Bearer {self.api_key}":
            raise _ApiError(401, "Invalid API Key provided.")
        if not request.header("Stripe-Version"):
            raise _ApiError(400, "Fake Stripe: no Stripe-Version header; pin the API version.")

    def _route(self, request: RecordedRequest) -> tuple[_Route, re.Match[str]]:
        for route in self._routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                return route, match
        raise _ApiError(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    def _idempotent_post(
        self, request: RecordedRequest, route: _Route, match: re.Match[str]
    ) -> tuple[int, bytes, dict[str, str]]:
        key = request.idempotency_key
        if self._MONEY_MOVING.match(request.path) and self.require_explicit_idempotency_key:
            if not key or _LIBRARY_GENERATED_KEY.match(key):
                raise _ApiError(
                    400,
                    "Fake Stripe: money-moving POST without an explicit "
                    "Idempotency-Key chosen by the caller.",
                    code="fake_missing_idempotency_key",
                )
        if key and len(key) > 255:
            raise _ApiError(400, "Idempotency-Key is longer than 255 characters.")
        scope = (self.api_key, request.stripe_account or "", key or "")
        if key and scope in self._idempotent:
            method, path, params, status, body = self._idempotent[scope]
            if (method, path, params) != (request.method, request.path, request.params):
                raise _ApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type_="idempotency_error",
                )
            return status, body, {"Idempotent-Replayed": "true"}
        _require_known(request.params, route.allowed)
        try:
            status, body = 200, self._run(route, match, request)
        except _ApiError as err:
            if not (err.executed and key):
                raise
            status, body = err.status, json.dumps(err.body).encode()
        if key:
            self._idempotent[scope] = (request.method, request.path, request.params, status, body)
        return status, body, {}

    def _run(self, route: _Route, match: re.Match[str], request: RecordedRequest) -> bytes:
        result = route.handler(request.params, **match.groupdict())
        return json.dumps(self._expand(result, request.params.get("expand") or [])).encode()

    def _expand(self, obj: dict[str, Any], paths: list[str] | Any) -> dict[str, Any]:
        if not isinstance(paths, list):
            raise _ApiError(400, "Invalid array: expand", param="expand")
        obj = copy.deepcopy(obj)
        for path in paths:
            if obj.get("object") == "list":
                head, _, rest = path.partition(".")
                if head != "data" or not rest:
                    raise _ApiError(400, f"This property cannot be expanded ({path}).")
                for item in obj["data"]:
                    self._expand_one(item, rest.split("."), path)
            else:
                self._expand_one(obj, path.split("."), path)
        return obj

    def _expand_one(self, obj: dict[str, Any], parts: list[str], full: str) -> None:
        key, rest = parts[0], parts[1:]
        if key not in obj:
            raise _ApiError(400, f"This property cannot be expanded ({full}).")
        value = obj[key]
        if isinstance(value, str):
            if value not in self.objects:
                raise _ApiError(400, f"This property cannot be expanded ({full}).")
            value = obj[key] = self._public(copy.deepcopy(self.objects[value]))
        if rest and isinstance(value, dict):
            self._expand_one(value, rest, full)

    def _retrieve(self, object_type: str) -> Callable[..., dict[str, Any]]:
        def retrieve(params: dict[str, Any], id: str) -> dict[str, Any]:  # noqa: A002
            return self._public(self._lookup(object_type, id))

        return retrieve

    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _lister(self, object_type: str, equality_filters: tuple[str, ...]) -> Callable[..., dict]:
        def list_(params: dict[str, Any]) -> dict[str, Any]:
            items = [o for o in self.objects.values() if o["object"] == object_type]
            items.reverse()  # newest first, like Stripe
            for name in equality_filters:
                if name in params:
                    items = [o for o in items if o.get(name) == params[name]]
            if "payout" in params:  # the balance transactions one payout swept
                self._lookup("payout", params["payout"], "payout")
                items = [o for o in items if o.get("_payout") == params["payout"]]
            items = [o for o in items if _created_matches(o["created"], params.get("created"))]
            limit = int(params.get("limit", 10))
            if not 1 <= limit <= 100:
                raise _ApiError(400, "Limit must be between 1 and 100.", param="limit")
            if "starting_after" in params:
                ids = [o["id"] for o in items]
                if params["starting_after"] not in ids:
                    raise _missing(object_type, params["starting_after"], "starting_after")
                items = items[ids.index(params["starting_after"]) + 1 :]
            return {
                "object": "list",
                "url": f"/v1/{object_type}s",
                "has_more": len(items) > limit,
                "data": [self._public(o) for o in items[:limit]],
            }

        return list_

    # ----------------------------------------------------------------- handlers

    def _check_currency(self, value: Any, param: str) -> None:
        if value != self.currency:
            raise _ApiError(
                400, f"Fake Stripe only moves {self.currency}, got {value!r}.", param=param
            )

    def _metadata(self, params: dict[str, Any], prefix: str = "") -> dict[str, str]:
        metadata = params.get("metadata", {})
        if metadata == "":
            return {}
        if not isinstance(metadata, dict):
            raise _ApiError(400, "Invalid object", param=f"{prefix}metadata")
        if len(metadata) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in metadata.items()):
            raise _ApiError(
                400,
                "Metadata is limited to 50 keys of 40 characters and values of 500 characters.",
                param=f"{prefix}metadata",
            )
        return dict(metadata)

    def _create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        if _required(params, "mode") != "payment":
            raise _ApiError(400, "Fake Stripe supports mode=payment only.", param="mode")
        _required(params, "success_url")
        methods = params.get("payment_method_types", ["card"])
        if not isinstance(methods, list) or not set(methods) <= {"card", "bacs_debit"}:
            raise _ApiError(
                400, f"Unsupported payment_method_types {methods!r}.", param="payment_method_types"
            )
        line_items = _required(params, "line_items")
        if not isinstance(line_items, list):
            raise _ApiError(400, "Invalid array", param="line_items")
        total = 0
        for i, item in enumerate(line_items):
            where = f"line_items[{i}]"
            _require_known(item, {"price_data", "quantity"}, where + "[")
            price = _required(item, "price_data", where + "[")
            _require_known(
                price, {"currency", "unit_amount", "product_data"}, where + "[price_data]["
            )
            self._check_currency(price.get("currency"), f"{where}[price_data][currency]")
            unit = _positive_int(price.get("unit_amount"), f"{where}[price_data][unit_amount]")
            product = _required(price, "product_data", where + "[price_data][")
            _require_known(product, {"name", "description"}, where + "[price_data][product_data][")
            _required(product, "name", where + "[price_data][product_data][")
            total += unit * _positive_int(item.get("quantity"), f"{where}[quantity]")
        intent_data = params.get("payment_intent_data", {})
        _require_known(intent_data, {"metadata", "description"}, "payment_intent_data[")
        session = self._store(
            "cs",
            {
                "object": "checkout.session",
                "mode": "payment",
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": total,
                "amount_subtotal": total,
                "currency": self.currency,
                "payment_method_types": methods,
                "client_reference_id": params.get("client_reference_id"),
                "metadata": self._metadata(params),
                "success_url": params["success_url"],
                "cancel_url": params.get("cancel_url"),
                "payment_intent": None,
                "customer_email": params.get("customer_email"),
                "_intent_metadata": self._metadata(intent_data, "payment_intent_data["),
            },
        )
        session["url"] = f"{self.base_url}/checkout/pay/{session['id']}"
        session["expires_at"] = session["created"] + 86_400
        return self._public(session)

    def _create_account(self, params: dict[str, Any]) -> dict[str, Any]:
        if "type" in params and "controller" in params:
            raise _ApiError(400, "You cannot specify both type and controller.", param="type")
        controller = params.get("controller", {})
        _require_known(
            controller,
            {"fees", "losses", "requirement_collection", "stripe_dashboard"},
            "controller[",
        )
        payer = controller.get("fees", {}).get("payer", "account")
        losses = controller.get("losses", {}).get("payments", "stripe")
        collection = controller.get("requirement_collection", "stripe")
        dashboard = controller.get("stripe_dashboard", {}).get("type", "full")
        if payer not in {"account", "application"} or losses not in {"application", "stripe"}:
            raise _ApiError(400, "Invalid controller fees/losses.", param="controller")
        if collection not in {"application", "stripe"} or dashboard not in {
            "express",
            "full",
            "none",
        }:
            raise _ApiError(400, "Invalid controller settings.", param="controller")
        if losses == "application" and payer != "application":
            raise _ApiError(
                400,
                "controller[losses][payments]=application requires "
                "controller[fees][payer]=application.",
                param="controller",
            )
        if collection == "application" and (dashboard != "none" or losses != "application"):
            raise _ApiError(
                400,
                "requirement_collection=application needs stripe_dashboard "
                "none and losses application.",
                param="controller",
            )
        if dashboard == "express" and (payer != "application" or losses != "application"):
            raise _ApiError(
                400,
                "The Express Dashboard needs the platform to pay fees and bear losses.",
                param="controller",
            )
        capabilities = params.get("capabilities", {})
        requested = {}
        for name, value in capabilities.items():
            _require_known(value, {"requested"}, f"capabilities[{name}][")
            if value.get("requested") not in {"true", "false"}:
                raise _ApiError(400, "Invalid boolean", param=f"capabilities[{name}][requested]")
            if value["requested"] == "true":
                requested[name] = "inactive"
        country = params.get("country", "GB")
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise _ApiError(400, f"Invalid country {country!r}.", param="country")
        due = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"]
        account = self._store(
            "acct",
            {
                "object": "account",
                "type": "express" if dashboard == "express" else "none",
                "country": country,
                "email": params.get("email"),
                "default_currency": "gbp",
                "business_profile": params.get("business_profile", {}),
                "business_type": params.get("business_type"),
                "capabilities": requested,
                "charges_enabled": False,
                "payouts_enabled": False,
                "details_submitted": False,
                "controller": {
                    "type": "application",
                    "is_controller": True,
                    "fees": {"payer": payer},
                    "losses": {"payments": losses},
                    "requirement_collection": collection,
                    "stripe_dashboard": {"type": dashboard},
                },
                "requirements": {
                    "currently_due": list(due),
                    "eventually_due": list(due),
                    "past_due": [],
                    "disabled_reason": "requirements.past_due",
                },
                "metadata": self._metadata(params),
            },
        )
        return account

    def _create_account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        account = self._lookup("account", _required(params, "account"), "account")
        if _required(params, "type") not in {"account_onboarding", "account_update"}:
            raise _ApiError(400, "Invalid type.", param="type")
        _required(params, "refresh_url")
        _required(params, "return_url")
        self._seq += 1
        created = self._clock_start + self._seq
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + 300,
            "url": f"{self.base_url}/connect/setup/{account['id']}/{self._seq}",
        }

    def _create_transfer(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _positive_int(params.get("amount"), "amount")
        self._check_currency(params.get("currency"), "currency")
        account = self._lookup("account", _required(params, "destination"), "destination")
        if account["capabilities"].get("transfers") != "active":
            raise _ApiError(
                400,
                "Your destination account needs to have at least one of the "
                "following capabilities enabled: transfers.",
                code="insufficient_capabilities_for_transfer",
                param="destination",
                executed=True,
            )
        if self.available_balance_pence is not None and amount > self.available_balance_pence:
            raise _ApiError(
                400,
                "You have insufficient available funds in your Stripe account.",
                code="balance_insufficient",
                executed=True,
            )
        transfer = self._store(
            "tr",
            {
                "object": "transfer",
                "amount": amount,
                "amount_reversed": 0,
                "currency": self.currency,
                "destination": account["id"],
                "destination_payment": None,
                "reversed": False,
                "transfer_group": params.get("transfer_group"),
                "description": params.get("description"),
                "metadata": self._metadata(params),
                "balance_transaction": None,
            },
        )
        transfer["destination_payment"] = f"py_fake{self._seq:08d}"
        transfer["reversals"] = {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{transfer['id']}/reversals",
        }
        txn = self._balance_transaction(
            amount=-amount, fee=0, source=transfer["id"], type_="transfer", description="Transfer"
        )
        transfer["balance_transaction"] = txn["id"]
        return transfer

    def _create_reversal(self, params: dict[str, Any], id: str) -> dict[str, Any]:  # noqa: A002
        transfer = self._lookup("transfer", id)
        amount = _positive_int(params["amount"], "amount") if "amount" in params else None
        return self._reverse(transfer, amount, self._metadata(params))

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        if "payment_intent" in params:
            intent = self._lookup("payment_intent", params["payment_intent"], "payment_intent")
            charge = self.objects[intent["latest_charge"]] if intent["latest_charge"] else None
        else:
            charge = self._lookup("charge", _required(params, "charge"), "charge")
        if charge is None or charge["status"] != "succeeded":
            raise _ApiError(
                400,
                "This payment has not succeeded and cannot be refunded.",
                code="charge_not_refundable",
                executed=True,
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = _positive_int(params["amount"], "amount") if "amount" in params else remaining
        if amount > remaining:
            raise _ApiError(
                400,
                "Refund amount is greater than unrefunded amount on charge.",
                code="amount_too_large",
                param="amount",
                executed=True,
            )
        refund = self._store(
            "re",
            {
                "object": "refund",
                "amount": amount,
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "status": "succeeded",
                "reason": params.get("reason"),
                "metadata": self._metadata(params),
                "balance_transaction": None,
            },
        )
        txn = self._balance_transaction(
            amount=-amount,
            fee=0,
            source=refund["id"],
            type_="refund",
            description="REFUND FOR PAYMENT",
        )
        refund["balance_transaction"] = txn["id"]
        charge["amount_refunded"] += amount
        return refund


def _created_matches(created: int, spec: Any) -> bool:
    if spec is None:
        return True
    if isinstance(spec, str):
        return created == int(spec)
    checks = {
        "gt": created.__gt__,
        "gte": created.__ge__,
        "lt": created.__lt__,
        "lte": created.__le__,
    }
    _require_known(spec, set(checks), "created[")
    return all(checks[op](int(value)) for op, value in spec.items())


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe
    server_version = "FakeStripe/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: tests read ``fake.requests`` instead."""

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self._dispatch_inner()
        except Exception as exc:  # a bug in the fake: fail the test loudly
            self.fake.internal_errors.append(f"{self.command} {self.path}: {exc!r}")
            self._send(
                500,
                json.dumps({"error": {"type": "api_error", "message": repr(exc)}}).encode(),
                {"Stripe-Should-Retry": "false"},
            )

    def _dispatch_inner(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            form = raw.decode() if self.command == "POST" else split.query
            params = decode_form(parse_qsl(form, keep_blank_values=True))
        except _ApiError as err:
            self._send(err.status, json.dumps(err.body).encode(), {})
            return
        request = RecordedRequest(self.command, split.path, params, headers, raw)
        status, body, extra, fault = self.fake.handle(request)
        if fault and fault.kind == "drop":
            self.close_connection = True
            return
        if fault and fault.kind == "stall":
            time.sleep(fault.seconds)
        self._send(status, body, extra)

    def _send(self, status: int, body: bytes, extra: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", f"req_fake{time.monotonic_ns()}")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (stall longer than its timeout)


# ---------------------------------------------------------------------------- webhooks


def build_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    livemode: bool = False,
    event_id: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """A Stripe event envelope (API v1 snapshot event) around ``data_object``."""
    created = int(time.time()) if created is None else created
    return {
        "id": event_id or f"evt_fake{time.monotonic_ns()}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": created,
        "data": {"object": data_object},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def sign_event(
    payload: dict[str, Any] | str | bytes, secret: str, timestamp: int | None = None
) -> tuple[bytes, str]:
    """Serialise ``payload`` and sign it like Stripe: returns (raw body, Stripe-Signature)."""
    if isinstance(payload, dict):
        body = json.dumps(payload).encode()
    elif isinstance(payload, str):
        body = payload.encode()
    else:
        body = bytes(payload)
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode("utf-8"), secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )
    return body, header


# -------------------------------------------------------------------------- isolation


def forbid_non_loopback_connections(monkeypatch: Any) -> list[str]:
    """Make any DNS lookup of a non-loopback host fail; returns the hosts that were tried."""
    attempted: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOOPBACK_HOSTS:
            attempted.append(name)
            raise OSError(f"test isolation: refusing to resolve {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return attempted
