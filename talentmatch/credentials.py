"""The local stack's secrets, each generated once and kept under its var folder (mode 0600):
``<var>/auth-secret`` signs the bearer tokens, so that tokens issued with ``talentmatch token`` in the same
folder are accepted by the stack ``talentmatch up`` runs, across restarts; ``<var>/contact-key`` encrypts the
profiles' contact fields, so that no local stack uses the public development key of the source."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from talentmatch.embedded import private_dir

SECRET_FILE = "auth-secret"
CONTACT_KEY_FILE = "contact-key"
MIN_SECRET_CHARS = 32
CONTACT_KEY_BYTES = 64  # AES-SIV with 256-bit halves


class NoSecretError(RuntimeError):
    """Neither ``AUTH_SECRET`` nor a stack's secret file is there to sign with."""


def secret_path(var_dir: Path) -> Path:
    return var_dir / SECRET_FILE


def load_or_create_secret(var_dir: Path) -> str:
    """The secret stored under ``var_dir``; a new random one, written with mode 0600, if there is none."""
    path = secret_path(var_dir)
    if path.exists():
        return _read(path)
    return _create(path, secrets.token_urlsafe(48))


def load_or_create_contact_key(var_dir: Path) -> str:
    """The stack's contact-field key (base64 of 64 random bytes) under ``var_dir``; a new one if there is none.

    Losing it makes the stored phone numbers, e-mails and ID numbers unreadable, so it is never replaced."""
    path = var_dir / CONTACT_KEY_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(base64.b64decode(key)) != CONTACT_KEY_BYTES:
            raise NoSecretError(f"{path} holds no usable contact key ({CONTACT_KEY_BYTES} bytes, base64)")
        return key
    return _create(path, base64.b64encode(secrets.token_bytes(CONTACT_KEY_BYTES)).decode("ascii"))


def _create(path: Path, value: str) -> str:
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    return value


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
