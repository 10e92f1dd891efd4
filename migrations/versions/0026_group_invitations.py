"""group invitations

Adding someone to a group makes an invitation to their e-mail address, which only an account
with that address can accept; a lead sees the same waiting row whether or not the address has
an account. Existing memberships stay as they are.

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-06 12:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'group_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.Enum('lead', 'treasurer', 'member', name='grouprole', native_enum=False, length=24), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_invitations_group_id_groups')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['people.id'], name=op.f('fk_group_invitations_invited_by_id_people')),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['people.id'], name=op.f('fk_group_invitations_accepted_by_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_invitations')),
    )
    with op.batch_alter_table('group_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_invitations_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_invitations_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('group_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_invitations_email'))
        batch_op.drop_index(batch_op.f('ix_group_invitations_group_id'))
    op.drop_table('group_invitations')
