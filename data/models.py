"""The Sala's schema: territory hierarchy and the facts of the five areas.

Every fact row carries its territorial path (estado, municipio, parroquia, circuito codes),
copied from its territory on write. Scoping a query to any territory is then one indexed
equality, the way DHIS2 scopes by org-unit path.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data.types import UTCDateTime

LEVELS = ("estado", "municipio", "parroquia", "circuito", "comuna", "consejo_comunal")
PATH_LEVELS = ("estado", "municipio", "parroquia", "circuito")
PROJECT_STATUSES = ("aprobado", "financiado", "en_ejecucion", "paralizado", "culminado")
CASE_STATUSES = ("recibido", "asignado", "en_atencion", "resuelto", "cerrado", "rechazado")
ACTION_STATUSES = ("pendiente", "en_curso", "cumplida", "cancelada")
# Rows of the partial index ix_case_open; data.queries.open_cases repeats it literally.
OPEN_CASE_PREDICATE = "resolved_at IS NULL AND status <> 'rechazado'"
Money = Numeric(16, 2, asdecimal=False)


class Base(DeclarativeBase):
    pass


class PathMixin:
    """The denormalised territorial path of a row (see module docstring)."""

    estado_code: Mapped[str | None] = mapped_column(String(40), index=False)
    municipio_code: Mapped[str | None] = mapped_column(String(40))
    parroquia_code: Mapped[str | None] = mapped_column(String(40))
    circuito_code: Mapped[str | None] = mapped_column(String(40))


class Territory(PathMixin, Base):
    """Any node of the hierarchy estado → municipio → parroquia → circuito → comuna/consejo."""

    __tablename__ = "territory"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict | None] = mapped_column(JSON)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_territory_level_estado", "level", "estado_code"),
        Index("ix_territory_municipio", "municipio_code"),
        Index("ix_territory_circuito", "circuito_code"),
    )


class Cuadrante(PathMixin, Base):
    """A cuadrante de paz (patrol quadrant), one per circuito as a target."""

    __tablename__ = "cuadrante"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_cuadrante_circuito", "circuito_code"),)


class ClapCommittee(PathMixin, Base):
    """A CLAP committee, attached to a consejo comunal (or a circuito)."""

    __tablename__ = "clap_committee"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    families: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_clap_committee_estado", "estado_code"),)


class Project(PathMixin, Base):
    """A project chosen in a Consulta Popular round."""

    __tablename__ = "project"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comuna_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    consulta: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(60))
    transformation: Mapped[int] = mapped_column(Integer)
    approved_usd: Mapped[float] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20))
    physical_progress: Mapped[float] = mapped_column(Float, default=0.0)
    started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    progress_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    continuidad_of: Mapped[str | None] = mapped_column(String(64))
    # the sum of all its transfers (any date), kept current on write (data.project_money)
    transfers_usd: Mapped[float] = mapped_column(Money, default=0.0, server_default="0")

    __table_args__ = (
        Index("ix_project_estado_status", "estado_code", "status"),
        Index("ix_project_municipio", "municipio_code"),
        Index("ix_project_circuito", "circuito_code"),
        Index("ix_project_consulta", "consulta"),
    )


class ProjectProgress(Base):
    """One observation of a project's physical progress (its history)."""

    __tablename__ = "project_progress"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    physical_progress: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_project_progress_project", "project_id", "recorded_at"),)


class Transfer(PathMixin, Base):
    """Money sent by the CFG to a communal bank for a project."""

    __tablename__ = "transfer"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project.id"))
    bank: Mapped[str] = mapped_column(String(200))
    amount_usd: Mapped[float] = mapped_column(Money)
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_transfer_project", "project_id"),
        Index("ix_transfer_estado_time", "estado_code", "transferred_at"),
        Index("ix_transfer_time", "transferred_at"),
    )


CLAP_COVER = ["clap_code", "families_planned", "families_served", "bags", "kg"]


