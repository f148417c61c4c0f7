"""``talentmatch backup`` / ``talentmatch restore``: the local stack's data, kept and brought back.

A backup is a folder ``<to>/<UTC timestamp>/`` holding each database-owning service's SQLite file, copied with
SQLite's online backup API (a consistent snapshot while the stack runs and writes), the stack's secrets (the
token-signing secret and, where the stack keeps one, the contact-field key without which the stored contact
fields cannot be read) and ``manifest.json`` (schema revision and row count of every table). Matching's index
is not in it: the restored stack re-publishes its records and matching rebuilds the index from them.
A restore fills a fresh var folder; ``talentmatch up`` then upgrades the databases if the backup is older.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from talentmatch.stack import DATABASE_SERVICES, WEB_APP

CREDENTIAL_FILES = ("auth-secret", "contact-key")  # those of them the stack's var folder holds
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """Nothing to back up, a damaged backup, or a restore onto an existing stack."""


def _private_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def _copy_database(source: Path, target: Path) -> None:
    """Page-by-page copy through SQLite's backup API: consistent even while another process writes."""
    target.touch(mode=0o600)
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _describe(database: Path) -> dict[str, Any]:
    """The schema revision and the rows of every table; refuses a file SQLite finds damaged."""
    conn = sqlite3.connect(database)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"{database} fails SQLite's integrity check")
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() \
            if "alembic_version" in tables else None
    finally:
        conn.close()
    return {"revision": revision[0] if revision else None, "rows": counts}


def backup(var_dir: Path, to: Path, *, now: datetime | None = None) -> Path:
    """Write a backup of the stack under ``var_dir`` into a new timestamped folder of ``to``; return it."""
    missing = [service for service in DATABASE_SERVICES if not (var_dir / f"{service}.db").is_file()]
    if missing:
        raise BackupError(f"no {', '.join(f'{s}.db' for s in missing)} under {var_dir}: is it a stack's var folder?")
    folder = to / (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    if folder.exists():
        raise BackupError(f"{folder} exists")
    _private_folder(to)
    _private_folder(folder)
    manifest: dict[str, Any] = {"created_at": datetime.now(UTC).isoformat(), "source": str(var_dir.resolve()),
                                "databases": {}, "credentials": []}
    present = [WEB_APP] if (var_dir / f"{WEB_APP}.db").is_file() else []  # the portal's accounts, if it ran
    for service in (*DATABASE_SERVICES, *present):
        target = folder / f"{service}.db"
        _copy_database(var_dir / f"{service}.db", target)
        manifest["databases"][service] = {"file": target.name, **_describe(target)}
    for name in CREDENTIAL_FILES:
        if (var_dir / name).is_file():
            shutil.copyfile(var_dir / name, folder / name)
            (folder / name).chmod(0o600)
            manifest["credentials"].append(name)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def restore(folder: Path, var_dir: Path) -> dict[str, Any]:
    """Fill the fresh ``var_dir`` from the backup ``folder``; return its manifest. Refuses existing data."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a backup: {error}") from error
    present = [name for name in (*(f"{s}.db" for s in (*DATABASE_SERVICES, WEB_APP)), *CREDENTIAL_FILES)
               if (var_dir / name).exists()]
    if present:
        raise BackupError(f"{var_dir} already holds {', '.join(present)}: restore into a fresh folder "
                          "(stop the stack and move the old one aside)")
    databases: dict[str, Any] = manifest["databases"]  # a backup of an older release may hold fewer
    for entry in databases.values():
        source = folder / entry["file"]
        if _describe(source) != {key: entry[key] for key in ("revision", "rows")}:
            raise BackupError(f"{source} does not hold what the manifest says")
    _private_folder(var_dir)
    for service, entry in databases.items():
        _copy_database(folder / entry["file"], var_dir / f"{service}.db")
    for name in manifest["credentials"]:
        descriptor = os.open(var_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write((folder / name).read_bytes())
    return manifest


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        folder = backup(Path(args.var), Path(args.to))
    except BackupError as error:
        print(f"talentmatch backup: {error}", file=sys.stderr)
        return 1
    databases = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["databases"]
    for service, entry in databases.items():
        print(f"  {service:9s} revision {entry['revision']}, " +
              ", ".join(f"{table} {rows}" for table, rows in entry["rows"].items() if table != "alembic_version"))
    print(f"backup written to {folder}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        restore(Path(args.backup), Path(args.var))
    except BackupError as error:
        print(f"talentmatch restore: {error}", file=sys.stderr)
        return 1
    var_option = "" if args.var == "var" else f" --var {args.var}"
    print(f"restored into {args.var}; start it with: talentmatch up --no-demo{var_option}")
    return 0


def add_commands(sub: Any) -> None:
    """The ``backup`` and ``restore`` subcommands, on the ``talentmatch`` parser's subparsers."""
    save = sub.add_parser("backup", help="copy the local stack's databases and secrets into a timestamped folder")
    save.add_argument("--var", default="var", help="the stack's folder (default: var)")
    save.add_argument("--to", default="backups", help="where the backup folders go (default: backups)")
    save.set_defaults(func=cmd_backup)
    load = sub.add_parser("restore", help="fill a fresh var folder from a backup, then run talentmatch up")
    load.add_argument("backup", help="a folder written by talentmatch backup")
    load.add_argument("--var", default="var", help="the fresh folder to fill (default: var)")
    load.set_defaults(func=cmd_restore)
