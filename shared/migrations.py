"""Alembic schema migrations, one history per service that owns a database.

Each such service keeps its history in ``services/<name>/migrations/`` (``env.py`` calls :func:`run_env`
with the service's metadata; ``versions/`` holds the revisions, ids prefixed with the service name so a
database of another service is never taken for one's own). A service checks at start that its database
is at the head it knows (:func:`check_at_head`) and refuses to start otherwise; the upgrade itself runs
before, as its own step: ``python -m shared.migrations upgrade --service NAME`` (a one-shot job in
docker-compose and Kubernetes, automatic in ``talentmatch up`` and the test fixtures).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from shared.db import make_engine, normalize_database_url

# Serializes concurrent upgrades of one PostgreSQL database (replicas' init containers start together).
_PG_LOCK_KEY = 0x74616C656E74  # "talent"


class SchemaNotAtHead(RuntimeError):
    """The database is behind this release, ahead of it, or at a revision it does not know."""


def service_package(service: str) -> str:
    """``profiles`` -> ``services.profiles``; a dotted name is taken as the package itself."""
    return service if "." in service else f"services.{service}"


def alembic_config(database_url: str, package: str) -> Config:
    """An in-memory Alembic config for the history packaged in ``<package>/migrations``."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    # ConfigParser interpolates '%': a password holding one must be escaped.
    config.set_main_option("sqlalchemy.url", normalize_database_url(database_url).replace("%", "%%"))
    return config


def head_revision(package: str) -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://", package)).get_current_head()
    if head is None:
        raise RuntimeError(f"{package} has no migrations")
    return head


def known_revisions(package: str) -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://", package))
    return {revision.revision for revision in script.walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database; None for a database no migration has touched."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _base_tables(package: str) -> set[str]:
    """The tables the first revision creates (built in a scratch SQLite file)."""
    base = ScriptDirectory.from_config(alembic_config("sqlite://", package)).get_base()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'base.db'}"
        command.upgrade(alembic_config(url, package), base or "head")
        engine = make_engine(url)
        try:
            return set(inspect(engine).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()


def _adopt_unversioned(database_url: str, package: str) -> None:
    """Stamp the first revision on a database the release before migrations created (same tables, no version).

    That release added missing columns at every start, so such a database holds the first revision's schema.
    """
    engine = make_engine(database_url)
    try:
        if current_revision(engine) is not None:
            return
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    if not tables:
        return
    expected = _base_tables(package)
    if tables != expected:
        raise SchemaNotAtHead(f"the database holds tables {sorted(tables)} but no schema revision; the first "
                              f"revision of {package} has {sorted(expected)}: not a database of this service")
    config = alembic_config(database_url, package)
    command.stamp(config, ScriptDirectory.from_config(config).get_base() or "head")


def upgrade(database_url: str, package: str, *, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest); a database already there is left alone.

    A database created before migrations existed is adopted: stamped at the first revision, then upgraded.
    """
    _adopt_unversioned(database_url, package)
    command.upgrade(alembic_config(database_url, package), revision)


def upgrade_command(service: str) -> str:
    return f"python -m shared.migrations upgrade --service {service}"


def check_at_head(engine: Engine, package: str) -> None:
    """Raise :class:`SchemaNotAtHead`, naming the command to run, unless the database is at the head."""
    head = head_revision(package)
    current = current_revision(engine)
    if current == head:
        return
    service = package.rsplit(".", 1)[-1]
    where = f"{engine.url.render_as_string(hide_password=True)}"
    if current is None:
        raise SchemaNotAtHead(f"the {service} database {where} has no schema revision (this release needs "
                              f"{head}): run `{upgrade_command(service)}` first")
    if current not in known_revisions(package):
        raise SchemaNotAtHead(f"the {service} database {where} is at revision {current!r}, unknown to this "
                              f"release (head {head}): it belongs to another service or a newer release")
    raise SchemaNotAtHead(f"the {service} database {where} is at revision {current}, behind this release "
                          f"({head}): run `{upgrade_command(service)}` first")


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``: online migrations of ``metadata``."""
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            # SQLite cannot ALTER most things in place: batch mode copies the table instead.
            context.configure(connection=conn, target_metadata=metadata,
                              render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
    finally:
        engine.dispose()


def autogenerate(package: str, message: str) -> None:
    """Write a new revision holding what the models have that the head does not (then read it!)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'head.db'}"
        upgrade(url, package)
        command.revision(alembic_config(url, package), message=message, autogenerate=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.migrations", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["upgrade", "current", "check", "revision"])
    parser.add_argument("--service", required=True, help="profiles, jobs, ... (or a dotted package)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="default: $DATABASE_URL")
    parser.add_argument("--revision", default="head", help="upgrade target (default: head)")
    parser.add_argument("-m", "--message", default="", help="revision: what it changes")
    args = parser.parse_args(argv)
    package = service_package(args.service)
    if args.action == "revision":
        autogenerate(package, args.message or "change")
        return 0
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    if args.action == "upgrade":
        upgrade(args.database_url, package, revision=args.revision)
    engine = make_engine(args.database_url)
    try:
        if args.action == "check":
            try:
                check_at_head(engine, package)
            except SchemaNotAtHead as error:
                print(error, file=sys.stderr)
                return 1
        print(f"{args.service}: {current_revision(engine) or 'no revision'} (head {head_revision(package)})")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
