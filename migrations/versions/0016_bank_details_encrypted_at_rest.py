"""bank details encrypted at rest

Groups' and panel members' account names, sort codes and account numbers become Fernet tokens
under the keys in DATA_KEYS (grants/secrets_at_rest.py): the columns become text, and every
value already stored is encrypted here. Set DATA_KEYS before upgrading a production site.
Downgrading decrypts them again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 23:45:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ('payees', 'panel_pay_preferences')
LENGTHS = {'account_name': 120, 'sort_code': 8, 'account_number': 8}


def _keys():
    from grants.secrets_at_rest import keys_from_config

    return keys_from_config(current_app.config)


def _rewrite(change):
    bind = op.get_bind()
    for name in TABLES:
        raw = sa.table(name, sa.column('id', sa.Integer()), *(sa.column(c, sa.Text()) for c in LENGTHS))
        for row in bind.execute(sa.select(raw)).all():
            values = {c: change(getattr(row, c)) for c in LENGTHS if getattr(row, c) is not None}
            if values:
                bind.execute(raw.update().where(raw.c.id == row.id).values(**values))


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, length in LENGTHS.items():
                batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text(),
                                      existing_nullable=True)
    keys = _keys()
    _rewrite(lambda value: keys.encrypt(value.encode()).decode())


def downgrade():
    keys = _keys()
    _rewrite(lambda token: keys.decrypt(token.encode()).decode())
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, length in LENGTHS.items():
                batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length),
                                      existing_nullable=True)
