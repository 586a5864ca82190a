"""/casos SLA: resolved cases per whole hour taken, per day and week

``case_resolution_hours_day`` and ``_week`` count the resolved cases per Caracas day (week)
of resolution, estado (and ``""``, the whole country), category and whole hours taken
(classes of whole hours up to three days, whole days beyond:
``data.rollups.hours_class``), so "resolved in the range past its SLA target"
reads a few thousand rollup rows instead of every case resolved in the range (~190,000
nationally in 30 days) while the targets stay configurable. Filled here set-based from the
cases (PostgreSQL) or by the SQLite rebuild; kept current on every write by
``data.rollups``.

Revision ID: 0014_cb4_resolution_hours
Revises: 0013_cbx_case_speed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_cb4_resolution_hours"
down_revision = "0013_cbx_case_speed"
branch_labels = None
depends_on = None

# data.rollups.hours_class at this revision: whole hours rounded up to HOURS_FINE, whole
# days rounded up (in hours) beyond, HOURS_CAP + 24 past the cap
HOURS_FINE = 72
HOURS_CAP = 2160
EPOCH = "EXTRACT(EPOCH FROM resolved_at - reported_at)"
HOURS_CLASS = (
    f"CASE WHEN CEIL({EPOCH} / 3600) <= {HOURS_FINE} THEN GREATEST(0, CEIL({EPOCH} / 3600)) "
    f"ELSE LEAST({HOURS_CAP + 24}, 24 * CEIL({EPOCH} / 86400)) END"
)


def _table(name: str, when: str) -> None:
    op.create_table(
        name,
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column(when, sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("hours", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("estado_code", when, "category", "hours"),
    )


def upgrade() -> None:
    _table("case_resolution_hours_day", "day")
    _table("case_resolution_hours_week", "week")
    if op.get_bind().dialect.name != "postgresql":
        from data.models import CaseResolutionHoursDay, CaseResolutionHoursWeek
        from data.seed.case_rollups import rebuild_in_sqlite

        rebuild_in_sqlite(op.get_bind(), models=(CaseResolutionHoursDay, CaseResolutionHoursWeek))
        return
    for table in ("case_resolution_hours_day", "case_resolution_hours_week"):
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")  # as 0004: HOT updates
    # times are stored as naive UTC; EXTRACT(EPOCH FROM interval) is exact (numeric, in
    # microseconds): the same classes as the Python of data.rollups.hours_class
    op.execute(
        "CREATE TEMP TABLE sala_hours ON COMMIT DROP AS "
        "SELECT estado_code, "
        "(resolved_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/Caracas')::date AS day, "
        f"category, ({HOURS_CLASS})::smallint AS hours, "
        "count(*) AS n FROM citizen_case WHERE resolved_at IS NOT NULL "
        "AND reported_at IS NOT NULL AND estado_code IS NOT NULL GROUP BY 1, 2, 3, 4"
    )
    op.execute(
        "INSERT INTO case_resolution_hours_day (estado_code, day, category, hours, n) "
        "SELECT * FROM (SELECT estado_code, day, category, hours, n FROM sala_hours "
        "UNION ALL SELECT '', day, category, hours, sum(n) FROM sala_hours GROUP BY 2, 3, 4) "
        "AS d ORDER BY 1, 2, 3, 4"
    )
    op.execute(
        "INSERT INTO case_resolution_hours_week (estado_code, week, category, hours, n) "
        "SELECT estado_code, day - (EXTRACT(ISODOW FROM day)::int - 1), category, hours, "
        "sum(n) FROM case_resolution_hours_day GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    op.execute("DROP TABLE sala_hours")
    for table in ("case_resolution_hours_day", "case_resolution_hours_week"):
        op.execute(f"ANALYZE {table}")  # planned as the few rows they are, not a guess


def downgrade() -> None:
    op.drop_table("case_resolution_hours_week")
    op.drop_table("case_resolution_hours_day")
