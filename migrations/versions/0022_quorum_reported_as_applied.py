"""quorum reported as applied; a missing consensus confirmation needs a reason

Each result keeps every part of the quorum rule as it was applied at the count (what it
needed, what was found, met or not), so the public page reports all of them, not one
number. Results counted before this have none, and their page says only met or not met.
A consensus record counts only when every member present confirmed it or the facilitator
recorded why a confirmation is missing (consensus_attendance.missing_reason).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quorum_parts', sa.JSON(), nullable=True))
    with op.batch_alter_table('consensus_attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('consensus_attendance', schema=None) as batch_op:
        batch_op.drop_column('missing_reason')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('quorum_parts')
