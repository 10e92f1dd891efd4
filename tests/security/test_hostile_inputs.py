"""No input gives a 500: a NUL, an over-long string and an out-of-range number in every form field.

The forms are found, not listed: every page of the authorisation matrix is opened as every role
that may see it, and every form on it that posts is read (its fields and their values as a
browser would send them). Each POST route of the URL map must be reached by such a form or by
the matrix's own POST case, so a new form is fuzzed the moment it exists. Then each field of
each form gets each hostile value in turn (the other fields as the page filled them in). Never a
500; and where the value cannot be valid (a NUL anywhere, the over-long string in a text field,
the 40-digit number in a number field) the answer must be a refusal with a message (a 4xx, the
form shown again with its error, or a redirect with an error message) and no row may be added to
or removed from any table (`Writes`). (A 40-digit number is fair text in a description, and a
long value in a checkbox is just "ticked", so there only the 500 is checked.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from grants.extensions import db
from tests.conftest import Client, csrf_token, post_form, text_of
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import EMAILS, ROLES, World, cloned_world, describe, signed_in

HOSTILE = {
    "nul": "before\x00after",
    "long": "x" * 100_001,  # longer than any field may be
    "number": "9" * 40,  # more than any column holds (64-bit, or 32-bit pence on PostgreSQL)
}
TEXT_TYPES = {"text", "email", "url", "password", "search", "tel", "number", "date", "textarea"}
# Stripe's webhook reads signed JSON, not a form; its signature is checked before anything else.
NOT_FORMS = {"stripe_webhook"}
# Pages the matrix opens without the query a person's link adds, and the forms they then show.
EXTRA_PAGES = [
    ("member", lambda w: f"/proposals/new/{w.open_round}?group={w.member_group}"),
    *[("conflicted_panel", lambda w, i=i: f"/vote/{w.ballot_kind_rounds[i]}") for i in range(3)],
]
# Ballots filled in as a person would, then sent to reach the check page ("Check your ballot") and
# its form, which carries the choices to the cast: every ballot kind's check page is fuzzed too.
CHECK_PAGES = [("conflicted_panel", lambda w: w.voting_round), *[
    ("conflicted_panel", lambda w, i=i: w.ballot_kind_rounds[i]) for i in range(3)
]]
# POST routes no demo role can reach with a form here, and why. The test fails if one becomes reachable.
UNREACHABLE = {
    "money.pay_online": "needs Stripe keys (without them the funder is sent to record a transfer)",
    "money.payee_connect": "needs Stripe keys (a 404 without them)",
    "panels.accept": "needs a fresh invitation token (a bad one is a 404)",
    "rounds.answer_invitation": "the demo's table invitation is to an address with no account yet; a button",
    "ops.resend_email": "administrators only (no demo role is one); a button",
    "ops.retry_job": "administrators only (no demo role is one); a button",
}


@dataclass
class Form:
    """A form as a page showed it: where it posts, its fields, and who saw it."""

    action: str
    role: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, value sent)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _kind, _value in self.fields if name != "csrf_token"))

    def kind(self, name: str) -> str:
        return next(kind for n, kind, _v in self.fields if n == name)

    def body(self, target: str | None = None, value: str = "") -> MultiDict:
        data = MultiDict()
        for name, _kind, sent in self.fields:
            if name == "csrf_token":
                continue
            if name == target:
                if target not in data:
                    data.add(name, value)
                continue
            if sent is not None:
                data.add(name, sent)
        if target is not None and target not in data:
            data.add(target, value)
        return data


class _Forms(HTMLParser):
    """Every `<form method="post">` on a page, with what a browser would send."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: list | None = None
        self._select: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(action=a.get("action") or self.page, role="")
            return
        form = self._form
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in a:
                self._select[1] = value
            return
        if form is None or "name" not in a or "disabled" in a:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset", "file"):
                if kind == "submit":
                    self._button(name, a.get("value", ""))
                return
            sent = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio") and "checked" not in a:
                sent = None
            if "inputmode" in a and a["inputmode"] in ("numeric", "decimal"):
                kind = "number"
            form.fields.append((name, kind, sent))
        elif tag == "textarea":
            self._textarea = [name, ""]
        elif tag == "select":
            self._select = [name, None, None]
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button(name, a.get("value", ""))

    def _button(self, name: str, value: str) -> None:
        # Pressing Enter sends the first named submit button: it is a field like the others.
        if self._form is not None and not any(kind == "button" for _n, kind, _v in self._form.fields):
            self._form.fields.append((name, "button", value))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "textarea", self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, chosen, first = self._select
            self._form.fields.append((name, "select", chosen if chosen is not None else (first or "")))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _world(app: Flask) -> World:
    from grants.auth.services import find_person_by_email, make_reset_token

    world = describe(app)
    world.extra_token = "not-a-real-token"  # type: ignore[attr-defined]
    world.reset_token = make_reset_token(find_person_by_email(EMAILS["member"]))  # type: ignore[attr-defined]
    db.session.rollback()
    return world


