"""report-due notices once per due date

A report-due notice's key now names the due date, so a group that chose a later date is told
again on that date. The notices already sent are given the key of the date their award is due
on now, so nobody is told twice about the same date.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 23:40:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD = re.compile(r"^report-due-award-(\d+):(person-\d+)$")
NEW = re.compile(r"^report-due-award-(\d+)-on-\d{4}-\d{2}-\d{2}:(person-\d+)$")

notifications = sa.table('notifications', sa.column('id', sa.Integer()), sa.column('key', sa.String()))
awards = sa.table('awards', sa.column('id', sa.Integer()), sa.column('report_due_on', sa.Date()))


def _rekey(pattern, make):
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notifications.c.id, notifications.c.key).where(notifications.c.key.like('report-due-award-%'))
    ).all()
    due = dict(bind.execute(sa.select(awards.c.id, awards.c.report_due_on)).all())
    for row_id, key in rows:
        found = pattern.match(key)
        if found:
            award_id, person = int(found.group(1)), found.group(2)
            bind.execute(
                notifications.update().where(notifications.c.id == row_id).values(key=make(award_id, due.get(award_id), person))
            )


def upgrade():
    def with_date(award_id, due_on, person):
        on = f"-on-{due_on.isoformat()}" if due_on else ""
        return f"report-due-award-{award_id}{on}:{person}"

    _rekey(OLD, with_date)


def downgrade():
    # Several dates' notices for one award keep only the first its old key can hold.
    seen = set()

    def without_date(award_id, _due_on, person):
        key = f"report-due-award-{award_id}:{person}"
        if key in seen:
            return None
        seen.add(key)
        return key

    _rekey(NEW, without_date)
