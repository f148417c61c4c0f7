"""deploy/k8s/: every manifest valid for its kind, and the pieces wired to each other."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared import serve
from shared.events.topics import ALL_TOPICS

from ._support import (
    APP_SERVICES,
    DB_SERVICES,
    K8S_DIR,
    K8S_SCHEMA_FILES,
    RUNTIME_ENV,
    SERVICE_BACKENDS,
    WEB_APP,
    WEB_APP_BACKENDS,
    error_messages,
    is_example,
    k8s_documents,
    k8s_manifest_files,
    k8s_objects,
    k8s_validator,
    kustomization,
    load_yaml_docs,
    quantity,
    service_env_names,
)

NAMESPACE = "talentmatch"


def deployments() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s_objects("Deployment")}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    first: dict[str, Any] = containers[0]
    return first


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def config_maps() -> dict[str, dict[str, Any]]:
    return {c["metadata"]["name"]: c for c in k8s_objects("ConfigMap")}


def secrets() -> dict[str, dict[str, Any]]:
    return {s["metadata"]["name"]: s for s in k8s_objects("Secret")}


# --- schemas ----------------------------------------------------------------------------------------


def _doc_id(file_name: str, doc: dict[str, Any]) -> str:
    return f"{file_name}:{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


@pytest.mark.parametrize(
    ("file_name", "doc"), [pytest.param(f, d, id=_doc_id(f, d)) for f, d in k8s_documents()],
)
def test_manifest_validates_against_its_kind_schema(file_name: str, doc: dict[str, Any]) -> None:
    key = (doc.get("apiVersion"), doc.get("kind"))
    assert key in K8S_SCHEMA_FILES, f"{file_name}: no vendored schema for {key}"
    assert error_messages(k8s_validator(*key), doc) == []


def test_the_schemas_are_strict() -> None:
    """Guards the guard: a misspelt field or a wrong type must fail validation."""
    deployment = next(iter(deployments().values()))
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    assert error_messages(k8s_validator("apps/v1", "Deployment"), misspelt)
    bad_probe = {**deployment}
    bad_probe["spec"] = {**deployment["spec"], "template": {
        **deployment["spec"]["template"],
        "spec": {**deployment["spec"]["template"]["spec"],
                 "containers": [{**container(deployment), "readinessProbe": {"httpGet": {"path": 1}}}]}}}
    assert error_messages(k8s_validator("apps/v1", "Deployment"), bad_probe)


def test_every_kind_used_has_a_schema_and_every_manifest_a_kind() -> None:
    for file_name, doc in k8s_documents():
        assert doc.get("apiVersion") and doc.get("kind"), file_name
    assert {(d["apiVersion"], d["kind"]) for _, d in k8s_documents()} <= set(K8S_SCHEMA_FILES)


def test_namespaced_objects_live_in_the_namespace() -> None:
    assert [n["metadata"]["name"] for n in k8s_objects("Namespace")] == [NAMESPACE]
    for file_name, doc in k8s_documents():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, file_name


# --- deployments ------------------------------------------------------------------------------------


def test_one_deployment_and_service_per_app_service() -> None:
    assert set(deployments()) == set(APP_SERVICES) | {"matching-embedder"}
    assert {s["metadata"]["name"] for s in k8s_objects("Service")} == set(APP_SERVICES)
    for name in APP_SERVICES:
        kinds = {d["kind"] for d in load_yaml_docs(K8S_DIR / f"{name}.yaml")}
        assert kinds == {"Deployment", "Service"}


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_runs_the_service_from_the_talentmatch_image(name: str) -> None:
    deployment = deployments()[name]
    c = container(deployment)
    port = APP_SERVICES[name]
    assert c["image"].split(":")[0] == "talentmatch"
    assert c["command"] == serve.command(name, host="0.0.0.0", port=port)  # one launcher: shared/serve.py
    assert [(p["name"], p["containerPort"]) for p in c["ports"]] == [("http", port)]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_selector_matches_its_pod_labels(name: str) -> None:
    spec = deployments()[name]["spec"]
    assert selects(spec["selector"]["matchLabels"], spec["template"]["metadata"]["labels"])
    assert spec["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == name


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_has_readiness_and_liveness_probes(name: str) -> None:
    c = container(deployments()[name])
    port_names = {p["name"] for p in c["ports"]} | {p["containerPort"] for p in c["ports"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        assert c[probe]["httpGet"]["path"] == path, probe
        assert c[probe]["httpGet"]["port"] in port_names, probe


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_sets_requests_and_limits(name: str) -> None:
    resources = container(deployments()[name])["resources"]
    for resource in ("cpu", "memory"):
        request = quantity(resources["requests"][resource])
        limit = quantity(resources["limits"][resource])
        assert 0 < request <= limit, resource


def test_matching_gets_more_memory_than_the_apis() -> None:
    def memory(name: str, kind: str) -> float:
        return quantity(container(deployments()[name])["resources"][kind]["memory"])

    for kind in ("requests", "limits"):
        assert memory("matching", kind) > max(memory(name, kind) for name in ("profiles", "jobs", WEB_APP))
    assert memory("matching", "limits") >= 2 * 2**30  # model + FAISS index


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_runs_as_non_root(name: str) -> None:
    pod = deployments()[name]["spec"]["template"]["spec"]
    c = container(deployments()[name])
    pod_ctx, ctx = pod.get("securityContext", {}), c.get("securityContext", {})
    assert ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is True
    assert ctx.get("runAsUser", pod_ctx.get("runAsUser", 1)) != 0
    assert ctx.get("allowPrivilegeEscalation") is False
    if ctx.get("readOnlyRootFilesystem"):
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        assert "/tmp" in mounts, "a read-only root filesystem needs a writable /tmp"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_env_comes_from_the_configmap_and_secret(name: str) -> None:
    c = container(deployments()[name])
    cm_names = [src["configMapRef"]["name"] for src in c.get("envFrom", []) if "configMapRef" in src]
    assert cm_names and all(n in config_maps() for n in cm_names)
    secret_refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c.get("env", [])
                   if "secretKeyRef" in e.get("valueFrom", {})}
    if name in DB_SERVICES:
        assert "DATABASE_URL" in secret_refs, f"{name} owns a database"
    for ref in secret_refs.values():
        secret = secrets().get(ref["name"])
        assert secret is not None, f"{name}: no Secret {ref['name']} (see secret.example.yaml)"
        assert ref["key"] in {**secret.get("data", {}), **secret.get("stringData", {})}


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_deployment_env_names_are_settings_the_service_reads(name: str) -> None:
    c = container(deployments()[name])
    used = {e["name"] for e in c.get("env", [])}
    for src in c.get("envFrom", []):
        if "configMapRef" in src:
            used |= set(config_maps()[src["configMapRef"]["name"]]["data"])
    allowed = service_env_names(name) | RUNTIME_ENV
    assert used <= allowed, f"{name}: not read by its settings: {sorted(used - allowed)}"
    assert {"KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "LOG_LEVEL", "HF_HUB_OFFLINE"} <= used


def test_the_web_app_calls_the_apis_through_their_services_and_shares_the_auth_secret() -> None:
    env = _env(WEB_APP)
    ports = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in k8s_objects("Service")}
    for field, backend in WEB_APP_BACKENDS.items():
        assert field in service_env_names(WEB_APP), field
        assert env[field] == f"http://{backend}:{ports[backend]}"
    assert env["SECURE_COOKIES"] == "true"  # behind TLS: the session cookie must never travel in clear

    def secret_ref(name: str, variable: str = "AUTH_SECRET") -> dict[str, str]:
        refs: dict[str, dict[str, str]] = {e["name"]: e["valueFrom"]["secretKeyRef"]
                                           for e in container(deployments()[name])["env"] if "valueFrom" in e}
        return refs[variable]

    assert all(secret_ref(name) == secret_ref(WEB_APP) for name in ("profiles", "jobs", "matching"))
    # the contact a seeker releases to an enterprise is encrypted with profiles' key
    assert secret_ref(WEB_APP, "CONTACT_ENCRYPTION_KEY") == secret_ref("profiles", "CONTACT_ENCRYPTION_KEY")


def test_example_secret_is_clearly_an_example() -> None:
    path = K8S_DIR / "secret.example.yaml"
    assert "EXAMPLE" in path.read_text(encoding="utf-8").split("apiVersion:")[0]
    for value in secrets()["talentmatch-database"]["stringData"].values():
        assert "EXAMPLE" in value


# --- services, HPA, PDBs ----------------------------------------------------------------------------


@pytest.mark.parametrize("service", k8s_objects("Service"), ids=lambda s: s["metadata"]["name"])
def test_service_selects_a_deployment_and_targets_its_port(service: dict[str, Any]) -> None:
    selector = service["spec"]["selector"]
    matched = [d for d in deployments().values()
               if selects(selector, d["spec"]["template"]["metadata"]["labels"])]
    assert len(matched) == 1, f"{service['metadata']['name']} selects {len(matched)} Deployments"
    ports = container(matched[0])["ports"]
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in {p["name"] for p in ports} | {p["containerPort"] for p in ports}


def test_hpa_scales_the_matching_deployment_on_cpu() -> None:
    (hpa,) = k8s_objects("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", "matching")
    assert target["name"] in deployments()
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    # Utilization is relative to the request, so the request must exist.
    assert container(deployments()["matching"])["resources"]["requests"]["cpu"]
    # The HPA owns the replica count: a fixed one in the Deployment would fight it on every apply.
    assert "replicas" not in deployments()["matching"]["spec"]


def test_every_deployment_has_a_pdb_that_allows_a_disruption() -> None:
    hpa_min = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
               for h in k8s_objects("HorizontalPodAutoscaler")}
    pdbs = k8s_objects("PodDisruptionBudget")
    for name, deployment in deployments().items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [p for p in pdbs if selects(p["spec"]["selector"]["matchLabels"], labels)]
        assert len(matching) == 1, f"{name}: {len(matching)} PodDisruptionBudgets"
        replicas = hpa_min.get(name, deployment["spec"].get("replicas", 1))
        assert matching[0]["spec"]["minAvailable"] < replicas, f"{name}: a drain could never proceed"


# --- kustomization ----------------------------------------------------------------------------------


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    resources = kustomization()["resources"]
    assert len(resources) == len(set(resources))
    for resource in resources:
        path = K8S_DIR / resource
        assert path.is_file(), f"kustomization lists missing {resource}"
        assert load_yaml_docs(path), f"{resource} is empty"
    expected = {p.name for p in k8s_manifest_files() if not is_example(p)}
    assert set(resources) == expected
    assert "secret.example.yaml" not in resources, "example credentials must never be applied"


def test_kustomization_sets_namespace_labels_and_image() -> None:
    k = kustomization()
    assert k["apiVersion"] == "kustomize.config.k8s.io/v1beta1" and k["kind"] == "Kustomization"
    assert k["namespace"] == NAMESPACE
    labels = k["labels"][0]
    assert labels["pairs"]["app.kubernetes.io/part-of"] == "talentmatch"
    assert labels.get("includeSelectors") is False, "selectors are immutable once applied"
    (image,) = k["images"]
    assert image["name"] == "talentmatch" and re.fullmatch(r"[\w.-]+", str(image["newTag"]))
    for deployment in deployments().values():
        assert container(deployment)["image"].split(":")[0] == image["name"]


def test_readme_documents_managed_infrastructure_and_topic_creation() -> None:
    text = (K8S_DIR / "README.md").read_text(encoding="utf-8")
    assert "managed" in text.lower()
    assert "kafka-topics.sh" in text
    for spec in ALL_TOPICS:
        assert f"--topic {spec.name}" in text
    assert text.count("cleanup.policy=compact") == sum(spec.compacted for spec in ALL_TOPICS)


def _env(name: str) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(deployments()[name]).get("env", []) if "value" in e}


def test_matching_scales_out_as_embedders_by_partitions_and_replicas_by_the_autoscaler() -> None:
    embedder, replica = deployments()["matching-embedder"], deployments()["matching"]
    assert _env("matching-embedder")["MATCHING_ROLE"] == "embedder"
    assert _env("matching")["MATCHING_ROLE"] == "replica"
    assert container(embedder)["command"] == container(replica)["command"]  # one image, one app factory
    partitions = int(config_maps()["talentmatch-config"]["data"]["TOPIC_PARTITIONS"])
    assert 1 < embedder["spec"]["replicas"] <= partitions, "more embedders than partitions sit idle"
    c = container(embedder)
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"MATCHING_ROLE"} <= service_env_names("matching")


@pytest.mark.parametrize("name", DB_SERVICES)
def test_an_init_container_migrates_the_database_before_the_service_starts(name: str) -> None:
    pod = deployments()[name]["spec"]["template"]["spec"]
    [init] = pod["initContainers"]
    main = container(deployments()[name])
    assert init["command"] == ["python", "-m", "shared.migrations", "upgrade", "--service", name]
    assert init["image"] == main["image"]
    url = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in main["env"] if "valueFrom" in e}["DATABASE_URL"]
    assert [e["valueFrom"]["secretKeyRef"] for e in init["env"] if e["name"] == "DATABASE_URL"] == [url]
    ctx = init["securityContext"]
    assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
    assert "/tmp" in {m["mountPath"] for m in init["volumeMounts"]}  # adopting an old database uses a scratch file
    for resource in ("cpu", "memory"):
        assert 0 < quantity(init["resources"]["requests"][resource]) <= quantity(init["resources"]["limits"][resource])


@pytest.mark.parametrize("name", sorted(SERVICE_BACKENDS))
def test_services_call_other_apis_through_their_services(name: str) -> None:
    ports = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in k8s_objects("Service")}
    for field, backend in SERVICE_BACKENDS[name].items():
        assert field in service_env_names(name), field
        assert _env(name)[field] == f"http://{backend}:{ports[backend]}"
