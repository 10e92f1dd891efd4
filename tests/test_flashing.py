"""The shared shape of form views: a valid form runs one use case; a refusal shows on a field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from werkzeug.exceptions import Forbidden
from wtforms import StringField
from wtforms.validators import DataRequired

from grants.core import DomainError, NotAllowed
from grants.flashing import Done, submitted


class NamedRefusal(DomainError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class FileRefused(DomainError):
    pass


class PetForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired()])
    photo = StringField("Photo")
    note = StringField("Note")


@pytest.fixture
def app() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="flashing-test", WTF_CSRF_ENABLED=False)
    yield app


def _post(app: Flask, **data: str):  # noqa: ANN202
    return app.test_request_context("/", method="POST", data=data)


def _refuse(exc: DomainError):  # noqa: ANN202
    def action() -> None:
        raise exc

    return action


def test_an_invalid_form_runs_nothing(app: Flask):
    ran = []
    with _post(app, name=""):
        form = PetForm()
        assert submitted(form, lambda: ran.append(1), field="name", success="Saved.") is None
        assert ran == []
        assert form.name.errors
        assert get_flashed_messages() == []


def test_a_form_not_sent_runs_nothing(app: Flask):
    with app.test_request_context("/"):
        form = PetForm()
        assert submitted(form, lambda: pytest.fail("ran"), field="name") is None
        assert form.errors == {}


def test_success_flashes_and_gives_what_the_use_case_returned(app: Flask):
    with _post(app, name="Biscuit"):
        done = submitted(PetForm(), lambda: None, field="name", success="Saved.")
        assert done == Done(None)
        assert done  # true even though the use case returned None
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
    with _post(app, name="Biscuit"):
        assert submitted(PetForm(), lambda: 42, field="name") == Done(42)
        assert get_flashed_messages() == []


def test_a_refusal_shows_on_the_fallback_field(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        assert submitted(form, _refuse(DomainError("No room.")), field="note", success="Saved.") is None
        assert form.errors == {"note": ["No room."]}
        assert get_flashed_messages() == []


def test_a_refusal_shows_on_the_field_it_names(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        submitted(form, _refuse(NamedRefusal("Too long.", "name")), field="note")
        assert form.errors == {"name": ["Too long."]}


def test_a_refusal_naming_a_field_the_form_lacks_shows_on_the_fallback(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        submitted(form, _refuse(NamedRefusal("Too long.", "colour")), field="note")
        assert form.errors == {"note": ["Too long."]}


def test_a_kind_of_refusal_can_have_its_own_field(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        submitted(form, _refuse(FileRefused("Too big.")), field="note", field_for={FileRefused: "photo"})
        assert form.errors == {"photo": ["Too big."]}


def test_not_allowed_shows_on_the_field_unless_asked_to_be_a_403(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        assert submitted(form, _refuse(NotAllowed("Not yours.")), field="note") is None
        assert form.errors == {"note": ["Not yours."]}
    with _post(app, name="Biscuit"), pytest.raises(Forbidden):
        submitted(PetForm(), _refuse(NotAllowed("Not yours.")), field="note", not_allowed_is_403=True)


def test_other_refusals_still_show_on_a_field_when_not_allowed_is_a_403(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()
        submitted(form, _refuse(DomainError("No room.")), field="note", not_allowed_is_403=True)
        assert form.errors == {"note": ["No room."]}


def test_errors_still_a_tuple_get_the_message_too(app: Flask):
    with _post(app, name="Biscuit"):
        form = PetForm()

        def refuse_before_the_note_is_validated() -> None:
            form.note.errors = ()
            raise DomainError("No room.")

        submitted(form, refuse_before_the_note_is_validated, field="note")
        assert form.note.errors == ["No room."]


def test_anything_but_a_refusal_is_not_caught(app: Flask):
    with _post(app, name="Biscuit"), pytest.raises(ZeroDivisionError):
        submitted(PetForm(), lambda: 1 / 0, field="note", success="Saved.")
