"""covering indexes for /clap and /casos by estado on national data

On PostgreSQL the CLAP delivery date indexes (national and per estado) now carry the columns
/clap sums and groups by, and the per-estado case index the municipio and category /casos
groups by, so those aggregates are index-only scans instead of visiting ~55k (CLAP, 35
days) or ~25k (cases of one estado, 30 days) heap rows. SQLite has no INCLUDE and keeps the
plain indexes.

Revision ID: 0010_covering_indexes
Revises: 0009_ops
"""

from __future__ import annotations

from alembic import op

revision = "0010_covering_indexes"
down_revision = "0009_ops"
branch_labels = None
depends_on = None

CLAP_COVER = ["clap_code", "families_planned", "families_served", "bags", "kg"]
# name: (table, key columns, included columns)
INDEXES = {
    "ix_clap_delivery_date": ("clap_delivery", ["delivered_on"], [*CLAP_COVER, "estado_code"]),
    "ix_clap_delivery_estado_date": (
        "clap_delivery",
        ["estado_code", "delivered_on"],
        [*CLAP_COVER, "municipio_code"],
    ),
    "ix_case_estado_reported": (
        "citizen_case",
        ["estado_code", "reported_at"],
        ["municipio_code", "category"],
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, columns, cover) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_include=cover)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, columns, _cover) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
