"""who may act on a table's money; the ledger append-only everywhere

SQLite gets the append-only triggers PostgreSQL has had since 0002 (and 0006), and
PostgreSQL checks at commit that every ledger entry group sums to zero.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 08:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entries", "ledger_entries", "ledger_entry_groups", "interest_history")

SUMS_TO_ZERO = """
    CREATE OR REPLACE FUNCTION ledger_group_sums_to_zero() RETURNS trigger AS $$
    DECLARE
        total bigint;
    BEGIN
        SELECT COALESCE(SUM(amount_pence), 0) INTO total FROM ledger_entries WHERE entry_group_id = NEW.entry_group_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'ledger entry group % does not sum to zero (it sums to %)', NEW.entry_group_id, total
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
"""


def _append_only_triggers():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )
    elif dialect == "postgresql":
        op.execute(SUMS_TO_ZERO)
        op.execute(
            "CREATE CONSTRAINT TRIGGER ledger_entries_sum_to_zero AFTER INSERT ON ledger_entries "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_group_sums_to_zero()"
        )


def _drop_append_only_triggers():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{verb}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_sum_to_zero ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_group_sums_to_zero()")


TRANCHE_FKS = (
    ('acting_for_funder_id', 'funders'),
    ('approved_by_id', 'people'),
    ('held_by_funder_id', 'funders'),
)


def upgrade():
    op.create_table('table_funders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('funder_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'offered', 'accepted', 'declined', name='tablefunderstatus', native_enum=False, length=24), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['people.id'], name=op.f('fk_table_funders_asked_by_id_people')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_table_funders_decided_by_id_people')),
    sa.ForeignKeyConstraint(['funder_id'], ['funders.id'], name=op.f('fk_table_funders_funder_id_funders')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_table_funders_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_table_funders')),
    sa.UniqueConstraint('round_id', 'funder_id', name=op.f('uq_table_funders_round_id_funder_id'))
    )
    with op.batch_alter_table('table_funders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_table_funders_funder_id'), ['funder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_table_funders_round_id'), ['round_id'], unique=False)
    op.create_table('table_money_rules',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('second_person_above_pence', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_table_money_rules_changed_by_id_people')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_table_money_rules_round_id_rounds')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_table_money_rules'))
    )
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_for_funder_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('needs_second_person', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_by_funder_id', sa.Integer(), nullable=True))
        for column, target in TRANCHE_FKS:
            batch_op.create_foreign_key(batch_op.f(f'fk_tranches_{column}_{target}'), target, [column], ['id'])
    # A funder that has already paid money into a table stays accepted (its money is in the pot);
    # one that only pledged becomes an offer the convenors decide on, like any new pledge.
    op.execute(
        "INSERT INTO table_funders (round_id, funder_id, status, asked_at) "
        "SELECT p.round_id, p.funder_id, CASE WHEN EXISTS (SELECT 1 FROM contributions c JOIN pledges q "
        "ON q.id = c.pledge_id WHERE q.round_id = p.round_id AND q.funder_id = p.funder_id) "
        "THEN 'accepted' ELSE 'offered' END, MIN(p.pledged_at) FROM pledges p GROUP BY p.round_id, p.funder_id"
    )
    _append_only_triggers()


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        for column, target in TRANCHE_FKS:
            batch_op.drop_constraint(batch_op.f(f'fk_tranches_{column}_{target}'), type_='foreignkey')
        for column in ('held_by_funder_id', 'approved_at', 'approved_by_id', 'needs_second_person',
                       'acting_for_funder_id'):
            batch_op.drop_column(column)
    op.drop_table('table_money_rules')
    with op.batch_alter_table('table_funders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_table_funders_round_id'))
        batch_op.drop_index(batch_op.f('ix_table_funders_funder_id'))
    op.drop_table('table_funders')
