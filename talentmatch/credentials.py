"""The local stack's token-signing secret: kept in ``<var>/auth-secret`` (mode 0600) so that tokens
issued with ``talentmatch token`` in the same folder are accepted by the stack ``talentmatch up`` runs,
across restarts."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "auth-secret"
MIN_SECRET_CHARS = 32


class NoSecretError(RuntimeError):
    """Neither ``AUTH_SECRET`` nor a stack's secret file is there to sign with."""


def secret_path(var_dir: Path) -> Path:
    return var_dir / SECRET_FILE


def load_or_create_secret(var_dir: Path) -> str:
    """The secret stored under ``var_dir``; a new random one, written with mode 0600, if there is none."""
    path = secret_path(var_dir)
    if path.exists():
        return _read(path)
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(secret + "\n")
    return secret


def signing_secret(var_dir: Path, *, environ: dict[str, str] | None = None) -> str:
    """``AUTH_SECRET`` from the environment, else the stack's secret under ``var_dir``; never a new one."""
    env = os.environ if environ is None else environ
    if env.get("AUTH_SECRET"):
        secret = env["AUTH_SECRET"]
        if len(secret) < MIN_SECRET_CHARS:
            raise NoSecretError(f"AUTH_SECRET must be at least {MIN_SECRET_CHARS} characters")
        return secret
    path = secret_path(var_dir)
    if path.exists():
        return _read(path)
    raise NoSecretError(f"no signing secret: set AUTH_SECRET to the services' secret, or run this in the folder "
                        f"where `talentmatch up` keeps {path} (start the stack once to create it)")


def _read(path: Path) -> str:
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise NoSecretError(f"{path} holds no usable secret (at least {MIN_SECRET_CHARS} characters)")
    return secret
