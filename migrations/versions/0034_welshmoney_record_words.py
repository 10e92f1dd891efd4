"""record words

Each ledger line keeps, beside its English description, the parts the sentence was made from
(an N_-marked English message and its values), so that pages put it into their reader's words
(grants/language/records.py). Lines written before have none and are shown as written. Audit
entries keep theirs inside `details`, under the chain's seal, so they need no column.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: no table copy on SQLite (the append-only triggers stay as they are).
    op.add_column('ledger_entry_groups', sa.Column('words', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('ledger_entry_groups', 'words')
