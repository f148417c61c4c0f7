"""``talentmatch token`` and the local stack's persisted signing secret."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest

from shared.auth import Principal, verify_token
from talentmatch.cli import main
from talentmatch.credentials import load_or_create_secret, secret_path
from talentmatch.demo.load import enterprise_subject

ENV_SECRET = "an-operator-held-secret-of-enough-length-123"


def _issue(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["token", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err


def test_signs_with_auth_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUTH_SECRET", ENV_SECRET)
    load_or_create_secret(tmp_path)  # the environment wins over a stack's file
    code, token, _ = _issue(capsys, "--role", "operator", "--subject", "op-wang", "--var", str(tmp_path))
    assert code == 0
    assert verify_token(ENV_SECRET, token) == Principal(subject="op-wang", role="operator")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 8 * 3600, "8 hours unless told"

    code, token, _ = _issue(capsys, "--role", "seeker", "--subject", "seeker-1", "--ttl", "30m",
                            "--var", str(tmp_path))
    claims = jwt.decode(token, options={"verify_signature": False})
    assert code == 0 and claims["exp"] - claims["iat"] == 1800 and claims["role"] == "seeker"


def test_signs_with_the_stack_secret_kept_in_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    secret = load_or_create_secret(tmp_path)
    assert load_or_create_secret(tmp_path) == secret, "reused across restarts"
    assert stat.S_IMODE(secret_path(tmp_path).stat().st_mode) == 0o600
    code, token, _ = _issue(capsys, "--role", "enterprise", "--subject", "ent-91", "--ttl", "7d",
                            "--var", str(tmp_path))
    assert code == 0 and verify_token(secret, token) == Principal(subject="ent-91", role="enterprise")


def test_refuses_without_a_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AUTH_SECRET", raising=False)
    code, out, err = _issue(capsys, "--role", "operator", "--subject", "op-1", "--var", str(tmp_path / "none"))
    assert code == 2 and out == ""
    assert "AUTH_SECRET" in err and "talentmatch up" in err

    monkeypatch.setenv("AUTH_SECRET", "short")
    code, out, err = _issue(capsys, "--role", "operator", "--subject", "op-1", "--var", str(tmp_path))
    assert code == 2 and out == "" and "32 characters" in err


@pytest.mark.parametrize("argv", [["--role", "admin", "--subject", "x"], ["--role", "seeker"],
                                  ["--role", "seeker", "--subject", "s", "--ttl", "forever"],
                                  ["--role", "seeker", "--subject", "s", "--ttl", "0"],
                                  ["--role", "seeker", "--subject", "s", "--ttl", "91d"]])
def test_bad_arguments_are_refused(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_SECRET", ENV_SECRET)
    with pytest.raises(SystemExit) as exited:
        main(["token", *argv])
    assert exited.value.code == 2


def test_overlong_subjects_are_refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUTH_SECRET", ENV_SECRET)
    code, out, err = _issue(capsys, "--role", "seeker", "--subject", "s" * 129)
    assert code == 2 and out == "" and "subject" in err


def test_demo_enterprise_accounts_are_stable_per_organization() -> None:
    assert enterprise_subject("杭州海康智造科技有限公司") == enterprise_subject("杭州海康智造科技有限公司")
    assert enterprise_subject("杭州海康智造科技有限公司") != enterprise_subject("无锡芯源半导体有限公司")
    assert enterprise_subject("x").startswith("ent-") and len(enterprise_subject("x")) == 12


def test_an_enterprise_token_is_bound_to_the_organization_given(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUTH_SECRET", ENV_SECRET)
    org = "杭州数澜云智科技有限公司"
    code, token, _ = _issue(capsys, "--role", "enterprise", "--subject", "ent-91", "--org", org)
    assert code == 0 and verify_token(ENV_SECRET, token) == Principal(subject="ent-91", role="enterprise", org=org)
    code, _, err = _issue(capsys, "--role", "enterprise", "--subject", "ent-91", "--org", " ")
    assert code == 2 and "org" in err
