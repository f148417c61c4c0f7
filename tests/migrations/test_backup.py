"""``talentmatch backup`` / ``restore`` on the stack's files: a consistent copy taken while a writer is busy,
restored only into a fresh folder, and refused when damaged."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.portal.admin import create_operator
from shared.migrations import head_revision, upgrade
from talentmatch.backup import BackupError, backup, restore
from talentmatch.cli import main
from talentmatch.stack import DATABASE_SERVICES

SECRET = "s" * 48


def rows(database: Path, table: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.fixture
def var(tmp_path: Path) -> Path:
    """A stack's var folder: both databases at head with rows, and its signing secret."""
    folder = tmp_path / "var"
    for service in DATABASE_SERVICES:
        upgrade(f"sqlite:///{folder / f'{service}.db'}", f"services.{service}")
    with sqlite3.connect(folder / "jobs.db") as conn:
        conn.executemany("INSERT INTO outbox (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
                         [("talentmatch.opportunities", str(i), "{}", "2026-12-01 08:00:00") for i in range(50)])
    (folder / "auth-secret").write_text(SECRET + "\n", encoding="utf-8")
    return folder


def test_a_backup_taken_during_a_write_restores_the_committed_rows(var: Path, tmp_path: Path) -> None:
    writer = sqlite3.connect(var / "jobs.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN")
    writer.execute("INSERT INTO outbox (topic, key, payload, created_at) VALUES ('t', 'uncommitted', '{}', '')")
    try:
        folder = backup(var, tmp_path / "backups", now=datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    finally:
        writer.rollback()
        writer.close()
    assert folder.name == "20261202T093000.000000Z"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["databases"]["jobs"]["rows"]["outbox"] == 50
    assert manifest["databases"]["jobs"]["revision"] == head_revision("services.jobs")
    assert manifest["credentials"] == ["auth-secret"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir() if p.name != "manifest.json")

    fresh = tmp_path / "fresh"
    restore(folder, fresh)
    for service, table in (("jobs", "outbox"), ("jobs", "opportunities"), ("profiles", "profiles")):
        assert rows(fresh / f"{service}.db", table) == rows(var / f"{service}.db", table)
    assert (fresh / "auth-secret").read_text(encoding="utf-8").strip() == SECRET
    assert stat.S_IMODE((fresh / "jobs.db").stat().st_mode) == 0o600

    with pytest.raises(BackupError, match=r"already holds profiles\.db, jobs\.db, .*auth-secret"):
        restore(folder, fresh)


def test_a_damaged_backup_is_refused(var: Path, tmp_path: Path) -> None:
    folder = backup(var, tmp_path / "backups")
    with sqlite3.connect(folder / "jobs.db") as conn:
        conn.execute("DELETE FROM outbox WHERE id = 7")
    with pytest.raises(BackupError, match="does not hold what the manifest says"):
        restore(folder, tmp_path / "fresh")
    assert not (tmp_path / "fresh" / "profiles.db").exists()  # nothing half-restored


def test_the_command_line(var: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "--var", str(tmp_path / "nothing"), "--to", str(tmp_path / "b")]) == 1
    assert "no profiles.db, jobs.db" in capsys.readouterr().err
    assert main(["backup", "--var", str(var), "--to", str(tmp_path / "b")]) == 0
    [folder] = (tmp_path / "b").iterdir()
    assert "jobs      revision jobs_0002" in capsys.readouterr().out
    assert main(["restore", str(folder), "--var", str(tmp_path / "fresh")]) == 0
    assert f"talentmatch up --no-demo --var {tmp_path / 'fresh'}" in capsys.readouterr().out
    assert main(["restore", str(tmp_path), "--var", str(tmp_path / "other")]) == 1
    assert "is not a backup" in capsys.readouterr().err


def test_the_portal_database_is_backed_up_at_its_revision_and_restored(var: Path, tmp_path: Path) -> None:
    create_operator(database_url=f"sqlite:///{var / 'portal.db'}", login="ops@example.com",
                    password="a long operator password")  # migrates the portal's database first
    folder = backup(var, tmp_path / "backups")
    entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["databases"]["portal"]
    assert entry["revision"] == head_revision("services.portal")
    assert entry["rows"]["accounts"] == 1
    fresh = tmp_path / "fresh"
    restore(folder, fresh)
    assert [row[1:3] for row in rows(fresh / "portal.db", "accounts")] == [("operator", "ops@example.com")]
    (tmp_path / "again").mkdir()
    shutil.copyfile(fresh / "portal.db", tmp_path / "again" / "portal.db")
    with pytest.raises(BackupError, match=r"already holds portal\.db"):
        restore(folder, tmp_path / "again")  # an existing portal database is never overwritten