def _signed_in(app: Flask, role: str) -> Client:
    app.test_client_class = Client
    client = app.test_client()
    if role != "anonymous":
        response = post_form(client, "/login", {"email": EMAILS[role], "password": "our-tables-demo"})
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def _filled_in(form: Form, html: str) -> MultiDict:
    """A ballot as a person fills it in: the first proposal ticked, points within the cap, every
    score a 2 with a comment, places 1, 2, ... in order."""
    data, places = MultiDict(), 0
    for name, kind, sent in form.fields:
        if name == "csrf_token" or kind == "button":
            continue
        if name == "proposal":
            if "proposal" not in data:  # an unticked box sends nothing: tick the first one on the page
                data.add(name, re.search(r'name="proposal"[^>]*value="(\d+)"', html).group(1))
        elif name.startswith("points-"):
            given = sum(int(v) for k, v in data.items() if k.startswith("points-"))
            data.add(name, str(min(6, 10 - given)))
        elif name.startswith("score-"):
            data.add(name, "2")
        elif name.startswith("comment-"):
            data.add(name, "Clear and well costed.")
        elif name.startswith("rank-"):
            places += 1
            data.add(name, str(places))
        elif sent is not None:
            data.add(name, sent)
    return data


def _check_page(client: Client, page: str):  # noqa: ANN202
    """The ballot's check page, reached by sending the ballot filled in."""
    parser, html = _Forms(page), client.get(page).get_data(as_text=True)
    parser.feed(html)
    ballot = next(f for f in parser.forms if urlsplit(f.action).path == page)
    data = _filled_in(ballot, html)
    data["csrf_token"] = csrf_token(client, page)
    response = client.post(page, data=data)
    shown = response.get_data(as_text=True)
    assert response.status_code == 200 and "/cast" in shown, (page, text_of(response)[:900])
    return page, response


def _crawl(app: Flask) -> dict[str, list[Form]]:
    """endpoint -> the distinct forms that post to it, from every page each role may open."""
    world = _world(app)
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[Form]] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for role in ROLES:
        client = _signed_in(app, role)
        world.current_role = role
        pages = [page(world) for who, page in EXTRA_PAGES if who == role]
        for endpoint, cases in sorted(MATRIX.items()):
            for item in cases:
                if item.method == "GET" and role in item.allow:
                    with app.test_request_context():
                        pages.append(url_for(endpoint, **item.args(world)))
        responses = [(page, client.get(page)) for page in pages]
        responses += [_check_page(client, f"/vote/{slug(world)}") for who, slug in CHECK_PAGES if who == role]
        for page, response in responses:
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            parser = _Forms(page)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                path = urlsplit(form.action).path
                try:
                    target, _args = adapter.match(path, method="POST")
                except HTTPException:
                    continue
                key = (path, tuple(sorted(form.names)))
                if key in seen:
                    continue
                seen.add(key)
                form.role = role
                found.setdefault(target, []).append(form)
    return found


@pytest.fixture(scope="module")
def crawled(world_template, tmp_path_factory) -> dict[str, list[Form]]:  # noqa: ANN001
    """The forms of the whole site, read once per database from a copy of the world."""
    with cloned_world(world_template, tmp_path_factory.mktemp("crawl")) as app, app.app_context():
        return _crawl(app)


def _post_endpoints() -> list[str]:
    from config import TestConfig
    from grants import create_app

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods} - NOT_FORMS)


ENDPOINTS = _post_endpoints()


