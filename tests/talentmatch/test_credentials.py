"""The local stack's contact key and private files."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from services.profiles.settings import DEVELOPMENT_CONTACT_KEY
from talentmatch.cli import _make_private, main
from talentmatch.credentials import CONTACT_KEY_FILE, NoSecretError, load_or_create_contact_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_contact_key_is_made_once_kept_private_and_never_the_development_key(tmp_path: Path) -> None:
    var = tmp_path / "var"
    key = load_or_create_contact_key(var)
    assert len(base64.b64decode(key)) == 64 and key != DEVELOPMENT_CONTACT_KEY
    assert load_or_create_contact_key(var) == key, "kept across starts: the stored contacts stay readable"
    assert _mode(var / CONTACT_KEY_FILE) == 0o600 and _mode(var) == 0o700
    assert load_or_create_contact_key(tmp_path / "other") != key, "one key per stack"


def test_a_damaged_contact_key_is_refused_not_replaced(tmp_path: Path) -> None:
    (tmp_path / CONTACT_KEY_FILE).write_text(base64.b64encode(b"short").decode())
    with pytest.raises(NoSecretError, match="contact key"):
        load_or_create_contact_key(tmp_path)


def test_files_an_earlier_stack_left_open_become_private(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir(mode=0o755)
    (tmp_path / "logs" / "profiles.log").write_text("x")
    (tmp_path / "profiles.db").write_text("x")
    for path in (tmp_path / "logs" / "profiles.log", tmp_path / "profiles.db"):
        path.chmod(0o644)
    _make_private(tmp_path)
    assert {p.name: _mode(p) for p in [tmp_path, *tmp_path.rglob("*")]} == \
        {tmp_path.name: 0o700, "logs": 0o700, "profiles.log": 0o600, "profiles.db": 0o600}


def test_status_without_a_running_stack_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--var", str(tmp_path)]) == 2
    assert "talentmatch up" in capsys.readouterr().err
