"""API tokens remember when they were last used

``/admin`` lists each API token with the last time a request authenticated with it, so an
administrator can tell a live integration from a forgotten one before revoking it.

Revision ID: 0009_ops
Revises: 0005_incident_cover
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from data.types import UTCDateTime

revision = "0009_ops"
down_revision = "0008_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("last_used_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("last_used_at")
