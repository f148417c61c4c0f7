"""Each service's migration history: it builds exactly what the models declare, and services refuse a
database that is not at the head they know."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, inspect, text

from services.jobs.main import create_app as create_jobs
from services.jobs.models import Base as JobsBase
from services.jobs.settings import JobsSettings
from services.matching.feedback_ledger.models import Base as MatchingBase
from services.portal.main import create_app as create_portal
from services.portal.models import Base as PortalBase
from services.portal.settings import PortalSettings
from services.profiles.models import Base as ProfilesBase
from shared.db import make_engine
from shared.migrations import (
    SchemaNotAtHead,
    alembic_config,
    check_at_head,
    current_revision,
    head_revision,
    known_revisions,
    main,
    upgrade,
)
from tests.auth import SECRET

HISTORIES = [("services.profiles", ProfilesBase.metadata), ("services.jobs", JobsBase.metadata),
             ("services.matching", MatchingBase.metadata), ("services.portal", PortalBase.metadata)]
PACKAGES = [package for package, _ in HISTORIES]


@pytest.mark.parametrize(("package", "metadata"), HISTORIES, ids=["profiles", "jobs", "matching", "portal"])
def test_head_builds_what_the_models_declare(database_url: str, package: str, metadata: MetaData) -> None:
    upgrade(database_url, package)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        # a model changed without a migration: python -m shared.migrations revision --service NAME -m "..."
        assert differences == []
        assert current_revision(engine) == head_revision(package)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("package", "metadata"), HISTORIES, ids=["profiles", "jobs", "matching", "portal"])
def test_sqlite_tables_keep_autoincrement_at_head(tmp_path: Path, package: str, metadata: MetaData) -> None:
    """A table whose ids must never be reused (a deleted record's id handed to a new one would meet the old
    one's tombstone in matching) keeps AUTOINCREMENT through every migration (a batch rebuild drops it)."""
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url, package)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            created: dict[str, str] = dict(conn.execute(text("SELECT name, sql FROM sqlite_master "
                                                             "WHERE type = 'table'")).tuples().all())
    finally:
        engine.dispose()
    never_reused = [table.name for table in metadata.tables.values() if table.kwargs.get("sqlite_autoincrement")]
    assert [name for name in never_reused if "AUTOINCREMENT" not in created[name].upper()] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_revision_downgrades_and_upgrades_again(tmp_path: Path, package: str) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    upgrade(url, package)
    engine = make_engine(url)
    try:
        command.downgrade(alembic_config(url, package), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(url, package)
        assert current_revision(engine) == head_revision(package)
    finally:
        engine.dispose()


def test_revision_ids_name_their_service() -> None:
    for package in PACKAGES:
        service = package.rsplit(".", 1)[-1]
        assert all(revision.startswith(f"{service}_") for revision in known_revisions(package))


def test_a_database_not_at_head_is_refused_with_the_command_to_run(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(SchemaNotAtHead, match=r"no schema revision .*python -m shared.migrations upgrade "
                                                  r"--service jobs"):
            check_at_head(engine, "services.jobs")
        upgrade(database_url, "services.jobs", revision="jobs_0001")
        with pytest.raises(SchemaNotAtHead, match=r"at revision jobs_0001, behind .*--service jobs"):
            check_at_head(engine, "services.jobs")
        with pytest.raises(SchemaNotAtHead, match=r"'jobs_0001', unknown to this release"):
            check_at_head(engine, "services.profiles")  # the jobs database given to profiles
        upgrade(database_url, "services.jobs")
        check_at_head(engine, "services.jobs")
        with engine.begin() as conn:  # a newer release migrated it, then this one was rolled back to
            conn.execute(text("UPDATE alembic_version SET version_num = 'jobs_0099'"))
        with pytest.raises(SchemaNotAtHead, match=r"'jobs_0099', unknown to this release"):
            check_at_head(engine, "services.jobs")
    finally:
        engine.dispose()


def test_the_service_does_not_start_on_a_database_behind_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/jobs.db"
    upgrade(url, "services.jobs", revision="jobs_0001")
    app = create_jobs(JobsSettings(database_url=url, auth_secret=SECRET, kafka_bootstrap_servers="127.0.0.1:1"))
    expected = re.escape("run `python -m shared.migrations upgrade --service jobs` first")
    with pytest.raises(SchemaNotAtHead, match=expected), TestClient(app):
        pass


def test_the_portal_does_not_start_on_a_database_without_its_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/portal.db"
    app = create_portal(PortalSettings(database_url=url, auth_secret=SECRET))
    expected = re.escape(f"has no schema revision (this release needs {head_revision('services.portal')}): run "
                         "`python -m shared.migrations upgrade --service portal` first")
    with pytest.raises(SchemaNotAtHead, match=expected), TestClient(app):
        pass
    upgrade(url, "services.portal")
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200


def test_the_command_line_upgrades_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/profiles.db"
    assert main(["check", "--service", "profiles", "--database-url", url]) == 1
    assert "no schema revision" in capsys.readouterr().err
    assert main(["upgrade", "--service", "profiles", "--database-url", url]) == 0
    assert main(["check", "--service", "profiles", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{head_revision('services.profiles')} "
                                                    f"(head {head_revision('services.profiles')})")
