"""case rollups: first-assignment time and daily rollups for /casos on national data

``citizen_case.assigned_at`` (the first ``asignado`` status) gives the response time without
reading the history; the three ``case_*_day`` tables hold per-day counts and a duration
histogram (see ``data.rollups``), filled here from the existing cases; the resolved_at
indexes gain ``category`` so SLA lateness per category is answered from the index alone; two
partial indexes list the oldest open cases in order.

Revision ID: 0004_case_rollups
Revises: 0003_perf
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data.types

revision = "0004_case_rollups"
down_revision = "0003_perf"
branch_labels = None
depends_on = None

OPEN_CASE_PREDICATE = "resolved_at IS NULL AND status <> 'rechazado'"
# the oldest open cases in order, nationally and per estado
OPEN_ORDER_INDEXES = {
    "ix_case_open_reported": ["reported_at", "id"],
    "ix_case_open_estado_reported": ["estado_code", "reported_at", "id"],
}



def _key() -> list[sa.Column]:
    """Fresh key columns (a Column belongs to one table)."""
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("citizen_case", sa.Column("assigned_at", data.types.UTCDateTime(), nullable=True))
    first_assigned = (
        "SELECT case_id, MIN(at) AS at FROM case_event WHERE status = 'asignado' GROUP BY case_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE citizen_case SET assigned_at = e.at FROM ({first_assigned}) AS e "
            "WHERE citizen_case.id = e.case_id"
        )
    else:
        op.execute(
            "UPDATE citizen_case SET assigned_at = (SELECT MIN(at) FROM case_event "
            "WHERE case_event.case_id = citizen_case.id AND status = 'asignado') "
            "WHERE id IN (SELECT case_id FROM case_event WHERE status = 'asignado')"
        )
    op.drop_index("ix_case_resolved_reported", table_name="citizen_case")
    op.drop_index("ix_case_estado_resolved_reported", table_name="citizen_case")
    op.create_index(
        "ix_case_resolved_reported", "citizen_case", ["resolved_at", "reported_at", "category"]
    )
    op.create_index(
        "ix_case_estado_resolved_reported",
        "citizen_case",
        ["estado_code", "resolved_at", "reported_at", "category"],
    )
    op.create_table(
        "case_reported_day",
        *_key(),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "estado_code", "category", "institution", "stage"),
    )
    op.create_table(
        "case_resolved_day",
        *_key(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "estado_code", "category", "institution"),
    )
    op.create_table(
        "case_duration_day",
        *_key(),
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure", "estado_code", "day", "category", "institution", "bucket"
        ),
    )
    for name, columns in OPEN_ORDER_INDEXES.items():
        op.create_index(
            name,
            "citizen_case",
            columns,
            postgresql_where=sa.text(OPEN_CASE_PREDICATE),
            sqlite_where=sa.text(OPEN_CASE_PREDICATE),
        )
    if op.get_bind().dialect.name == "postgresql":
        # room on each page, so the constant "n = n + 1" updates stay on it (HOT updates)
        # and a range of days stays a run of pages
        for table in ("case_reported_day", "case_resolved_day", "case_duration_day"):
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
    # the same code that keeps them current; minutes on national data, so it says how far
    from data.models import CaseDurationDay, CaseReportedDay, CaseResolvedDay
    from data.rollups import rebuild

    # the tables of this revision only (later rollups are filled by their own migration)
    day_tables = (CaseReportedDay, CaseResolvedDay, CaseDurationDay)
    rebuild(op.get_bind(), progress=True, models=day_tables)


def downgrade() -> None:
    for name in OPEN_ORDER_INDEXES:
        op.drop_index(name, table_name="citizen_case")
    op.drop_table("case_duration_day")
    op.drop_table("case_resolved_day")
    op.drop_table("case_reported_day")
    op.drop_index("ix_case_estado_resolved_reported", table_name="citizen_case")
    op.drop_index("ix_case_resolved_reported", table_name="citizen_case")
    op.create_index(
        "ix_case_estado_resolved_reported",
        "citizen_case",
        ["estado_code", "resolved_at", "reported_at"],
    )
    op.create_index("ix_case_resolved_reported", "citizen_case", ["resolved_at", "reported_at"])
    op.drop_column("citizen_case", "assigned_at")