class ClapDelivery(PathMixin, Base):
    """One CLAP delivery batch."""

    __tablename__ = "clap_delivery"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clap_code: Mapped[str] = mapped_column(ForeignKey("clap_committee.code"))
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    delivered_on: Mapped[date] = mapped_column(Date)
    families_planned: Mapped[int] = mapped_column(Integer)
    families_served: Mapped[int] = mapped_column(Integer)
    bags: Mapped[int] = mapped_column(Integer)
    kg: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # on PostgreSQL the national and estado date indexes carry what /clap sums and
        # groups by, so its aggregates are index-only scans (0010_covering_indexes)
        Index(
            "ix_clap_delivery_date", "delivered_on", postgresql_include=[*CLAP_COVER, "estado_code"]
        ),
        Index(
            "ix_clap_delivery_estado_date",
            "estado_code",
            "delivered_on",
            postgresql_include=[*CLAP_COVER, "municipio_code"],
        ),
        Index("ix_clap_delivery_municipio_date", "municipio_code", "delivered_on"),
        Index("ix_clap_delivery_circuito_date", "circuito_code", "delivered_on"),
        Index("ix_clap_delivery_clap", "clap_code", "delivered_on"),
    )


# what the range edges of /casos read beside the time column (0013_cbx_case_speed)
REPORTED_COVER = ["estado_code", "category", "institution", "status", "resolved_at", "assigned_at"]
RESOLVED_COVER = ["institution", "estado_code"]


class CitizenCase(PathMixin, Base):
    """A 1x10 del Buen Gobierno case."""

    __tablename__ = "citizen_case"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    category: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    institution: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # first time the case was assigned (its first ``asignado`` status): the response time
    # without reading the history (0004_case_rollups)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # on PostgreSQL the raw hours at the edges of a /casos range (data.queries.rolled)
        # read what they count and class from the index alone (0013_cbx_case_speed)
        Index("ix_case_reported", "reported_at", postgresql_include=REPORTED_COVER),
        # resolved_at ranges (resolved in 24 h, SLA lateness per category) read the other
        # columns from the index alone (0003_perf, category in 0004_case_rollups, the
        # institution and estado of the edges in 0013_cbx_case_speed)
        Index(
            "ix_case_resolved_reported",
            "resolved_at",
            "reported_at",
            "category",
            postgresql_include=RESOLVED_COVER,
        ),
        Index(
            "ix_case_estado_resolved_reported",
            "estado_code",
            "resolved_at",
            "reported_at",
            "category",
        ),
        # the unresolved, not rejected cases: the open-case counts (data.queries.open_cases)
        Index(
            "ix_case_open",
            "estado_code",
            "municipio_code",
            "parroquia_code",
            "circuito_code",
            "category",
            "reported_at",
            postgresql_where=text(OPEN_CASE_PREDICATE),
            sqlite_where=text(OPEN_CASE_PREDICATE),
        ),
        # the oldest open cases, in order, nationally and per estado (0004_case_rollups)
        Index(
            "ix_case_open_reported",
            "reported_at",
            "id",
            postgresql_where=text(OPEN_CASE_PREDICATE),
            sqlite_where=text(OPEN_CASE_PREDICATE),
        ),
        Index(
            "ix_case_open_estado_reported",
            "estado_code",
            "reported_at",
            "id",
            postgresql_where=text(OPEN_CASE_PREDICATE),
            sqlite_where=text(OPEN_CASE_PREDICATE),
        ),
        # the country's open cases per category, estado and age (the /casos age chart, SLA
        # table and map, and open per category): a sixth of ix_case_open's pages
        # (0013_cbx_case_speed)
        Index(
            "ix_case_open_category",
            "category",
            "estado_code",
            "reported_at",
            postgresql_where=text(OPEN_CASE_PREDICATE),
            sqlite_where=text(OPEN_CASE_PREDICATE),
        ),
        # /casos per municipio of one estado, index-only on PostgreSQL (0010_covering_indexes);
        # /consulta per circuito of one estado, with status and resolution (0016)
        Index(
            "ix_case_estado_reported",
            "estado_code",
            "reported_at",
            postgresql_include=[
                "municipio_code",
                "category",
                "parroquia_code",
                "circuito_code",
                "status",
                "resolved_at",
            ],
        ),
        Index("ix_case_municipio_reported", "municipio_code", "reported_at"),
        Index("ix_case_parroquia_reported", "parroquia_code", "reported_at"),  # 0003_perf
        Index("ix_case_circuito_reported", "circuito_code", "reported_at"),
        Index("ix_case_status", "status"),
    )


