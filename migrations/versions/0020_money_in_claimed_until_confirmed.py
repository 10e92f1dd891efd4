"""money in claimed until confirmed

A bank transfer a funder records is claimed until the table's treasurer confirms it; only then
is it in the ledger (so a contribution's entry group may be empty). One reference per funder and
table (a unique claim key); the reason and entry group of a rejection or correction; and (a new table) the
most one pledge or transfer may be, per table. Every contribution already recorded is confirmed.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'status',
            sa.Enum('claimed', 'confirmed', 'rejected', 'reversed', name='contributionstatus', native_enum=False, length=24),
            nullable=False,
            server_default='confirmed',
        ))
        batch_op.add_column(sa.Column('claim_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('correction_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reversal_group_id', sa.Integer(), nullable=True))
        batch_op.alter_column('entry_group_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_contributions_claim_key'), ['claim_key'])
        batch_op.create_foreign_key(
            batch_op.f('fk_contributions_confirmed_by_id_people'), 'people', ['confirmed_by_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_contributions_reversal_group_id_ledger_entry_groups'),
            'ledger_entry_groups',
            ['reversal_group_id'],
            ['id'],
        )
    op.create_table('money_in_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_money_in_limits_round_id_rounds')),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_money_in_limits_set_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_in_limits')),
    sa.UniqueConstraint('round_id', name=op.f('uq_money_in_limits_round_id'))
    )


def downgrade():
    op.drop_table('money_in_limits')
    # Claims never confirmed were never money: they go, as the old schema cannot hold them.
    op.execute("DELETE FROM contributions WHERE entry_group_id IS NULL")
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contributions_reversal_group_id_ledger_entry_groups'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contributions_confirmed_by_id_people'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_contributions_claim_key'), type_='unique')
        batch_op.alter_column('entry_group_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('reversal_group_id')
        batch_op.drop_column('correction_reason')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('claim_key')
        batch_op.drop_column('status')
