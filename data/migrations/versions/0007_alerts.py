"""alerts: lifecycle columns, notes, rules with their defaults, pending, webhooks, outbox

The ``alert`` table gains its state (abierta → reconocida → resuelta), the count and value
of its last sighting, the escalation mark and a partial unique index: at most one
unresolved alert per (rule, territory). Rows written before this migration came only from
the demo seeder (nothing else wrote alerts), so they are removed: alerts now come from the
evaluator (``data.alerts``).

The default rules are written here, frozen, so a database keeps the rules it was created
with; administrators tune them in ``/admin``.

Revision ID: 0007_alerts
Revises: 0005_incident_cover
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import data.types

revision = "0007_alerts"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None

OPEN = "state <> 'resuelta'"
DUE = "delivered_at IS NULL AND failed_at IS NULL"
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# slug, area, title, what it measures, territorial level, operator, threshold, for (min),
# level, message template, parameters
DEFAULT_RULES = (
    (
        "incidente_grave",
        "paz",
        "Incidente grave",
        "Incidentes de severidad 5 ocurridos en las últimas 24 h en los cuadrantes del "
        "circuito; cada incidente grave nuevo suma a la alerta abierta.",
        "circuito",
        ">=",
        1,
        0,
        5,
        "{territorio}: {valor} en las últimas 24 h ({detalle}).",
        {"horas": 24, "severidad": 5},
    ),
    (
        "paz_sobre_lo_habitual",
        "paz",
        "Cuadrante por encima de lo habitual",
        "Incidentes de los últimos 7 días de un cuadrante frente a su semana habitual (media "
        "de las 8 semanas previas), en desviaciones típicas: la regla de /paz. Se evalúa en "
        "el circuito del cuadrante.",
        "circuito",
        ">",
        3,
        0,
        3,
        "{territorio}: incidentes por encima de lo habitual ({detalle}).",
        {"min_incidentes": 3},
    ),
    (
        "casos_fuera_de_plazo",
        "casos",
        "Casos 1x10 fuera de plazo",
        "Proporción de los casos 1x10 abiertos de una categoría que ya superan su meta de "
        "resolución (SALA_SLA_HORAS), por estado; la alerta cuenta la peor categoría.",
        "estado",
        ">",
        0.7,
        30,
        3,
        "{territorio}: {valor} de los casos abiertos de {detalle} superan su plazo.",
        {"min_abiertos": 20},
    ),
    (
        "clap_cobertura_baja",
        "clap",
        "Cobertura CLAP baja al cierre de mes",
        "Familias atendidas sobre planificadas en las entregas CLAP del día, por estado, en "
        "los últimos días del mes (cierre del ciclo).",
        "estado",
        "<",
        0.8,
        0,
        3,
        "{territorio}: cobertura CLAP de hoy {valor} al cierre de mes ({detalle}).",
        {"dias_cierre": 5, "min_planificadas": 100},
    ),
    (
        "clap_sin_entregas",
        "clap",
        "Comités CLAP sin entregas",
        "Comités CLAP del municipio sin ninguna entrega en los últimos días (35 por omisión).",
        "municipio",
        ">=",
        5,
        0,
        2,
        "{territorio}: {valor} sin entregas en {detalle}.",
        {"dias": 35},
    ),
    (
        "proyectos_sin_avance",
        "proyectos",
        "Proyectos con dinero y sin avance",
        "Proyectos activos que recibieron transferencias y no registran avance físico en 30 "
        "días, por circuito.",
        "circuito",
        ">=",
        3,
        0,
        2,
        "{territorio}: {valor} con dinero transferido y sin avance ({detalle}).",
        {"dias": 30},
    ),
    (
        "defensa_alistamiento_bajo",
        "defensa",
        "Alistamiento de defensa bajo",
        "Alistamiento medio de las unidades de defensa del municipio.",
        "municipio",
        "<",
        45,
        0,
        3,
        "{territorio}: alistamiento medio {valor} ({detalle}).",
        {"min_unidades": 2},
    ),
    (
        "defensa_ejercicios_vencidos",
        "defensa",
        "Ejercicios de defensa vencidos",
        "Proporción de las unidades de defensa del estado sin ejercicio en "
        "SALA_EJERCICIO_VENCIDO_DIAS días (o nunca).",
        "estado",
        ">=",
        0.4,
        0,
        2,
        "{territorio}: {valor} de las unidades con el ejercicio vencido ({detalle}).",
        {},
    ),
    (
        "silencio_casos",
        "datos",
        "Silencio de datos: casos 1x10",
        "Horas desde el último caso 1x10 de un estado que suele enviarlos (al menos "
        "«min_esperados» casos en ese lapso, según su semana anterior).",
        "estado",
        ">=",
        6,
        0,
        4,
        "{territorio}: sin casos 1x10 desde hace {valor} ({detalle}).",
        {"min_esperados": 5},
    ),
    (
        "silencio_incidentes",
        "datos",
        "Silencio de datos: incidentes",
        "Horas desde el último incidente de un estado que suele reportarlos (al menos "
        "«min_esperados» en ese lapso, según su semana anterior).",
        "estado",
        ">=",
        12,
        0,
        4,
        "{territorio}: sin incidentes reportados desde hace {valor} ({detalle}).",
        {"min_esperados": 5},
    ),
    (
        "silencio_clap",
        "datos",
        "Silencio de datos: entregas CLAP",
        "Días completos sin entregas CLAP de un estado que suele enviarlas (al menos "
        "«min_esperados» en ese lapso, según sus cuatro semanas anteriores).",
        "estado",
        ">=",
        3,
        0,
        3,
        "{territorio}: sin entregas CLAP desde hace {valor} ({detalle}).",
        {"min_esperados": 5},
    ),
)


def upgrade() -> None:
    op.execute("DELETE FROM alert")
    with op.batch_alter_table("alert", schema=None) as batch:
        batch.add_column(sa.Column("area", sa.String(20), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("state", sa.String(12), nullable=False, server_default="abierta")
        )
        batch.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", data.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("threshold", sa.Float(), nullable=True))
        batch.add_column(sa.Column("detail", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("resolved_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("escalated_at", data.types.UTCDateTime(), nullable=True))
        batch.create_index(
            "ux_alert_open",
            ["rule", "territory_code"],
            unique=True,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch.create_index("ix_alert_state_level", ["state", "level"])
    op.create_table(
        "alert_note",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("alert_id", BIG_ID, nullable=False),
        sa.Column("at", data.types.UTCDateTime(), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_note_alert", "alert_note", ["alert_id", "at"])
    rules = op.create_table(
        "alert_rule",
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("area", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("territory_level", sa.String(20), nullable=False),
        sa.Column("operator", sa.String(2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("for_minutes", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", data.types.UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(120), nullable=True),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.bulk_insert(
        rules,
        [
            {
                "slug": slug,
                "area": area,
                "title": title,
                "measures": measures,
                "territory_level": level_t,
                "operator": operator,
                "threshold": float(threshold),
                "for_minutes": for_minutes,
                "level": level,
                "message": message,
                "params": params,
                "enabled": True,
            }
            for (
                slug,
                area,
                title,
                measures,
                level_t,
                operator,
                threshold,
                for_minutes,
                level,
                message,
                params,
            ) in DEFAULT_RULES
        ],
    )
    op.create_table(
        "alert_pending",
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("territory_code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("since", data.types.UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("rule", "territory_code"),
    )
    op.create_table(
        "alert_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("territory_code", sa.String(40), nullable=True),
        sa.Column("territory_level", sa.String(20), nullable=True),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", data.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "alert_outbox",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", BIG_ID, nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", data.types.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", data.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", data.types.UTCDateTime(), nullable=True),
        sa.Column("failed_at", data.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["webhook_id"], ["alert_webhook.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_alert_outbox_due",
        "alert_outbox",
        ["webhook_id", "id"],
        postgresql_where=sa.text(DUE),
        sqlite_where=sa.text(DUE),
    )


def downgrade() -> None:
    op.drop_index("ix_alert_outbox_due", table_name="alert_outbox")
    op.drop_table("alert_outbox")
    op.drop_table("alert_webhook")
    op.drop_table("alert_pending")
    op.drop_table("alert_rule")
    op.drop_index("ix_alert_note_alert", table_name="alert_note")
    op.drop_table("alert_note")
    with op.batch_alter_table("alert", schema=None) as batch:
        batch.drop_index("ix_alert_state_level")
        batch.drop_index("ux_alert_open")
        for column in (
            "escalated_at",
            "resolved_value",
            "detail",
            "threshold",
            "value",
            "last_seen_at",
            "count",
            "state",
            "area",
        ):
            batch.drop_column(column)
