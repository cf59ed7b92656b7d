"""Engine, sessions and schema upgrades (Alembic) for SQLite and PostgreSQL, and the stamp columns.

Storage never reads the wall clock (docs/time.md): a `Database` is built with the programme's clock (`now`,
a callable, e.g. `Clock.now` from bot/runtime/clock.py) and fills the stamp columns (`created_at`,
`updated_at`, `joined_at`, `sent_at`, ...: those marked STAMP or RESTAMP in storage/models.py) from it at
flush. Core statements bypass the ORM, so queries that use them take their time from `session_now(session)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def _json(value: Any) -> str:
    """JSON columns (outbox payloads above all) in compact form. orjson: a catch-up nudge scan serialises
    23,000 Block Kit messages, a third of a second with the standard library and under a tenth with it.
    Integer dict keys become strings, as json.dumps makes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys on and a busy timeout so two processes can share it.

    `hide_parameters`: a failing statement's error (and its log line) names the SQL, never the values bound
    to it, which are people's answers and free text (docs/privacy.md)."""
    kwargs.setdefault("json_serializer", _json)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


Now = Callable[[], datetime]
NOW_KEY = "now"  # where a Database's sessions keep its clock (Session.info)


def session_now(session: Session) -> datetime:
    """The programme time for a statement run in this session: its Database's clock."""
    now: Now = session.info[NOW_KEY]
    return now()


def _stamp(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Fill stamp columns the code left unset on new rows, and RESTAMP columns on changed rows (what
    `default=` and `onupdate=` did, but from the Database's clock instead of the wall clock)."""
    now: datetime | None = None
    for row, is_new in [(row, True) for row in session.new] + [(row, False) for row in session.dirty]:
        if not is_new and not session.is_modified(row, include_collections=False):
            continue
        state = inspect(row)
        for column in state.mapper.columns:
            stamp = column.info.get("stamp")
            if stamp is None or (not is_new and stamp != "update"):
                continue
            key = state.mapper.get_property_by_column(column).key
            if is_new and getattr(row, key) is not None:
                continue  # the code chose this time itself
            if not is_new and state.attrs[key].history.has_changes():
                continue
            now = now or session_now(session)
            setattr(row, key, now)


class Database:
    """One engine and its session factory; `unit_of_work()` is one transaction. `now` is the programme's
    clock (required: storage has no clock of its own)."""

    def __init__(self, url: str, *, now: Now, **engine_kwargs: Any) -> None:
        self.url = url
        self.now = now
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={NOW_KEY: now})
        event.listen(self.sessions, "before_flush", _stamp)

    def upgrade(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Commit on success, roll back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
