"""indexes for the Panorama summary on national data

The open-case counts read a small partial index of the unresolved, not rejected cases
instead of the heap; the resolved_at indexes carry reported_at so the resolved-in-24-h count
and the 30-day resolution median are answered from the index alone (they replace the
single-column resolved_at indexes, which they cover); a parroquia filter gets the
(parroquia_code, reported_at) index the other levels already had.

Revision ID: 0003_perf
Revises: 0002_auth
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_perf"
down_revision = "0002_auth"
branch_labels = None
depends_on = None

OPEN_CASE_PREDICATE = "resolved_at IS NULL AND status <> 'rechazado'"
OPEN_CASE_COLUMNS = [
    "estado_code",
    "municipio_code",
    "parroquia_code",
    "circuito_code",
    "category",
    "reported_at",
]


def upgrade() -> None:
    op.create_index(
        "ix_case_open",
        "citizen_case",
        OPEN_CASE_COLUMNS,
        postgresql_where=sa.text(OPEN_CASE_PREDICATE),
        sqlite_where=sa.text(OPEN_CASE_PREDICATE),
    )
    op.create_index("ix_case_resolved_reported", "citizen_case", ["resolved_at", "reported_at"])
    op.create_index(
        "ix_case_estado_resolved_reported",
        "citizen_case",
        ["estado_code", "resolved_at", "reported_at"],
    )
    op.drop_index("ix_case_resolved", table_name="citizen_case")
    op.drop_index("ix_case_estado_resolved", table_name="citizen_case")
    # a parroquia filter had no index of its own: its trends and median scanned the country
    op.create_index(
        "ix_case_parroquia_reported", "citizen_case", ["parroquia_code", "reported_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_parroquia_reported", table_name="citizen_case")
    op.create_index("ix_case_estado_resolved", "citizen_case", ["estado_code", "resolved_at"])
    op.create_index("ix_case_resolved", "citizen_case", ["resolved_at"])
    op.drop_index("ix_case_estado_resolved_reported", table_name="citizen_case")
    op.drop_index("ix_case_resolved_reported", table_name="citizen_case")
    op.drop_index("ix_case_open", table_name="citizen_case")
