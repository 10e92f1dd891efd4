"""rule change words

Each published change to a table's rules or timetable keeps, beside its English field name, values
and reason, the parts they were made from (grants/language/records.py), so the table's page and
the panel's "how we work" show the change in the reader's language. Changes made before have none
and are shown as written.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 03:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: no table copy on SQLite.
    op.add_column('rule_changes', sa.Column('words', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('rule_changes', 'words')