class CaseEvent(Base):
    """A status change of a case (its history)."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("citizen_case.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_case_event_case", "case_id", "at"),)


class CaseReportedDay(Base):
    """Rollup: cases reported per Caracas day, estado, category, institution and the furthest
    funnel stage reached (0 recibido … 3 resuelto). Kept current by ``data.rollups``."""

    __tablename__ = "case_reported_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    institution: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" = none
    stage: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseResolvedDay(Base):
    """Rollup: cases resolved per Caracas day (of ``resolved_at``), estado, category and
    institution. Kept current by ``data.rollups``."""

    __tablename__ = "case_resolved_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    institution: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" = none
    n: Mapped[int] = mapped_column(Integer)


class CaseDurationDay(Base):
    """Rollup: histogram of case durations per Caracas day, estado, category and institution.

    ``measure`` is ``resolution`` (reported → resolved, on the day resolved) or ``response``
    (reported → first assigned, on the day reported); ``bucket`` is a 5 % log-scale class of
    hours (``data.rollups.bucket_of``). Every case counts under its estado and under
    ``estado_code = ""`` (the whole country), and twice more: under its category and
    institution, and under ``"*"`` for both, so a KPI reads a few rows per day instead of
    thousands. Kept current by ``data.rollups``.
    """

    __tablename__ = "case_duration_day"

    # key order: one estado's (or the nation's) days of one measure are a single index range
    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" = national
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    institution: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" = none
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseDurationWeek(Base):
    """Rollup: :class:`CaseDurationDay` added up per Caracas week (``week`` is its Monday).

    A 30-day range is three or four whole weeks plus a few days: the histogram read of
    ``/casos`` takes about a third of the rows (``data.queries.rolled.split_weeks``). Kept current by
    ``data.rollups`` like the daily tables.
    """

    __tablename__ = "case_duration_week"

    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" = national
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    institution: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" = none
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseResolutionHoursDay(Base):
    """Rollup: resolved cases per Caracas day (of ``resolved_at``), estado, category and
    whole hours taken (reported → resolved, rounded up; ``data.rollups.hours_class``).

    Answers "resolved past its SLA target" exactly for any whole-hour target:
    ``took > T`` ⇔ ``ceil(took) > T``; the targets are configurable (``SALA_SLA_HORAS``),
    so the hours are kept, not the verdict. Every case counts under its estado and under
    ``estado_code = ""`` (the whole country). Kept current by ``data.rollups``.
    """

    __tablename__ = "case_resolution_hours_day"

    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" = national
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    hours: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseDemandDay(Base):
    """Rollup: 1x10 cases not rejected per Caracas day reported, estado, category and
    whether they are still unresolved (``resolved_at`` NULL).

    The Consulta advice (``data.queries.consulta``) counts the last 60 days of cases per
    estado: received, still open, reported in the second half of the window and open past
    their category's target. The country's ~400,000 cases of 60 days are ~25,000 rows here;
    the ragged hours at each edge of those counts come from the cases
    (``data.queries.consulta_demand``). Kept current by ``data.rollups``.
    """

    __tablename__ = "case_demand_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    unresolved: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class CaseResolutionHoursWeek(Base):
    """Rollup: :class:`CaseResolutionHoursDay` added up per Caracas week (``week`` is its
    Monday), as :class:`CaseDurationWeek` is for the histogram."""

    __tablename__ = "case_resolution_hours_week"

    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" = national
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    hours: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


INCIDENT_COVER = ["type", "severity", "cuadrante_code", "estado_code", "municipio_code"]


class Incident(PathMixin, Base):
    """A security incident in a cuadrante de paz."""

    __tablename__ = "incident"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cuadrante_code: Mapped[str] = mapped_column(ForeignKey("cuadrante.code"))
    type: Mapped[str] = mapped_column(String(60))
    severity: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # on PostgreSQL the national and estado time indexes carry what /paz groups by, so
        # its aggregates are index-only scans (0005_incident_cover)
        Index("ix_incident_time", "occurred_at", postgresql_include=INCIDENT_COVER),
        Index(
            "ix_incident_estado_time",
            "estado_code",
            "occurred_at",
            postgresql_include=INCIDENT_COVER,
        ),
        Index("ix_incident_municipio_time", "municipio_code", "occurred_at"),
        Index("ix_incident_circuito_time", "circuito_code", "occurred_at"),
        # with the severity: /paz's busiest cuadrantes read their mix from the index alone
        # (0012_paz_incident_week)
        Index(
            "ix_incident_cuadrante_time",
            "cuadrante_code",
            "occurred_at",
            postgresql_include=["severity"],
        ),
    )


class IncidentDay(Base):
    """Rollup: incidents per Caracas day, estado, type and severity (``estado_code`` "" =
    none), for ``/paz``'s KPIs, types, severities and national map. Kept current by
    ``data.incident_rollup``."""

    __tablename__ = "incident_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    type: Mapped[str] = mapped_column(String(60), primary_key=True)
    severity: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_incident_day_estado", "estado_code", "day"),)


class IncidentHour(Base):
    """Rollup: incidents in the whole country per Caracas day, type and hour of day, for
    ``/paz``'s national heat map. Kept current by ``data.incident_rollup``."""

    __tablename__ = "incident_hour"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(60), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class IncidentWeek(Base):
    """Rollup: incidents per estado, cuadrante and Caracas ISO week (``week`` is its Monday),
    one count per weekday (``d0`` Monday … ``d6`` Sunday). Seven days in one row: a
    cuadrante sees ~0.5 incidents a day, so a row per day would be as many rows as
    incidents. Kept current by ``data.incident_rollup``; ``estado_code`` "" = none."""

    __tablename__ = "incident_week"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    estado_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    cuadrante_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    d0: Mapped[int] = mapped_column(Integer, default=0)
    d1: Mapped[int] = mapped_column(Integer, default=0)
    d2: Mapped[int] = mapped_column(Integer, default=0)
    d3: Mapped[int] = mapped_column(Integer, default=0)
    d4: Mapped[int] = mapped_column(Integer, default=0)
    d5: Mapped[int] = mapped_column(Integer, default=0)
    d6: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_incident_week_estado", "estado_code", "week"),)


