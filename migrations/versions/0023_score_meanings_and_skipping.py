"""score meanings and skipping

A table using a score ballot writes what each score means (shown on the ballot beside each
number), and says whether a panel member may skip a proposal they have too little information
to score. Existing tables keep their rules: no meanings written (the ballot shows plain
defaults) and no skipping.

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-06 08:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds') as batch:
        batch.add_column(sa.Column('score_meanings', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column('score_skip_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('rounds') as batch:
        batch.drop_column('score_skip_allowed')
        batch.drop_column('score_meanings')
