"""A second, append-only home for audit checkpoints: a database table another team owns.

The checkpoint file (:mod:`reference_impl.governance.anchor`) lives on the writer's host; an insider who can
write it can delete its *latest* lines and then rewrite the records those lines protected. Setting
``IBML_AUDIT_CHECKPOINT_DSN`` makes every checkpoint also an ``INSERT`` into the table ``audit_checkpoints``
of that database (any SQLAlchemy URL: ``postgresql://...`` in team mode, ``sqlite:///...`` on a laptop), and
``verify`` reads both: a checkpoint that survives in either place protects the records up to it.

The table is a hard dependency like the file: when the insert fails the append raises ``AuditError`` (the
service answers 503). Rows carry the same HMAC as the file lines, so a row typed in by hand does not verify.

What makes the table append-only is its owner, not this code: in PostgreSQL the table belongs to the
control team's role and the service's role gets only ``GRANT INSERT, SELECT ON audit_checkpoints TO
scoring_service`` (no UPDATE, DELETE or TRUNCATE). :data:`CREATE_SQL` is the statement that team runs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from reference_impl.errors import AuditError

TABLE = "audit_checkpoints"
FIELDS = ("v", "chain", "seq", "hash", "ts", "key_id", "mac")

_metadata = sa.MetaData()
_table = sa.Table(
    TABLE,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("v", sa.Integer, nullable=False),
    sa.Column("chain", sa.String(64), nullable=False, index=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("ts", sa.String(40), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)

#: What the table's owner runs once (PostgreSQL), before granting the service INSERT and SELECT only.
CREATE_SQL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY, v INTEGER NOT NULL, chain VARCHAR(64) NOT NULL, "
    "seq BIGINT NOT NULL, hash VARCHAR(64) NOT NULL, ts VARCHAR(40) NOT NULL, key_id VARCHAR(16) NOT NULL, "
    "mac VARCHAR(64) NOT NULL)"
)


class CheckpointTable:
    """Insert and read checkpoint rows in ``audit_checkpoints`` of the database at ``url``."""

    def __init__(self, url: str) -> None:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg2://" + url.split("://", 1)[1]  # the driver the lock ships
        try:
            shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            raise AuditError(
                "IBML_AUDIT_CHECKPOINT_DSN is not a database URL (e.g. postgresql://user@host/db)"
            ) from None
        self.url = url
        self.where = f"table {TABLE} at {shown}"
        self._engine: sa.Engine | None = None

    def _connect(self) -> sa.Engine:
        if self._engine is None:
            try:
                self._engine = sa.create_engine(self.url, pool_pre_ping=True)
                _metadata.create_all(self._engine, checkfirst=True)  # a no-op when the owner created it
            except (sa.exc.SQLAlchemyError, ImportError) as exc:  # no server, no driver: "the sink is unavailable"
                self._engine = None
                raise AuditError(f"audit checkpoint {self.where} is unavailable: {_first_line(exc)}") from exc
        return self._engine

    def insert(self, row: dict[str, Any]) -> None:
        """Insert one checkpoint (raises AuditError when it cannot)."""
        try:
            with self._connect().begin() as conn:
                conn.execute(_table.insert().values({k: row[k] for k in FIELDS}))
        except AuditError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise AuditError(f"cannot write audit checkpoint to {self.where}: {_first_line(exc)}") from exc

    def rows(self) -> list[dict[str, Any]]:
        """Every checkpoint row, in insertion order (raises AuditError when the table cannot be read)."""
        try:
            with self._connect().connect() as conn:
                result = conn.execute(sa.select(*(_table.c[k] for k in FIELDS)).order_by(_table.c.id))
                return [dict(r._mapping) for r in result]
        except AuditError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise AuditError(f"cannot read audit checkpoints from {self.where}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


__all__ = ["CREATE_SQL", "TABLE", "CheckpointTable"]