def _matrix_forms(app: Flask, world: World, endpoint: str) -> list[Form]:
    """The matrix's POST cases as forms: their data are the fields (routes no page links to a form for)."""
    forms = []
    for item in MATRIX.get(endpoint, []):
        if item.method != "POST" or not item.allow:
            continue
        role = sorted(item.allow)[0]
        world.current_role = role
        with app.test_request_context():
            url = url_for(endpoint, **item.args(world))
        data = item.data(world)
        forms.append(Form(action=url, role=role, fields=[(k, "text", str(v)) for k, v in data.items()]))
    return forms


class Writes:
    """Every row added to or removed from any of the world's tables, noted as it happens.

    A trigger on each table (after INSERT or DELETE, for each row) notes the table and the
    operation in a table of its own, in the same transaction as the write: a write that is
    rolled back leaves no note, one that is committed leaves one for each row. So "no table
    gained or lost a row" is one read of the notes since the last look, instead of counting
    every table's rows after each post (80 counts, most of this test's time on PostgreSQL),
    and a row written and then deleted by the same post is caught too. The triggers are the
    test's own: on PostgreSQL, whose world database the next test reuses, they are dropped
    with their schema at the end."""

    SCHEMA = "ot_hostile_writes"

    def __init__(self) -> None:
        self.seen = 0

    def __enter__(self) -> Writes:
        tables = [t.name for t in db.metadata.sorted_tables]
        if db.engine.dialect.name == "postgresql":
            steps = [
                f'DROP SCHEMA IF EXISTS "{self.SCHEMA}" CASCADE',  # left by a run stopped half-way
                f'CREATE SCHEMA "{self.SCHEMA}"',
                f'CREATE TABLE "{self.SCHEMA}".notes (id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL)',
                f'CREATE FUNCTION "{self.SCHEMA}".note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
                f'INSERT INTO "{self.SCHEMA}".notes (tbl, op) VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$',
                *[
                    f'CREATE TRIGGER ot_hostile_note AFTER INSERT OR DELETE ON public."{t}" '
                    f'FOR EACH ROW EXECUTE FUNCTION "{self.SCHEMA}".note()'
                    for t in tables
                ],
            ]
            self.notes = f'"{self.SCHEMA}".notes'
        else:
            steps = ["CREATE TABLE ot_hostile_notes (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL)"]
            steps += [
                f'CREATE TRIGGER "ot_hostile_{op}_{t}" AFTER {op} ON "{t}" '
                f"BEGIN INSERT INTO ot_hostile_notes (tbl, op) VALUES ('{t}', '{op}'); END"
                for t in tables
                for op in ("INSERT", "DELETE")
            ]
            self.notes = "ot_hostile_notes"
        db.session.rollback()
        with db.engine.begin() as conn:
            for step in steps:
                conn.exec_driver_sql(step)
        return self

    def __exit__(self, *exc: object) -> None:
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{self.SCHEMA}" CASCADE')  # the triggers go with their function

    def since_last_look(self) -> dict[str, int]:
        """{"INSERT table": rows, "DELETE table": rows} written since the last look (committed ones)."""
        db.session.rollback()
        rows = db.session.execute(text(f"SELECT id, op, tbl FROM {self.notes} WHERE id > :seen"), {"seen": self.seen})
        found: dict[str, int] = {}
        for id_, op, table in rows:
            self.seen = max(self.seen, id_)
            found[f"{op} {table}"] = found.get(f"{op} {table}", 0) + 1
        db.session.rollback()
        return found


def _refused_with_a_message(client: Client, response) -> bool:  # noqa: ANN001
    status = response.status_code
    if 400 <= status < 500:
        return True
    if status in (301, 302, 303, 307, 308):
        with client.session_transaction() as sess:
            return any(category == "error" for category, _ in sess.get("_flashes", []))
    html = response.get_data(as_text=True)
    return status == 200 and ("error-message" in html or "error-summary" in html)


