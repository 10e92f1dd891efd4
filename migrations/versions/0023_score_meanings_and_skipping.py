"""score meanings and skipping

A table using a score ballot writes what each score means (shown on the ballot beside each
number), and says whether a panel member may skip a proposal they have too little information
to score. Existing tables keep their rules: no meanings written (the ballot shows plain
defaults) and no skipping.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite, which other tables' foreign keys would refuse).
    op.add_column('rounds', sa.Column('score_meanings', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column('rounds', sa.Column('score_skip_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35 or newer), again without copying the table.
    op.drop_column('rounds', 'score_skip_allowed')
    op.drop_column('rounds', 'score_meanings')
