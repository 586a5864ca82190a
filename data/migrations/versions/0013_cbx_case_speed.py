"""/casos on national data: weekly duration histogram, index-only range edges

``case_duration_week`` holds ``case_duration_day`` added up per Caracas week (Monday), so the
histogram read of a 30-day range takes four weeks and a few days instead of 30 days (~90,000
rows nationally). Filled here from the daily table (the same sums), kept current on every
write by ``data.rollups``.

``ix_case_open_category`` (category, estado, reported_at of the open cases) lets the national
open-case reads of /casos scan ~280 index pages instead of ix_case_open's ~520 (plus its
wide keys: six times fewer buffers in EXPLAIN).

On PostgreSQL the two time indexes of ``citizen_case`` carry the columns the raw edges of a
range read (category, estado, institution, stage, times), so those reads are index-only
instead of visiting a few thousand heap pages per edge.

Revision ID: 0013_cbx_case_speed
Revises: 0012_paz_incident_week
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_cbx_case_speed"
down_revision = "0012_paz_incident_week"
branch_labels = None
depends_on = None

REPORTED_COVER = ["estado_code", "category", "institution", "status", "resolved_at", "assigned_at"]
RESOLVED_COVER = ["institution", "estado_code"]
KEY = ("measure", "estado_code", "week", "category", "institution", "bucket")


# Rows of the partial open-case indexes (data.models.OPEN_CASE_PREDICATE, as 0004)
OPEN_CASE_PREDICATE = "resolved_at IS NULL AND status <> 'rechazado'"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_index(
        "ix_case_open_category",
        "citizen_case",
        ["category", "estado_code", "reported_at"],
        postgresql_where=sa.text(OPEN_CASE_PREDICATE),
        sqlite_where=sa.text(OPEN_CASE_PREDICATE),
    )
    op.create_table(
        "case_duration_week",
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    # the Monday of each day's week (isodow 1..7; SQLite: back six days, then the next Monday)
    monday = (
        "day - (EXTRACT(ISODOW FROM day)::int - 1)"
        if postgres
        else "date(day, '-6 days', 'weekday 1')"
    )
    columns = ", ".join(KEY)
    op.execute(
        f"INSERT INTO case_duration_week ({columns}, n) "
        f"SELECT measure, estado_code, {monday}, category, institution, bucket, sum(n) "
        "FROM case_duration_day GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    )
    if not postgres:
        return
    op.execute("ALTER TABLE case_duration_week SET (fillfactor = 70)")  # as 0004: HOT updates
    op.drop_index("ix_case_reported", table_name="citizen_case")
    op.create_index(
        "ix_case_reported", "citizen_case", ["reported_at"], postgresql_include=REPORTED_COVER
    )
    op.drop_index("ix_case_resolved_reported", table_name="citizen_case")
    op.create_index(
        "ix_case_resolved_reported",
        "citizen_case",
        ["resolved_at", "reported_at", "category"],
        postgresql_include=RESOLVED_COVER,
    )


def downgrade() -> None:
    op.drop_index("ix_case_open_category", table_name="citizen_case")
    op.drop_table("case_duration_week")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_case_reported", table_name="citizen_case")
    op.create_index("ix_case_reported", "citizen_case", ["reported_at"])
    op.drop_index("ix_case_resolved_reported", table_name="citizen_case")
    op.create_index(
        "ix_case_resolved_reported", "citizen_case", ["resolved_at", "reported_at", "category"]
    )