def test_every_form_route_is_reached(crawled: dict[str, list[Form]]) -> None:
    """Each POST route has a form on some page, a POST case in the matrix, or is a button alone."""
    unreached = [
        endpoint
        for endpoint in ENDPOINTS
        if endpoint not in crawled and not any(c.method == "POST" and c.allow for c in MATRIX.get(endpoint, []))
    ]
    assert set(unreached) == set(UNREACHABLE), f"no page shows a form and the matrix has no POST case: {unreached}"
    assert sum(len(forms) for forms in crawled.values()) >= 60
    # Every ballot kind's check page (approval, points, scores, ranks) carries its own fields to the cast.
    assert len(crawled.get("ballots.cast", [])) >= 4, [f.names for f in crawled.get("ballots.cast", [])]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_hostile_input_gives_a_500_or_writes(
    world_app: Flask, crawled: dict[str, list[Form]], endpoint: str
) -> None:
    """Every field of every form that posts here, with each hostile value: refused, nothing written."""
    world = _world(world_app)
    forms = [f for f in crawled.get(endpoint, []) + _matrix_forms(world_app, world, endpoint) if f.names]
    if not forms:
        pytest.skip("no field a person fills in: a button (reached: see test_every_form_route_is_reached)")
    wrong = []
    used: set[str] = set()  # roles that already posted here: what they sent may have ended their sessions
    with Writes() as writes:
        for form in forms:
            client, token = signed_in(world_app, form.role, again=form.role in used)
            used.add(form.role)
            wrong += _post_each_hostile_value(client, token, form, writes)
    assert not wrong, "\n".join(wrong)


def _post_each_hostile_value(client: Client, token: str, form: Form, writes: Writes) -> list[str]:
    """Each field of `form` with each hostile value: what went wrong."""
    wrong = []
    writes.since_last_look()  # signing in writes (a session generation, an audit line): not the form's doing
    for name in form.names:
        kind = form.kind(name)
        for label, value in HOSTILE.items():
            data = form.body(name, value)
            data["csrf_token"] = token
            what = f"{form.action} {name} ({kind}) <- {label} as {form.role}"
            try:
                response = client.post(form.action, data=data)
            except Exception as exc:  # noqa: BLE001 - the testing app raises what would be a 500
                db.session.rollback()
                wrong.append(f"{what}: server error {type(exc).__name__}: {str(exc)[:160]}")
                writes.since_last_look()
                continue
            what += f": {response.status_code}"
            if response.status_code >= 500:
                wrong.append(f"{what}: server error")
                continue
            strict = (
                label == "nul"
                or (label == "long" and kind in TEXT_TYPES)
                or (label == "number" and kind == "number")
            )
            if strict and not _refused_with_a_message(client, response):
                wrong.append(f"{what}: not refused with a message")
            written = writes.since_last_look()
            if strict and written:
                wrong.append(f"{what}: rows written {written}")
    return wrong


def _form_classes() -> list[type]:
    import importlib
    import pkgutil

    from wtforms import Form as BaseForm

    import grants

    for module in pkgutil.walk_packages(grants.__path__, "grants."):
        if not module.name.startswith("grants.tally"):
            importlib.import_module(module.name)
    found, todo = [], [BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("grants."):
                found.append(sub)
    return found


def test_every_text_and_number_field_has_a_limit() -> None:
    """Each text field of each form says how long it may be; each number field, its range."""
    from wtforms import DecimalField, IntegerField, StringField
    from wtforms.fields.core import UnboundField
    from wtforms.validators import Length, NumberRange

    from grants.fields import MoneyField

    classes = _form_classes()
    assert len(classes) >= 40
    missing = []
    for cls in classes:
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            kind, validators = unbound.field_class, unbound.kwargs.get("validators") or []
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if issubclass(kind, StringField) and not issubclass(kind, MoneyField):
                if not any(isinstance(v, Length) and v.max and v.max > 0 for v in validators):
                    missing.append(f"{where}: no Length(max=...)")
            if issubclass(kind, IntegerField | DecimalField):
                if not any(isinstance(v, NumberRange) and v.min is not None and v.max is not None for v in validators):
                    missing.append(f"{where}: no NumberRange(min, max)")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "cass\x00@example.org", "password": "correct horse battery"}),
        ("/signup", {"display_name": "Cass\x00", "email": "cass@example.org", "password": "correct horse battery"}),
        ("/password-reset", {"email": "cass@example.org\x1b"}),
    ],
)
def test_a_control_character_is_refused_before_any_view(client, path: str, data: dict) -> None:
    """The public forms that gave a 500 on PostgreSQL: a 400 that says why, and no account made."""
    from grants.models import Person

    before = db.session.execute(select(func.count(Person.id))).scalar_one()
    response = post_form(client, path, data)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.execute(select(func.count(Person.id))).scalar_one() == before