# Days per row of ``incident_block``: nine ISO weeks, the span "sobre lo habitual" compares.
BLOCK_DAYS = 63
# The Monday its blocks are counted from (any Monday before every incident).
BLOCK_EPOCH = date(1900, 1, 1)


class IncidentBlock(Base):
    """Rollup: incidents per estado, cuadrante and block of :data:`BLOCK_DAYS` Caracas days
    (nine ISO weeks from ``block``, a Monday counted in steps of nine weeks from
    :data:`BLOCK_EPOCH`), one count per day (``d0`` … ``d62``). "Sobre lo habitual" reads
    the 63 days before a moment from at most two rows per cuadrante instead of ten weekly
    ones. Kept current by ``data.incident_rollup``; ``estado_code`` "" = none."""

    __tablename__ = "incident_block"
    __table__ = Table(
        "incident_block",
        Base.metadata,
        Column("block", Date, primary_key=True),
        Column("estado_code", String(40), primary_key=True),
        Column("cuadrante_code", String(40), primary_key=True),
        *(Column(f"d{i}", Integer, nullable=False, default=0) for i in range(BLOCK_DAYS)),
        Index("ix_incident_block_estado", "estado_code", "block"),
    )


class DefenseUnit(PathMixin, Base):
    """Readiness of a defense plan in a territory (ADI, BPDI, militia unit...)."""

    __tablename__ = "defense_unit"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    plan: Mapped[str] = mapped_column(String(120))
    phase: Mapped[str] = mapped_column(String(40))
    readiness: Mapped[float] = mapped_column(Float)
    last_exercise_on: Mapped[date | None] = mapped_column(Date)
    committees_total: Mapped[int] = mapped_column(Integer, default=0)
    committees_complete: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_defense_estado", "estado_code"),)


