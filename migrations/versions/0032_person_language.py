"""person language

Each person may choose the language of their pages, e-mails and notifications (English or
Welsh); None until they choose, when the browser's own language decides. Each notification
keeps the language it was written in, so its e-mail is written in the same one.

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-06 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite, which other tables' foreign keys would refuse).
    op.add_column('people', sa.Column('language', sa.String(length=8), nullable=True))
    op.add_column('notifications', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('notifications', 'language')
    op.drop_column('people', 'language')