def test_a_control_character_in_an_address_or_query_is_refused(client) -> None:
    assert client.get("/tables/a%00b").status_code == 400
    response = client.get("/api/v1/proposals?round=a%00b")
    assert response.status_code == 400
    assert "control character" in response.get_json()["reason"]
    assert client.get("/?q=%7F").status_code == 400


def test_tabs_and_line_breaks_are_ordinary_text(client) -> None:
    from grants.inputs import has_control

    assert not has_control("Line one\r\nLine two\tand a tab, £5, café, 日本")
    assert all(has_control(c) for c in ("\x00", "\x07", "\x1b", "\x7f", "\x85"))


def test_a_money_field_refuses_more_than_the_columns_hold(app) -> None:
    from flask_wtf import FlaskForm

    from grants.fields import MoneyField

    class AmountForm(FlaskForm):
        amount = MoneyField("Amount")

    for typed, ok in (("10000000", True), ("10000000.01", False), ("99999999999999999999", False)):
        with app.test_request_context(method="POST", data={"amount": typed}):
            form = AmountForm(meta={"csrf": False})
            assert form.validate() is ok, typed
            if not ok:
                assert form.amount.errors == ["Enter an amount of £10,000,000 or less"]


# Past what an id column holds: past PostgreSQL's 32-bit ids, past SQLite's 64-bit integers (which
# its driver cannot even send), and far past both.
OVERSIZED_IDS = (2**31, 2**63, 10**20)


def test_an_id_too_large_for_any_column_is_a_404(world_app: Flask) -> None:
    """Every route with a number in its address, as a role allowed there, with that number too large
    for an id: a 404 (as for an id that names nothing), never a 500, on GET and on POST."""
    from werkzeug.routing.converters import IntegerConverter

    world = _world(world_app)
    tried, wrong = 0, []
    for rule in world_app.url_map.iter_rules():
        numbers = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        cases = [c for c in MATRIX.get(rule.endpoint, []) if c.allow]
        if not numbers or not cases:
            continue
        item = cases[0]
        role = sorted(item.allow)[0]
        world.current_role = role  # type: ignore[attr-defined]
        client, token = signed_in(world_app, role)
        for name in numbers:
            for number in OVERSIZED_IDS:
                with world_app.test_request_context():
                    url = url_for(rule.endpoint, **{**item.args(world), name: number})
                for method in sorted(rule.methods & {"GET", "POST"}):
                    try:
                        response = client.open(url, method=method, data={"csrf_token": token})
                    except Exception as exc:  # noqa: BLE001 - the testing app raises what would be a 500
                        db.session.rollback()
                        wrong.append(f"{method} {url} as {role}: {type(exc).__name__}: {str(exc)[:120]}")
                        continue
                    tried += 1
                    if response.status_code != 404:
                        wrong.append(f"{method} {url} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert tried >= 100, tried


def test_a_number_too_large_for_an_id_in_the_ledgers_query_is_a_404(client) -> None:
    """The public ledger's filters and page number: a 404, not a 500 from the database."""
    for name in ("round", "group", "funder", "page"):
        for number in OVERSIZED_IDS:
            assert client.get(f"/ledger?{name}={number}").status_code == 404, (name, number)
    assert client.get("/ledger?round=1&page=2").status_code == 200


def test_a_digit_that_is_not_a_number_in_a_ballots_change_button_is_ignored(world_app: Flask) -> None:
    """"²" passes `str.isdigit` but not `int()`: sent as the ballot's "Change" value, the paper
    is shown again (the focus nowhere in particular), not a 500."""
    world = _world(world_app)
    client, token = signed_in(world_app, "conflicted_panel")
    response = client.post(f"/vote/{world.voting_round}", data={"csrf_token": token, "change": "²"})
    assert response.status_code == 200


def test_an_id_a_column_holds_still_reaches_its_page(app) -> None:
    """The largest id a column holds is still a number the routes take; one more is not."""
    from werkzeug.exceptions import NotFound

    from grants.inputs import MAX_ID

    adapter = app.url_map.bind("localhost")
    with app.test_request_context():
        assert adapter.match(url_for("public.upload", upload_id=MAX_ID)) == ("public.upload", {"upload_id": MAX_ID})
        with pytest.raises(NotFound):
            adapter.match(url_for("public.upload", upload_id=MAX_ID + 1))
