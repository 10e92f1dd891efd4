"""pb imports

A large Pabulib file is read by the worker, not during the request (issue 16): it waits in
`pb_imports` until then, and the person who sent it reloads a page that shows the outcome.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pb_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('accept_warnings', sa.Boolean(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('warnings', sa.JSON(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pb_imports_person_id_people'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_pb_imports_round_id_rounds'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pb_imports')),
    )
    op.create_index(op.f('ix_pb_imports_person_id'), 'pb_imports', ['person_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pb_imports_person_id'), table_name='pb_imports')
    op.drop_table('pb_imports')
