"""Bank details are encrypted at rest: the database holds tokens, the app reads plain text,
keys rotate, and a wrong key is refused rather than read as rubbish."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from grants.extensions import db
from grants.models import PayChoice, Payee, PayPreference
from grants.money.payouts import set_bank_details
from grants.panel_pay import services as panel_pay
from grants.secrets_at_rest import EXTENSION, DataKeyError, key_from_secret, keys_from_config, rekey
from tests import factories

PLAIN = ("Leeds Peer Circle", "123456", "12345678")


def _stored(table: str) -> tuple[str, str, str]:
    """What the database itself holds, read past the model."""
    row = db.session.execute(text(f"SELECT account_name, sort_code, account_number FROM {table}")).one()  # noqa: S608
    return tuple(row)


def _group_and_member_with_bank_details():  # noqa: ANN202
    lead = factories.person("Lena Lead")
    group = factories.group(lead)
    set_bank_details(person=lead, group_id=group.id, account_name=PLAIN[0], sort_code="12-34-56",
                     account_number=PLAIN[2])  # fmt: skip
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    member = factories.person("Mo Member")
    factories.seat(convenor, rnd.id, member)
    panel_pay.set_preference(person=member, round_id=rnd.id, choice=PayChoice.BANK, read_benefits_note=True,
                             account_name=PLAIN[0], sort_code=PLAIN[1], account_number=PLAIN[2])  # fmt: skip
    db.session.commit()
    return group


def test_the_database_holds_tokens_and_the_app_reads_the_details(app):
    _group_and_member_with_bank_details()
    for table, model in (("payees", Payee), ("panel_pay_preferences", PayPreference)):
        stored = _stored(table)
        assert all(value.startswith("gAAAA") for value in stored)  # Fernet tokens
        assert not any(plain in value for value in stored for plain in PLAIN)
        row = db.session.execute(db.select(model)).scalar_one()
        assert (row.account_name, row.sort_code, row.account_number) == PLAIN
    assert _stored("payees") != _stored("panel_pay_preferences")  # the same details, different tokens


def test_a_new_key_is_put_first_the_details_are_rekeyed_and_the_old_key_can_go(app):
    _group_and_member_with_bank_details()
    before = _stored("payees")
    old_key, new_key = key_from_secret(app.config["SECRET_KEY"]), Fernet.generate_key().decode()
    app.extensions[EXTENSION] = keys_from_config({"DATA_KEYS": f"{new_key}, {old_key}"})
    assert rekey() == 6
    db.session.expire_all()
    after = _stored("payees")
    assert after != before and Fernet(new_key).decrypt(after[1].encode()).decode() == PLAIN[1]
    app.extensions[EXTENSION] = keys_from_config({"DATA_KEYS": new_key})
    db.session.expire_all()
    assert db.session.execute(db.select(Payee.sort_code)).scalar_one() == PLAIN[1]


def test_details_under_a_key_that_is_not_configured_are_refused_not_misread(app):
    _group_and_member_with_bank_details()
    app.extensions[EXTENSION] = keys_from_config({"DATA_KEYS": Fernet.generate_key().decode()})
    db.session.expire_all()
    with pytest.raises(DataKeyError, match="cannot be read with the keys in DATA_KEYS"):
        db.session.execute(db.select(Payee.account_number)).scalar_one()


def test_keys_that_are_not_fernet_keys_are_refused_with_a_reason():
    with pytest.raises(DataKeyError, match="must be Fernet keys"):
        keys_from_config({"DATA_KEYS": "change-me"})
