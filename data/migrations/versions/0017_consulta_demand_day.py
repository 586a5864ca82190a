"""/consulta nationally: cases not rejected per day reported, estado, category and open

``case_demand_day`` counts the 1x10 cases that are not rejected per Caracas day of
report, estado, category and whether they are still unresolved, so the Consulta advice of
the country (or of an estado as a whole) reads ~25,000 rollup rows and the ragged hours at
the edges of its windows instead of ~400,000 cases. Filled here set-based from the cases
(PostgreSQL) or by the SQLite rebuild; kept current on every write by ``data.rollups``.

Revision ID: 0017_consulta_demand_day
Revises: 0016_consulta_estado_cover
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_consulta_demand_day"
down_revision = "0016_consulta_estado_cover"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_demand_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("estado_code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("unresolved", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "estado_code", "category", "unresolved"),
    )
    if op.get_bind().dialect.name != "postgresql":
        from data.models import CaseDemandDay
        from data.seed.case_rollups import rebuild_in_sqlite

        rebuild_in_sqlite(op.get_bind(), models=(CaseDemandDay,))
        return
    op.execute("ALTER TABLE case_demand_day SET (fillfactor = 70)")  # as 0004: HOT updates
    # times are stored as naive UTC (data.rollups: core.timeutil.caracas_date)
    op.execute(
        "INSERT INTO case_demand_day (day, estado_code, category, unresolved, n) "
        "SELECT (reported_at AT TIME ZONE 'UTC' AT TIME ZONE 'America/Caracas')::date, "
        "estado_code, category, resolved_at IS NULL, count(*) FROM citizen_case "
        "WHERE status <> 'rechazado' AND reported_at IS NOT NULL AND estado_code IS NOT NULL "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    op.execute("ANALYZE case_demand_day")  # planned as the few rows it is, not a guess


def downgrade() -> None:
    op.drop_table("case_demand_day")