class Action(PathMixin, Base):
    """An action of a territory's Agenda Concreta de Acción (ACA): what, which of the 7T,
    who answers for it, by when, and how it stands."""

    __tablename__ = "action"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    territory_code: Mapped[str] = mapped_column(ForeignKey("territory.code"))
    title: Mapped[str] = mapped_column(String(300))
    transformation: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id"))
    resources: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_action_estado_status", "estado_code", "status"),
        Index("ix_action_municipio", "municipio_code"),
        Index("ix_action_circuito", "circuito_code"),
        Index("ix_action_territory", "territory_code"),
        Index("ix_action_project", "project_id"),
    )


ALERT_STATES = ("abierta", "reconocida", "resuelta")
# Rows of the partial unique index ux_alert_open: at most one unresolved alert per
# (rule, territory); the migration 0007_alerts and the engine's upsert repeat it literally.
OPEN_ALERT_PREDICATE = "state <> 'resuelta'"


class Alert(PathMixin, Base):
    """An alert raised by a rule on a territory; operators acknowledge and resolve it.

    ``state`` goes ``abierta`` → ``reconocida`` → ``resuelta`` (or straight to ``resuelta``);
    the database keeps at most one unresolved alert per (rule, territory).
    """

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))
    territory_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    level: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    area: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(12), default="abierta")
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    value: Mapped[float | None] = mapped_column(Float)  # the measure, last time it was seen
    threshold: Mapped[float | None] = mapped_column(Float)  # the rule's threshold when raised
    detail: Mapped[str] = mapped_column(Text, default="")  # the facts behind the value
    resolved_value: Mapped[float | None] = mapped_column(Float)  # the value that cleared it
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # "sin atender"

    __table_args__ = (
        Index("ix_alert_estado_raised", "estado_code", "raised_at"),
        Index(
            "ux_alert_open",
            "rule",
            "territory_code",
            unique=True,
            postgresql_where=text(OPEN_ALERT_PREDICATE),
            sqlite_where=text(OPEN_ALERT_PREDICATE),
        ),
        Index("ix_alert_state_level", "state", "level"),
    )


class AlertNote(Base):
    """One line of an alert's timeline: raised, acknowledged, resolved, escalated, comments."""

    __tablename__ = "alert_note"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("alert.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(120))  # user or token name, or "automática"
    kind: Mapped[str] = mapped_column(String(20))  # abierta, reconocida, resuelta, escalada...
    text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_alert_note_alert", "alert_id", "at"),)


class AlertRule(Base):
    """A rule the evaluator runs; admins enable, disable and tune it (``/admin``).

    What it measures is code (``data.alerts.rules``, SQL in ``data.queries.alert_rules``);
    the numbers an administrator may change live here.
    """

    __tablename__ = "alert_rule"

    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    area: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    measures: Mapped[str] = mapped_column(Text)  # what it measures, in Spanish
    territory_level: Mapped[str] = mapped_column(String(20))
    operator: Mapped[str] = mapped_column(String(2))  # >, >=, <, <=
    threshold: Mapped[float] = mapped_column(Float)
    for_minutes: Mapped[int] = mapped_column(Integer, default=0)  # pending before firing
    level: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)  # template: {territorio} {valor} {umbral} {detalle}
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


