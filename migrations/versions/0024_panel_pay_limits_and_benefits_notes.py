"""panel pay limits and benefits notes

Issue 20. A person's own limit on what panel pay reaches them in a week or a month (private to
them; the reason encrypted at rest), and a table's own words about pay and benefits from its
convenor, shown under the site's note. Two new tables: nothing existing changes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel_pay_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('week', 'month', name='limitperiod', native_enum=False, length=24), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('over', sa.Enum('later', 'donate', 'decline', name='overlimit', native_enum=False, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_panel_pay_limits_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_pay_limits')),
    sa.UniqueConstraint('person_id', name=op.f('uq_panel_pay_limits_person_id'))
    )
    op.create_table('panel_benefits_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_panel_benefits_notes_round_id_rounds')),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_panel_benefits_notes_set_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_benefits_notes')),
    sa.UniqueConstraint('round_id', name=op.f('uq_panel_benefits_notes_round_id'))
    )


def downgrade():
    op.drop_table('panel_benefits_notes')
    op.drop_table('panel_pay_limits')
