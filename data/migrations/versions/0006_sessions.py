"""server-side sessions, login throttle, territorial audit log, per-territory data versions

- ``auth_session``: one row per logged-in browser (user or wall screen); logout deletes it.
- ``login_throttle``: failed logins per username and per address, claimed atomically; the
  lock moves off ``app_user`` (its ``failed_logins`` and ``locked_until`` go).
- ``audit_log`` gains the territory (and its path) each entry is about, for scoped admins.
- ``data_version_territory``: data versions per territory, for scoped screens' polls.

Sessions signed before this migration (stateless cookies) are no longer valid: users log in
again and wall screens open their link again.

Revision ID: 0006_sessions
Revises: 0005_incident_cover
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data.types

revision = "0006_sessions"
down_revision = "0005_incident_cover"
branch_labels = None
depends_on = None

PATH = ("estado_code", "municipio_code", "parroquia_code", "circuito_code", "territory_code")


def upgrade() -> None:
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("display_id", sa.Integer(), nullable=True),
        sa.Column("created_at", data.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", data.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["display_id"], ["display_token.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_auth_session_user", "auth_session", ["user_id"])
    op.create_index("ix_auth_session_display", "auth_session", ["display_id"])
    op.create_index("ix_auth_session_expires", "auth_session", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", data.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_login_throttle_window", "login_throttle", ["window_start"])
    op.create_table(
        "data_version_territory",
        sa.Column("territory_code", sa.String(length=40), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("territory_code", "dataset"),
    )
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    with op.batch_alter_table("audit_log") as batch:
        for name in PATH:
            batch.add_column(sa.Column(name, sa.String(length=40), nullable=True))
    op.create_index("ix_audit_log_estado_at", "audit_log", ["estado_code", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_estado_at", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        for name in PATH:
            batch.drop_column(name)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", data.types.UTCDateTime(), nullable=True))
    op.drop_table("data_version_territory")
    op.drop_index("ix_login_throttle_window", table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_auth_session_expires", table_name="auth_session")
    op.drop_index("ix_auth_session_display", table_name="auth_session")
    op.drop_index("ix_auth_session_user", table_name="auth_session")
    op.drop_table("auth_session")
