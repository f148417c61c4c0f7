"""A PostgreSQL restart, as the service sees it: every connection it holds is cut at once. The next
requests reconnect (pool pre-ping), and the outbox relay goes on publishing."""

from __future__ import annotations

import json

import psycopg
from kafka.consumer.fetcher import ConsumerRecord
from sqlalchemy.engine import make_url

from services.profiles.main import create_app
from services.profiles.settings import ProfilesSettings
from tests.auth import SECRET, ProfilesClient
from tests.migrations.support import migrated
from tests.profiles.helpers import profile_body, profiles_topic, read_topic


def _cut_every_connection(database_url: str, admin_url: str) -> int:
    name = make_url(database_url).database
    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall()
    return len(rows)


def _allow_connections(database_url: str, admin_url: str, allowed: bool) -> None:
    name = make_url(database_url).database
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')


def test_while_the_database_is_down_writes_get_a_clear_503_and_nothing_changes(
        postgres_url: str, postgres_server_url: str, bootstrap: str, redis_url: str, topic_suffix: str) -> None:
    settings = ProfilesSettings(database_url=migrated(postgres_url, "profiles"),
                                kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=topic_suffix, auth_secret=SECRET)
    with ProfilesClient(create_app(settings)) as client:
        created = client.post("/v1/profiles", json=profile_body()).json()
        _allow_connections(postgres_url, postgres_server_url, False)
        try:
            _cut_every_connection(postgres_url, postgres_server_url)
            refused = client.patch(f"/v1/profiles/{created['id']}", json={"years_experience": 9})
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "2"
            assert refused.json()["detail"][0]["type"] == "database_unavailable"
        finally:
            _allow_connections(postgres_url, postgres_server_url, True)
        after = client.get(f"/v1/profiles/{created['id']}").json()
        assert after["version"] == 1 and after["years_experience"] == created["years_experience"]


def test_the_service_reconnects_after_the_database_dropped_its_connections(
        postgres_url: str, postgres_server_url: str, bootstrap: str, redis_url: str, topic_suffix: str) -> None:
    settings = ProfilesSettings(database_url=migrated(postgres_url, "profiles"),
                                kafka_bootstrap_servers=bootstrap, redis_url=redis_url,
                                topic_namespace=topic_suffix, auth_secret=SECRET)
    with ProfilesClient(create_app(settings)) as client:
        created = client.post("/v1/profiles", json=profile_body()).json()
        assert _cut_every_connection(postgres_url, postgres_server_url) >= 1  # the pool held some

        assert client.get(f"/v1/profiles/{created['id']}").status_code == 200
        changed = client.patch(f"/v1/profiles/{created['id']}", json={"years_experience": 7})
        assert changed.status_code == 200 and changed.json()["version"] == 2

        def published_version_2(records: list[ConsumerRecord]) -> bool:
            return any(json.loads(r.value).get("record_version") == 2 for r in records)

        read_topic(bootstrap, profiles_topic(topic_suffix), until=published_version_2)
