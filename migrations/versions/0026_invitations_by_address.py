"""group and staff invitations

Adding someone to a group or to run a table makes an invitation to their e-mail address, which
only an account with that address can accept; whoever adds them sees the same waiting row
whether or not the address has an account. Existing memberships and staff stay as they are.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 12:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def _invitations(name, owner_column, owner_table, role_enum):
    op.create_table(
        name,
        sa.Column(owner_column, sa.Integer(), nullable=False),
        sa.Column('role', role_enum, nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint([owner_column], [f'{owner_table}.id'], name=op.f(f'fk_{name}_{owner_column}_{owner_table}')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['people.id'], name=op.f(f'fk_{name}_invited_by_id_people')),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['people.id'], name=op.f(f'fk_{name}_accepted_by_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_{owner_column}'), [owner_column], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{name}_email'), ['email'], unique=False)


def upgrade():
    _invitations('group_invitations', 'group_id', 'groups',
                 sa.Enum('lead', 'treasurer', 'member', name='grouprole', native_enum=False, length=24))
    _invitations('staff_invitations', 'round_id', 'rounds',
                 sa.Enum('convenor', 'treasurer', name='staffrole', native_enum=False, length=24))


def downgrade():
    for name, owner_column in (('staff_invitations', 'round_id'), ('group_invitations', 'group_id')):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_email'))
            batch_op.drop_index(batch_op.f(f'ix_{name}_{owner_column}'))
        op.drop_table(name)
