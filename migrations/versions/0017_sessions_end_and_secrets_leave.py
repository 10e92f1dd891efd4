"""sessions end when people end them; no secret kept beside its hash

- people.session_epoch: moved on at sign-out, password reset and "sign out everywhere"; a
  session cookie carrying an older number is refused.
- notification_secrets: the one-time secret an unsent e-mail carries (reset token, invitation
  token, voting code), encrypted under DATA_KEYS, its row deleted once the e-mail is sent. The
  notification's body and link keep only a mark where it goes.
- Notifications already sent that hold such a secret in clear have it removed here.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:40:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SHOWN_INSTEAD = '(in the e-mail we sent)'
CODE = re.compile(r'(voting code is )[A-Z0-9-]{6,40}')


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'notification_secrets',
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['notification_id'],
            ['notifications.id'],
            name=op.f('fk_notification_secrets_notification_id_notifications'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_notification_secrets')),
    )

    # Scrub the secrets that sent e-mails left behind (unsent ones still need theirs).
    bind = op.get_bind()
    notes = sa.table(
        'notifications',
        sa.column('id', sa.Integer()),
        sa.column('event', sa.String()),
        sa.column('body', sa.Text()),
        sa.column('link', sa.String()),
        sa.column('email_state', sa.String()),
    )
    rows = bind.execute(
        sa.select(notes.c.id, notes.c.event, notes.c.body, notes.c.link).where(
            notes.c.event.in_(('password_reset', 'panel_invitation', 'voting_opened')),
            notes.c.email_state.notin_(('pending', 'sending')),
        )
    ).all()
    for row in rows:
        link = row.link
        if link and ('/password-reset/' in link or '/panel/join/' in link):
            link = None
        body = CODE.sub(lambda m: m.group(1) + SHOWN_INSTEAD, row.body or '')
        if (link, body) != (row.link, row.body):
            bind.execute(sa.update(notes).where(notes.c.id == row.id).values(link=link, body=body))


def downgrade():
    op.drop_table('notification_secrets')
    # Not in batch mode: on SQLite that would copy and drop `people`, which every table refers to.
    op.drop_column('people', 'session_epoch')
