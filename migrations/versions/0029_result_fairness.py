"""result fairness

A counted result keeps how fair its outcome is, as the engine measured it at the count: the
voters' satisfaction (share with a funded proposal they backed, average, Gini) and the
proportionality checks (EJR up to one project, PJR). Results counted before have none.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-06 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite, which other tables' foreign keys would refuse).
    op.add_column('results', sa.Column('fairness', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('results', 'fairness')
