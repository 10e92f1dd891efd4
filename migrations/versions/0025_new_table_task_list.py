"""new table task list

A new table is set up as a task list (issue 17): its draft is saved after each part, and
`rounds.setup_unfinished` lists the parts not yet answered, so each part's status ("Not
started", "In progress", "Completed") is known even where a draft holds a placeholder. Existing
tables were made in one go: nothing unfinished.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 11:55:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite, which other tables' foreign keys would refuse).
    op.add_column("rounds", sa.Column("setup_unfinished", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    op.drop_column("rounds", "setup_unfinished")
