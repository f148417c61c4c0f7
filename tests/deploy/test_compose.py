"""docker-compose.yml: valid Compose Specification, and consistent with the code and the Dockerfile."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest

from shared import serve
from shared.events.topics import ALL_TOPICS

from ._support import (
    APP_SERVICES,
    DB_SERVICES,
    POSTGRES_INIT_DIR,
    ROOT,
    RUNTIME_ENV,
    SERVICE_BACKENDS,
    WEB_APP,
    WEB_APP_BACKENDS,
    compose,
    compose_validator,
    error_messages,
    service_env_names,
)


def services() -> dict[str, dict[str, Any]]:
    result = compose()["services"]
    assert isinstance(result, dict)
    return result


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_validates_against_the_compose_spec_schema() -> None:
    assert error_messages(compose_validator(), compose()) == []


def test_the_schema_rejects_an_unknown_service_key() -> None:
    """Guards the guard: a typo in a service must fail validation."""
    broken = {"services": {"x": {"image": "busybox:1", "helthcheck": {"test": ["CMD", "true"]}}}}
    assert error_messages(compose_validator(), broken)


def test_stack_has_the_expected_services() -> None:
    expected = {"kafka", "kafka-init", "redis", "postgres", *APP_SERVICES}
    assert expected <= set(services())


@pytest.mark.parametrize("name", sorted(compose()["services"]))
def test_every_service_has_an_existing_build_or_a_pinned_image(name: str) -> None:
    service = services()[name]
    assert "build" in service or "image" in service, f"{name}: neither build nor image"
    if "build" in service:
        build = service["build"]
        build = {"context": build} if isinstance(build, str) else build
        context = ROOT / build.get("context", ".")
        assert context.is_dir(), f"{name}: build context {context} is missing"
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
    else:
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{name}: image {image!r} has no tag"
        assert not image.endswith(":latest"), f"{name}: pin the image, not :latest"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_build_the_one_image_and_override_the_command(name: str) -> None:
    service = services()[name]
    assert service["build"] == services()["profiles"]["build"]
    assert service["image"] == services()["profiles"]["image"]
    port = APP_SERVICES[name]
    assert service["command"] == serve.command(name, host="0.0.0.0", port=port)  # one launcher: shared/serve.py
    assert (ROOT / "services" / name).is_dir()
    main = ROOT / "services" / name / "main.py"
    if main.exists():  # the services are written in parallel with these files
        assert "def create_app(" in main.read_text(encoding="utf-8")
    assert f"{port}:{port}" in service["ports"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_healthchecks_probe_readyz_with_python_urllib(name: str) -> None:
    test = services()[name]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python", "python-slim has no curl: use python's urllib"
    script = " ".join(test[2:])
    assert "urllib.request" in script
    assert f"127.0.0.1:{APP_SERVICES[name]}/readyz" in script


@pytest.mark.parametrize("name", ["kafka", "redis", "postgres"])
def test_infrastructure_has_healthchecks(name: str) -> None:
    healthcheck = services()[name]["healthcheck"]
    assert healthcheck["test"] and not healthcheck.get("disable", False)


def test_depends_on_targets_exist_and_conditions_are_satisfiable() -> None:
    all_services = services()
    for name, service in all_services.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {target: {"condition": "service_started"} for target in depends_on}
        for target, spec in depends_on.items():
            assert target in all_services, f"{name} depends on unknown service {target}"
            assert target != name
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in all_services[target], f"{name} waits for {target}'s health"
            if condition == "service_completed_successfully":
                assert all_services[target].get("restart", "no") == "no", f"{target} is one-shot"


@pytest.mark.parametrize("name", sorted(set(APP_SERVICES) - {WEB_APP}))
def test_app_services_wait_for_their_infrastructure(name: str) -> None:
    depends_on = services()[name]["depends_on"]
    assert depends_on["kafka"]["condition"] == "service_healthy"
    assert depends_on["kafka-init"]["condition"] == "service_completed_successfully"
    assert depends_on["redis"]["condition"] == "service_healthy"
    if name in DB_SERVICES:
        assert depends_on["postgres"]["condition"] == "service_healthy"


def test_the_web_app_calls_the_apis_by_their_compose_names_and_waits_for_them() -> None:
    portal = services()[WEB_APP]
    env = environment(portal)
    for field, backend in WEB_APP_BACKENDS.items():
        assert field in service_env_names(WEB_APP), field
        assert env[field] == f"http://{backend}:{APP_SERVICES[backend]}"
        assert portal["depends_on"][backend]["condition"] in {"service_healthy", "service_started"}
    assert portal["depends_on"]["profiles"]["condition"] == "service_healthy"
    assert portal["depends_on"]["postgres"]["condition"] == "service_healthy"
    # the session tokens it signs must verify in the APIs: one secret, from the shared environment
    assert env["AUTH_SECRET"] == environment(services()["profiles"])["AUTH_SECRET"]
    assert "AUTH_SECRET" in compose()["x-service-env"]
    # the contact a seeker releases is encrypted with profiles' key
    assert env["CONTACT_ENCRYPTION_KEY"] == environment(services()["profiles"])["CONTACT_ENCRYPTION_KEY"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_environment_names_are_settings_the_service_reads(name: str) -> None:
    allowed = service_env_names(name) | RUNTIME_ENV
    used = set(environment(services()[name]))
    assert {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "LOG_LEVEL"} <= used
    assert used <= allowed, f"{name}: not read by its settings: {sorted(used - allowed)}"
    assert environment(services()[name]).get("HF_HUB_OFFLINE") == "1"


@pytest.mark.parametrize("name", DB_SERVICES)
def test_database_urls_point_at_databases_the_init_script_creates(name: str) -> None:
    url = environment(services()[name])["DATABASE_URL"]
    match = re.fullmatch(r"postgresql://talentmatch:[^@]+@postgres:5432/(\w+)", url)
    assert match, url
    assert match.group(1) == name
    init_sql = "\n".join(p.read_text(encoding="utf-8") for p in sorted(POSTGRES_INIT_DIR.glob("*.sql")))
    assert re.search(rf"^\s*CREATE DATABASE {name};", init_sql, re.MULTILINE | re.IGNORECASE)


def test_postgres_mounts_the_init_scripts_and_a_data_volume() -> None:
    volumes = services()["postgres"]["volumes"]
    assert "./deploy/postgres/init:/docker-entrypoint-initdb.d:ro" in volumes
    assert any(v.startswith("postgres-data:") for v in volumes)
    assert POSTGRES_INIT_DIR.is_dir() and list(POSTGRES_INIT_DIR.glob("*.sql"))
    assert services()["postgres"]["image"] == "postgres:16-alpine"


def test_development_secrets_are_overridable_defaults() -> None:
    env = environment(services()["postgres"])
    assert env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:-"), "password must come from the env"
    header = (ROOT / "docker-compose.yml").read_text(encoding="utf-8").split("\nservices:")[0]
    assert "DEVELOPMENT DEFAULTS" in header


def test_kafka_runs_single_node_kraft() -> None:
    kafka = services()["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.0"
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    listeners = env["KAFKA_LISTENERS"]
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] + "://" in listeners
    protocol_map = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    for listener in listeners.split(","):
        assert listener.split("://")[0] in protocol_map
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert any(v.endswith(":" + env["KAFKA_LOG_DIRS"]) for v in kafka["volumes"])
    for name in APP_SERVICES:
        assert environment(services()[name])["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def _topic_commands() -> dict[str, list[str]]:
    """kafka-init's kafka-topics.sh --create invocations, by topic."""
    script = "\n".join(services()["kafka-init"]["command"])
    commands: dict[str, list[str]] = {}
    for line in script.splitlines():
        words = shlex.split(line)
        if "--create" in words:
            commands[words[words.index("--topic") + 1]] = words
    return commands