class AlertPending(Base):
    """A (rule, territory) the evaluator is watching without an open alert.

    ``espera``: the condition holds but its "for" duration has not elapsed yet;
    ``retenida``: a person resolved the alert while the condition still held, so it does
    not reopen until the condition clears (or, for counted rules, new evidence arrives).
    """

    __tablename__ = "alert_pending"

    rule: Mapped[str] = mapped_column(String(80), primary_key=True)
    territory_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    value: Mapped[float | None] = mapped_column(Float)


class AlertWebhook(Base):
    """A receiver of alert notifications: alerts in its territory at or above ``min_level``."""

    __tablename__ = "alert_webhook"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))  # HMAC key: needed to sign, so kept
    territory_code: Mapped[str | None] = mapped_column(String(40))  # None = national
    territory_level: Mapped[str | None] = mapped_column(String(20))
    min_level: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertOutbox(Base):
    """A notification waiting for (or done with) delivery to one webhook.

    Written in the transaction of the alert change, drained by the evaluator: a receiver
    that is down only delays its notifications.
    """

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("alert_webhook.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON that is signed and sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # gave up
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_alert_outbox_due",
            "webhook_id",
            "id",
            postgresql_where=text("delivered_at IS NULL AND failed_at IS NULL"),
            sqlite_where=text("delivered_at IS NULL AND failed_at IS NULL"),
        ),
    )


class ApiToken(Base):
    """A machine token for the REST API; only a hash of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    territory_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 0009_ops


class DataVersion(Base):
    """A counter per dataset, bumped in the same transaction as every write.

    Screens poll this one row instead of re-running their queries, and caches key on it.
    """

    __tablename__ = "data_version"

    dataset: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DataVersionTerritory(Base):
    """A counter per dataset and territory, bumped with :class:`DataVersion` for the
    territories a write touched (every level of each row's path).

    A scoped screen polls only its own territory's counters (plus ``territory_code = ""``,
    bumped by writes that name no territory), so it cannot watch other territories' writes.
    """

    __tablename__ = "data_version_territory"

    # key order: a poll reads one territory's counters (all datasets) as one index range
    territory_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


PATH_COLUMNS = tuple(f"{level}_code" for level in PATH_LEVELS)


def path_of(model: type[PathMixin], level: str):
    """The path column of ``model`` for a hierarchy level."""
    return getattr(model, f"{level}_code")


# --- Access control (users, wall displays, audit) -------------------------------------------

USER_ROLES = ("admin", "autoridad", "analista", "operador", "pantalla")


class User(Base):
    """A person who logs in with a password; sees ``territory_code`` and below (None = all)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    territory_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisplayToken(Base):
    """An unattended wall screen, logged in as ``pantalla`` by a secret URL until revoked."""

    __tablename__ = "display_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    territory_code: Mapped[str | None] = mapped_column(ForeignKey("territory.code"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuthSession(Base):
    """A logged-in browser: a user's session or a wall screen's, until it ends.

    The cookie carries a random secret; only its SHA-256 is stored here. Logging out,
    changing the password, deactivating the user or revoking the screen delete the rows, so
    the old cookie is refused at its next request.
    """

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    display_id: Mapped[int | None] = mapped_column(
        ForeignKey("display_token.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_auth_session_user", "user_id"),
        Index("ix_auth_session_display", "display_id"),
        Index("ix_auth_session_expires", "expires_at"),
    )


class LoginThrottle(Base):
    """Failed logins counted per key (``usuario:<name>`` or ``ip:<address>``) in a window.

    Every attempt claims a slot with one conditional UPDATE before its password is checked,
    so parallel guesses cannot overrun the limit. Keys exist for unknown usernames too, so
    an unknown user is answered exactly like a known one.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_login_throttle_window", "window_start"),)


class AuditLog(PathMixin, Base):
    """Who did what, when and from where (logins, exports, alert actions, user changes).

    ``territory_code`` and its path name the territory the entry is about (the user, screen,
    token or data concerned); an admin with a territorial scope sees only the entries inside
    it. Entries about nothing territorial (an unknown user's failed login) have none and are
    for national admins only.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))
    territory_code: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
        Index("ix_audit_log_estado_at", "estado_code", "at"),
    )
