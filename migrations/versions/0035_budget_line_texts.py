"""budget line texts

A group that writes its bid in more than one language may write each budget line's item in each
of them: `budget_lines.item` stays in the bid's own language, and each further language is one row
of budget_line_texts keyed by (line, language), as proposal_texts is for the bid's texts.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'budget_line_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('budget_line_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['budget_line_id'], ['budget_lines.id'],
                                name=op.f('fk_budget_line_texts_budget_line_id_budget_lines'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line_texts')),
        sa.UniqueConstraint('budget_line_id', 'language', name=op.f('uq_budget_line_texts_budget_line_id_language')),
    )
    op.create_index(op.f('ix_budget_line_texts_budget_line_id'), 'budget_line_texts', ['budget_line_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_budget_line_texts_budget_line_id'), table_name='budget_line_texts')
    op.drop_table('budget_line_texts')