def test_kafka_init_creates_every_topic_with_its_cleanup_policy() -> None:
    init = services()["kafka-init"]
    assert init["image"] == services()["kafka"]["image"]
    assert "kafka-topics.sh" in "\n".join(init["command"])
    commands = _topic_commands()
    assert set(commands) == {spec.name for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        words = commands[spec.name]
        assert "--if-not-exists" in words
        configs = {words[i + 1] for i, w in enumerate(words) if w == "--config"}
        assert ("cleanup.policy=compact" in configs) == spec.compacted, spec.name


def test_named_volumes_are_declared() -> None:
    declared = set(compose().get("volumes") or {})
    assert {"kafka-data", "postgres-data"} <= declared
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_matching_runs_as_embedders_and_replicas_from_one_image() -> None:
    embedder, replica = services()["matching-embedder"], services()["matching"]
    assert environment(embedder)["MATCHING_ROLE"] == "embedder"
    assert environment(replica)["MATCHING_ROLE"] == "replica"
    assert embedder["build"] == replica["build"] and embedder["command"][:3] == replica["command"][:3]
    assert embedder["deploy"]["replicas"] >= 2


@pytest.mark.parametrize("name", DB_SERVICES)
def test_a_one_shot_job_migrates_each_database_before_its_service_starts(name: str) -> None:
    job, service = services()[f"{name}-migrate"], services()[name]
    assert job["command"] == ["python", "-m", "shared.migrations", "upgrade", "--service", name]
    assert (ROOT / "services" / name / "migrations" / "env.py").is_file()
    assert job["image"] == service["image"] and job["build"] == service["build"]
    assert job["restart"] == "no"
    assert environment(job)["DATABASE_URL"] == environment(service)["DATABASE_URL"]
    assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(SERVICE_BACKENDS))
def test_services_call_other_apis_by_their_compose_names(name: str) -> None:
    service = services()[name]
    for field, backend in SERVICE_BACKENDS[name].items():
        assert field in service_env_names(name), field
        assert environment(service)[field] == f"http://{backend}:{APP_SERVICES[backend]}"
        assert backend in service["depends_on"]
