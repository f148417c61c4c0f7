"""Paths, loaders and schema validators shared by the deployment tests (no network access)."""

from __future__ import annotations

import importlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parent / "schemas"
K8S_SCHEMAS = SCHEMAS / "kubernetes" / "v1.30.0-local-strict"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S_DIR = ROOT / "deploy" / "k8s"
POSTGRES_INIT_DIR = ROOT / "deploy" / "postgres" / "init"

# The application services: compose service / k8s Deployment name -> port.
APP_SERVICES = {"portal": 8000, "profiles": 8001, "jobs": 8002, "matching": 8003}
# The web app: no Kafka, no Redis; it calls these public APIs (settings field -> service).
WEB_APP = "portal"
WEB_APP_BACKENDS = {"PROFILES_URL": "profiles", "JOBS_URL": "jobs", "MATCHING_URL": "matching"}
# Services calling another's public API (settings field -> service): jobs checks an application's profile.
SERVICE_BACKENDS = {"jobs": {"PROFILES_URL": "profiles"}}
# Services that own a PostgreSQL database.
DB_SERVICES = ("profiles", "jobs", "matching", "portal")  # matching: the feedback it accepted; portal: accounts

# Environment variables read by libraries rather than by the services' settings.
RUNTIME_ENV = frozenset({"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                         "OTEL_EXPORTER_OTLP_ENDPOINT"})  # the last read by the OpenTelemetry SDK

# (apiVersion, kind) -> vendored schema file.
K8S_SCHEMA_FILES = {
    ("v1", "Namespace"): "namespace-v1.json",
    ("v1", "ConfigMap"): "configmap-v1.json",
    ("v1", "Secret"): "secret-v1.json",
    ("v1", "Service"): "service-v1.json",
    ("apps/v1", "Deployment"): "deployment-apps-v1.json",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "horizontalpodautoscaler-autoscaling-v2.json",
    ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudget-policy-v1.json",
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_yaml_docs(path: Path) -> list[Any]:
    """Every non-empty document of a (multi-document) YAML file."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


@cache
def compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@cache
def compose_validator() -> Draft7Validator:
    schema = load_json(SCHEMAS / "compose-spec.json")
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@cache
def _k8s_registry() -> Registry[Any]:
    definitions = load_json(K8S_SCHEMAS / "_definitions.json")
    registry: Registry[Any] = Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))
    return registry


@cache
def k8s_validator(api_version: str, kind: str) -> Draft202012Validator:
    schema = load_json(K8S_SCHEMAS / K8S_SCHEMA_FILES[(api_version, kind)])
    return Draft202012Validator(schema, registry=_k8s_registry())


def error_messages(validator: Draft7Validator | Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def k8s_manifest_files() -> list[Path]:
    """Every manifest in deploy/k8s/ (the kustomization file itself excluded)."""
    return sorted(p for p in K8S_DIR.glob("*.yaml") if p.name != "kustomization.yaml")


@cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, document) for every document of every manifest."""
    return tuple((path.name, doc) for path in k8s_manifest_files() for doc in load_yaml_docs(path))


def k8s_objects(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in k8s_documents() if doc.get("kind") == kind]


def kustomization() -> dict[str, Any]:
    doc = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def is_example(path: Path) -> bool:
    return ".example." in path.name


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$")
_FACTORS = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value: str | int | float) -> float:
    """A Kubernetes resource quantity as a number (cores or bytes)."""
    match = _QUANTITY.match(str(value))
    assert match, f"not a quantity: {value!r}"
    return float(match.group(1)) * _FACTORS[match.group(2)]


# --- settings -------------------------------------------------------------------------------------


def _env_names(cls: type[BaseSettings]) -> set[str]:
    """The environment variable names a pydantic-settings class reads (upper-cased)."""
    prefix = str(cls.model_config.get("env_prefix", "") or "")
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias if field.validation_alias is not None else field.alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        for choice in choices:
            if choice is None:
                names.add((prefix + field_name).upper())
            elif isinstance(choice, str):
                names.add(choice.upper())
            elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
                names.add(choice.path[0].upper())
    return names


def shared_env_names() -> set[str]:
    """The field names of ``shared.settings.ServiceSettings`` (shared/settings.py), upper-cased."""
    from shared.settings import ServiceSettings

    return _env_names(ServiceSettings)


def service_env_names(service: str) -> set[str]:
    """What ``service`` reads: the shared settings plus its own ``services/<service>/settings.py``."""
    names = shared_env_names()
    if (ROOT / "services" / service / "settings.py").exists():
        module = importlib.import_module(f"services.{service}.settings")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, BaseSettings)
                    and value.__module__ == module.__name__):
                names |= _env_names(value)
    return names
