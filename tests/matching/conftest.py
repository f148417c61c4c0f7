"""Bearer tokens that an app accepts, signed with its settings' secret, and a model-free encoder (the
model fixtures, one load per session, are in ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from shared.auth import Role, issue_token
from shared.settings import ServiceSettings

SUBJECTS: dict[Role, str] = {"seeker": "seeker-1", "enterprise": "ent-10", "operator": "op-tests",
                             "service": "svc-tests"}



@pytest.fixture(autouse=True)
def _matching_database(matching_database: str) -> str:
    """Every matching app of these tests keeps its accepted feedback in a fresh database at the head."""
    return matching_database

def auth_headers(settings: ServiceSettings, role: Role, subject: str | None = None) -> dict[str, str]:
    """``Authorization`` for ``subject`` (default: ``SUBJECTS[role]``) acting as ``role``, for an app built
    from ``settings``. ``seeker-<id>`` owns profile ``<id>``, ``ent-<id>`` opportunity ``<id>`` (factories)."""
    token = issue_token(settings.auth_secret.get_secret_value(), subject=subject or SUBJECTS[role], role=role)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def lexical_encoder() -> HybridEncoder:
    """Lexical-only: enough for the logic tests, and needs no model."""
    return HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
