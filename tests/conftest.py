"""Real infrastructure for the tests: a Tansu broker and a redis-server started as processes,
SQLite files in tmp dirs, and PostgreSQL at ``TEST_POSTGRES_URL`` (default: the local server)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from services.matching.domain.encoders import DenseEncoder, HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer, build_normalizer
from shared.migrations import upgrade
from talentmatch.embedded import ManagedProcess, start_broker, start_redis

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

@pytest.fixture(scope="session")
def dense_encoder() -> DenseEncoder:
    """The default model (multilingual-e5-small, converted from its wheel into var/models on first use),
    offline, loaded once per session; 1 thread: a shared box."""
    return DenseEncoder(threads=1)


@pytest.fixture(scope="session")
def hybrid_encoder(dense_encoder: DenseEncoder) -> HybridEncoder:
    """The model with the lexical channel, weighted as in production."""
    return HybridEncoder(dense=dense_encoder, lexical=LexicalEncoder(1024), dense_weight=0.8, lexical_weight=0.2)


@pytest.fixture(scope="session")
def occupation_normalizer() -> OccupationNormalizer:
    """The shipped occupation normalizer, built once per session (seconds) and passed to what tags."""
    return build_normalizer()


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    proc = start_broker(log_dir=tmp_path_factory.mktemp("broker"))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def bootstrap(broker: ManagedProcess) -> str:
    return f"127.0.0.1:{broker.port}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedProcess]:
    proc = start_redis(log_dir=tmp_path_factory.mktemp("redis"))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: ManagedProcess) -> str:
    return f"redis://127.0.0.1:{redis_server.port}/0"


def _postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    if not _postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database per test, dropped afterwards."""
    name = f"tm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each SQL-backed test runs against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def matching_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """matching's database (accepted feedback) at the head of its migrations, built once per session."""
    path = tmp_path_factory.mktemp("matching-db") / "template.db"
    upgrade(f"sqlite:///{path}", "services.matching")
    return path


@pytest.fixture
def matching_database(matching_database_template: Path, tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh copy for one test (beside its ``tmp_path``, which stays the test's own), made the default of its
    ``MatchingSettings`` (``DATABASE_URL``)."""
    path = tmp_path_factory.mktemp("matching-db") / "matching.db"
    shutil.copyfile(matching_database_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def topic_suffix() -> str:
    """Tests share one broker; a suffix keeps their topics apart."""
    return uuid.uuid4().hex[:8]
