"""texts in more than one language

A table can be run in more than one language, and a group can write its bid in more than one:
each row's own text columns are in `language` (English for everything already there), and each
further language is one row of round_texts / proposal_texts, keyed by (owner, language).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite, which other tables' foreign keys would refuse).
    op.add_column('rounds', sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    op.add_column('proposals', sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    op.create_table(
        'round_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('who_may_apply', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_texts_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_texts')),
        sa.UniqueConstraint('round_id', 'language', name=op.f('uq_round_texts_round_id_language')),
    )
    op.create_index(op.f('ix_round_texts_round_id'), 'round_texts', ['round_id'], unique=False)
    op.create_table(
        'proposal_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('activities', sa.Text(), nullable=False),
        sa.Column('beneficiaries', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_texts_proposal_id_proposals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_texts')),
        sa.UniqueConstraint('proposal_id', 'language', name=op.f('uq_proposal_texts_proposal_id_language')),
    )
    op.create_index(op.f('ix_proposal_texts_proposal_id'), 'proposal_texts', ['proposal_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_proposal_texts_proposal_id'), table_name='proposal_texts')
    op.drop_table('proposal_texts')
    op.drop_index(op.f('ix_round_texts_round_id'), table_name='round_texts')
    op.drop_table('round_texts')
    op.drop_column('proposals', 'language')
    op.drop_column('rounds', 'language')
