"""ballots sealed to a count key; receipts a table's choice; the audit chain keyed

- `count_keys` and `sealed_envelopes`: ballots, paper batches and reflections are written
  sealed to a key whose private half lives in COUNT_KEY_FOLDER (grants/ballots/sealing.py).
  Ballots already stored in the clear stay as they are; votes still open seal from now on.
- `rounds.receipts_on` (default on, as before) and `ballots.receipt` may be empty.
- The audit chain is re-keyed from its first entry with HMAC-SHA256 under AUDIT_KEY
  (grants/audit/log.py): every stored hash is recomputed here, so set AUDIT_KEY before
  upgrading a production site. No head was published before this migration, so none is
  broken; the downgrade recomputes the plain SHA-256 chain.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'count_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('public_key', sa.LargeBinary(length=32), nullable=False),
        sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_count_keys_round_id_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_count_keys')),
    )
    with op.batch_alter_table('count_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_keys_round_id'), ['round_id'], unique=False)
    op.create_table(
        'sealed_envelopes',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('paper_batch_id', sa.Integer(), nullable=True),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['count_keys.id'], name=op.f('fk_sealed_envelopes_key_id_count_keys')),
        sa.ForeignKeyConstraint(['paper_batch_id'], ['paper_batches.id'],
                                name=op.f('fk_sealed_envelopes_paper_batch_id_paper_batches')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_envelopes')),
    )
    with op.batch_alter_table('sealed_envelopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_envelopes_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_envelopes_paper_batch_id'), ['paper_batch_id'], unique=False)
    # A plain ADD COLUMN (SQLite cannot copy `rounds` while other tables point at it).
    op.add_column('rounds', sa.Column('receipts_on', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('receipt', existing_type=sa.String(length=32), nullable=True)
    from grants.audit.log import rekey_chain

    rekey_chain(op.get_bind())


def downgrade():
    from grants.audit.log import rekey_chain

    rekey_chain(op.get_bind(), keyed=False)
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.alter_column('receipt', existing_type=sa.String(length=32), nullable=False)
    op.drop_column('rounds', 'receipts_on')
    with op.batch_alter_table('sealed_envelopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_envelopes_paper_batch_id'))
        batch_op.drop_index(batch_op.f('ix_sealed_envelopes_key_id'))
    op.drop_table('sealed_envelopes')
    with op.batch_alter_table('count_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_keys_round_id'))
    op.drop_table('count_keys')
