"""Money sent to each project, kept current on every write (``project.transfers_usd``).

``/proyectos`` places every project of the country on a progress × money-sent grid. Summing
~44,000 transfers per project and joining them to ~40,000 projects on every refresh cost
most of the page's national time; the project row now carries the sum of all its transfers
(any date), kept exact like the ``/casos`` rollups (:mod:`data.rollups`): the ingest writer
adds ``new - old`` amounts in the same transaction, ORM sessions do it in a flush hook, and
bulk loads recompute it (:func:`rebuild`, also ``manage.py rebuild-rollups``).

Readers that need the money sent *up to* a moment use the stored sum for every project with
no transfer dated after it, and sum the transfers of the few others
(``data.queries.projects``): the result is the same as summing the transfers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    FromClause,
    Select,
    bindparam,
    event,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from data.flushed import flushed_values
from data.models import Money, Project, Transfer

Delta = Counter[str]  # project id -> Decimal amount to add (Counter adds Decimals exactly)
FIELDS = ("project_id", "amount_usd")


def _cents(amount: Any) -> Decimal:
    """An amount as an exact two-decimal Decimal (amounts are stored as NUMERIC(16, 2))."""
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def add_change(delta: Delta, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> None:
    """What a transfer's insert (``old`` None), update or delete (``new`` None) adds to its
    project's (or projects', when it moved) sums."""
    if new is not None and new.get("amount_usd") is not None:
        delta[new["project_id"]] += _cents(new["amount_usd"])
    if old is not None and old.get("amount_usd") is not None:
        delta[old["project_id"]] -= _cents(old["amount_usd"])


def apply(conn: Connection | Session, delta: Delta) -> None:
    """Add ``delta`` to the stored sums, in project id order (writers lock rows in the same
    order)."""
    rows = [{"pid": pid, "add": n} for pid, n in sorted(delta.items()) if n]
    if not rows:
        return
    table = Project.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("pid"))
        .values(transfers_usd=table.c.transfers_usd + bindparam("add", type_=Money))
    )
    conn.execute(stmt, rows)


def apply_moved(conn: Connection | Session, now: Select, old: FromClause | None) -> None:
    """Add to the projects' sums what a batch of transfers changed, computed in the database
    (PostgreSQL's ingest path: no transfer travels to Python for it).

    ``now`` selects :data:`FIELDS` of the batch's transfers as stored after the write (every
    one of the batch, written or not); ``old`` holds the same columns of those stored before
    it, read under the write's row locks. Each project gets ``sum(now) − sum(old)``, so an
    unchanged transfer adds nothing; amounts are the stored NUMERIC values, as
    :func:`rebuild` sums them. Projects are locked in id order first, as :func:`apply`
    updates them, so concurrent batches never wait on each other in a circle.
    """
    parts = [now.add_columns(literal(1).label("sign"))]
    if old is not None:
        parts.append(select(old.c.project_id, old.c.amount_usd, literal(-1).label("sign")))
    moved = union_all(*parts).subquery("moved")
    added = func.sum(moved.c.amount_usd * moved.c.sign)
    delta = (
        select(moved.c.project_id, added.label("amount"))
        .where(moved.c.amount_usd.is_not(None))
        .group_by(moved.c.project_id)
        .having(added != 0)
        .cte("delta")
    )
    table = Project.__table__
    touched = table.c.id.in_(select(delta.c.project_id))
    conn.execute(select(table.c.id).where(touched).order_by(table.c.id).with_for_update())
    conn.execute(
        update(table)
        .where(table.c.id == delta.c.project_id)
        .values(transfers_usd=table.c.transfers_usd + delta.c.amount)
    )


def rebuild(conn: Connection | Session) -> None:
    """Recompute every project's sum from ``transfer`` (after a bulk load or to repair)."""
    table = Project.__table__
    summed = (
        select(func.coalesce(func.sum(Transfer.amount_usd), 0))
        .where(Transfer.project_id == table.c.id)
        .scalar_subquery()
    )
    conn.execute(update(table).values(transfers_usd=summed))


@event.listens_for(Session, "before_flush")
def _track_orm_transfers(session: Session, _context: Any, _instances: Any) -> None:
    """ORM writes of transfers (tests' fixtures, scripts) keep the sums current too."""
    delta: Delta = session.info.setdefault("transfer_money_delta", Counter())
    for obj in session.new:
        if isinstance(obj, Transfer):
            add_change(delta, None, flushed_values(obj, FIELDS, old=False))
    for obj in session.dirty:
        if isinstance(obj, Transfer) and session.is_modified(obj):
            add_change(
                delta, flushed_values(obj, FIELDS, old=True), flushed_values(obj, FIELDS, old=False)
            )
    for obj in session.deleted:
        if isinstance(obj, Transfer):
            add_change(delta, flushed_values(obj, FIELDS, old=True), None)


@event.listens_for(Session, "after_flush")
def _apply_orm_transfers(session: Session, _context: Any) -> None:
    delta = session.info.pop("transfer_money_delta", None)
    if not delta:
        return
    apply(session, delta)
    for pid in delta:  # loaded projects would show the sum from before
        project = session.identity_map.get(session.identity_key(Project, pid))
        if project is not None:
            session.expire(project, ["transfers_usd"])
