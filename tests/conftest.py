"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the Web API stand-in, the app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, make_url, text

from bot.runtime.clock import SystemClock
from storage.db import Database
from storage.models import Base
from tests.support.harness import RunningApp, start_app

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means "not reachable"
        return str(error).splitlines()[0]
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it (much faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}", now=SystemClock().now)
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "test.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}", now=SystemClock().now)
    yield database
    database.dispose()


def _run_schema() -> str:
    """This test run's own PostgreSQL schema: two runs at once (two checkouts, CI beside a developer) never
    see each other's tables."""
    return f"test_run_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _drop_abandoned_schemas(connection: Connection) -> None:
    """Schemas of runs whose process is gone (killed before it could clean up)."""
    names = connection.scalars(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test_run_%'"))
    for name in list(names):
        pid = int(name.split("_")[2])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        except PermissionError:  # alive, someone else's
            pass


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL at {POSTGRES_URL} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem}); set TEST_DATABASE_URL to run these")
    schema = _run_schema()
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        _drop_abandoned_schemas(connection)
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # in the URL, so that anything opening its own connection from `db.url` lands in the same schema
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    database = Database(url.render_as_string(hide_password=False), now=SystemClock().now)
    try:
        database.upgrade()
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_db(postgres_database: Database) -> Database:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with postgres_database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Database:
    """A migrated, empty database: every storage test runs on both."""
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
def running_app(sqlite_db: Database) -> Iterator[RunningApp]:
    """The whole app on SQLite: HTTP server, Bolt, stand-in Web API."""
    app = start_app(sqlite_db)
    yield app
    app.stop()


@pytest.fixture
def running_app_any_db(db: Database) -> Iterator[RunningApp]:
    """The whole app, once on SQLite and once on PostgreSQL."""
    app = start_app(db)
    yield app
    app.stop()
