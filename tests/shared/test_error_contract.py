"""One error shape on all three services (issue 14, items 3 and 10): values that are not JSON (NaN,
±Infinity, lone surrogates) are 422 naming the field on every body endpoint, never 500; no error answer
or log line echoes what was sent; malformed JSON, query, auth, unknown-path and method errors all come
as ``{"detail": [{"loc", "msg", "type"}]}`` at the right ``loc``; OPTIONS lists every method; the OpenAPI
schema documents that shape on every operation.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.jobs.main import create_app as create_jobs
from services.jobs.settings import JobsSettings
from services.matching.domain.encoders import HybridEncoder, LexicalEncoder
from services.matching.domain.occupations import OccupationNormalizer
from services.matching.main import create_app as create_matching
from services.matching.settings import MatchingSettings
from services.profiles.main import create_app as create_profiles
from services.profiles.settings import ProfilesSettings
from shared.errors import NotFoundError, UnprocessableError
from shared.web import install_error_handlers
from talentmatch.embedded import free_port
from tests.auth import SECRET, bearer, org_of
from tests.jobs import factories
from tests.migrations.support import migrated
from tests.profiles.helpers import profile_body

NO_BROKER = f"127.0.0.1:{free_port()}"  # writes wait in the outbox; no broker needed
NOT_JSON: list[Any] = [math.nan, math.inf, -math.inf, "\ud800", "ok\udfffok"]
ERROR_KEYS = {"loc", "msg", "type"}


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("errors")) / "profiles.db"
    with TestClient(create_profiles(ProfilesSettings(database_url=migrated(f"sqlite:///{db}", "profiles"),
                                                     auth_secret=SECRET,
                                                     kafka_bootstrap_servers=NO_BROKER,
                                                     rate_limit_per_minute=0))) as client:
        yield client


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("errors")) / "jobs.db"
    with TestClient(create_jobs(JobsSettings(database_url=migrated(f"sqlite:///{db}", "jobs"), auth_secret=SECRET,
                                             kafka_bootstrap_servers=NO_BROKER, rate_limit_per_minute=0))) as client:
        yield client


@pytest.fixture(scope="module")
def matching(bootstrap: str, redis_url: str, occupation_normalizer: OccupationNormalizer,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("errors")) / "matching.db"
    settings = MatchingSettings(kafka_bootstrap_servers=bootstrap, redis_url=redis_url, auth_secret=SECRET,
                                topic_namespace=f"errors-{uuid.uuid4().hex[:8]}", rate_limit_per_minute=0,
                                database_url=migrated(f"sqlite:///{db}", "matching"))
    encoder = HybridEncoder(dense=None, lexical=LexicalEncoder(1024), dense_weight=0.0, lexical_weight=1.0)
    with TestClient(create_matching(settings, encoder=encoder, normalizer=occupation_normalizer)) as client:
        yield client


def _raw(body: dict[str, Any]) -> bytes:
    """``body`` as Python's JSON writer sends it: NaN/Infinity literals, surrogates as \\u escapes."""
    return json.dumps(body, allow_nan=True).encode("ascii")


def _put(body: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


# service, method, url, caller, body factory, where a bad value goes
ENDPOINTS: list[tuple[str, str, str, tuple[str, str], Any, list[str | int]]] = [
    ("profiles", "POST", "/v1/profiles", ("seeker", "seeker-nan"), profile_body, ["years_experience"]),
    ("profiles", "POST", "/v1/profiles", ("seeker", "seeker-nan"), profile_body, ["skills", 1]),
    ("profiles", "PATCH", "/v1/profiles/1", ("seeker", "seeker-nan"), lambda: {"display_name": "x"},
     ["display_name"]),
    ("jobs", "POST", "/v1/opportunities", ("enterprise", "ent-nan"), factories.job_posting, ["salary_min"]),
    ("jobs", "PATCH", "/v1/opportunities/1", ("enterprise", "ent-nan"), lambda: {"openings": 2}, ["openings"]),
    ("jobs", "POST", "/v1/training-needs", ("enterprise", "ent-nan"), factories.training_need, ["headcount"]),
    ("matching", "POST", "/v1/search", ("operator", "op-nan"), lambda: {"text": "Python", "k": 5}, ["k"]),
    ("matching", "POST", "/v1/occupations/normalize", ("operator", "op-nan"), lambda: {"titles": ["数据分析师"]},
     ["titles", 0]),
    ("matching", "POST", "/v1/feedback", ("service", "svc-nan"),
     lambda: {"talent_id": 1, "opportunity_id": 1, "action": "click", "actor_role": "seeker", "score": 0.5},
     ["score"]),
]


@pytest.mark.parametrize("value", NOT_JSON, ids=["nan", "inf", "-inf", "surrogate", "low-surrogate"])
@pytest.mark.parametrize(("service", "method", "url", "caller", "body", "where"), ENDPOINTS,
                         ids=[f"{e[0]}:{e[1]} {e[2]}:{e[5][0]}" for e in ENDPOINTS])
def test_values_that_are_not_json_are_422_naming_the_field(
        request: pytest.FixtureRequest, service: str, method: str, url: str, caller: tuple[str, str], body: Any,
        where: list[str | int], value: Any) -> None:
    client: TestClient = request.getfixturevalue(service)
    sent = _put(body(), where, value)
    org = org_of(sent) or "杭州数澜云智科技有限公司" if caller[0] == "enterprise" else None
    response = client.request(method, url, content=_raw(sent),
                              headers={**bearer(caller[0], caller[1], org=org),  # type: ignore[arg-type]
                                       "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["loc"] == ["body", *where] and set(detail) == ERROR_KEYS, detail
    response.content.decode("utf-8")  # the answer itself is valid UTF-8


def test_a_surrogate_in_a_key_is_named_escaped(profiles: TestClient) -> None:
    body = _raw({**profile_body(), "\ud800bad": 1})
    response = profiles.post("/v1/profiles", content=body, headers={**bearer("seeker", "seeker-key"),
                                                                   "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "\\ud800bad"]


def test_validation_errors_echo_no_input_and_cut_long_messages(profiles: TestClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    phone, long_name = "13812345678-x", "王" * 5000
    caplog.set_level(logging.DEBUG)
    response = profiles.post("/v1/profiles", json=profile_body(phone=phone, display_name=long_name,
                                                               city="no-such-city-" + "z" * 3000),
                             headers=bearer("seeker", "seeker-echo"))
    assert response.status_code == 422
    details = response.json()["detail"]
    assert {tuple(d["loc"]) for d in details} >= {("body", "phone"), ("body", "display_name"), ("body", "city")}
    assert all(set(d) == ERROR_KEYS and len(d["msg"]) <= 240 for d in details), details
    assert phone not in response.text and "王王王" not in response.text and "z" * 300 not in response.text
    assert phone not in caplog.text and "王王王" not in caplog.text


def test_an_unexpected_exception_is_a_500_in_the_shape_and_logs_no_values(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/boom")
    def boom(body: dict[str, str]) -> None:
        raise ValueError(f"phone {body['phone']} of {body['email']}")  # as a careless bug would

    caplog.set_level(logging.DEBUG)
    response = TestClient(app, raise_server_exceptions=False).post(
        "/boom", json={"phone": "13812345678", "email": "wang.min@example.com"})
    assert response.status_code == 500
    assert response.json() == {"detail": [{"loc": [], "msg": "unexpected ValueError; nothing of the request "
                                                             "is echoed", "type": "internal_error"}]}
    assert "ValueError" in caplog.text and "boom" in caplog.text  # where it happened is logged
    assert "13812345678" not in caplog.text and "example.com" not in caplog.text


def _shape(response: Any) -> list[str | int]:
    body = response.json()
    assert list(body) == ["detail"] and all(set(d) == ERROR_KEYS for d in body["detail"]), body
    loc: list[str | int] = body["detail"][0]["loc"]
    return loc


def test_every_kind_of_error_has_the_one_shape_at_the_right_loc(profiles: TestClient, matching: TestClient) -> None:
    seeker = {**bearer("seeker", "seeker-shape"), "Content-Type": "application/json"}
    operator = bearer("operator", "op-shape")
    malformed = profiles.post("/v1/profiles", content=b'{"display_name": ', headers=seeker)
    assert malformed.status_code == 422 and _shape(malformed)[0] == "body"
    not_utf8 = profiles.post("/v1/profiles", content=b'{"display_name": "\xff"}', headers=seeker)
    assert not_utf8.status_code in (400, 422) and _shape(not_utf8)[0] == "body", not_utf8.text
    query = profiles.get("/v1/profiles", params={"limit": 0}, headers=operator)
    assert query.status_code == 422 and _shape(query) == ["query", "limit"]
    city = matching.get("/v1/talents/1/recommendations", params={"city": "no-such-city"}, headers=operator)
    assert city.status_code in (404, 422)
    if city.status_code == 422:  # raised by the service with field="city": still reported as a query parameter
        assert _shape(city) == ["query", "city"]
    unauthenticated = profiles.get("/v1/profiles")
    assert unauthenticated.status_code == 401 and _shape(unauthenticated) == ["header", "authorization"]
    forbidden = profiles.get("/v1/profiles", headers=seeker)
    assert forbidden.status_code == 403 and _shape(forbidden) != ["body"]
    unknown = profiles.get("/v1/profiles/999999", headers=operator)
    assert unknown.status_code == 404 and _shape(unknown) != ["body"]
    nowhere = profiles.get("/v1/nowhere", headers=operator)
    assert nowhere.status_code == 404 and _shape(nowhere) == ["path"]


@pytest.mark.parametrize(("service", "path", "methods"), [
    ("profiles", "/v1/profiles", "GET, HEAD, POST"),
    ("profiles", "/v1/profiles/1", "DELETE, GET, HEAD, PATCH"),
    ("jobs", "/v1/opportunities/1", "DELETE, GET, HEAD, PATCH"),
    ("matching", "/v1/search", "POST"),
])
def test_a_405_lists_every_method_of_the_path(request: pytest.FixtureRequest, service: str, path: str,
                                              methods: str) -> None:
    client: TestClient = request.getfixturevalue(service)
    response = client.options(path, headers=bearer("operator", "op-allow"))
    assert response.status_code == 405 and response.headers["allow"] == methods
    assert _shape(response) == ["method"]


@pytest.mark.parametrize("service", ["profiles", "jobs", "matching"])
def test_the_openapi_schema_documents_the_one_error_shape(request: pytest.FixtureRequest, service: str) -> None:
    client: TestClient = request.getfixturevalue(service)
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components and "ValidationError" not in components
    assert set(components["ErrorResponse"]["properties"]) == {"detail"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: spec for code, spec in operation["responses"].items() if code >= "400"}
            assert {"422", "500", "503"} <= set(errors), (method, path)
            for code, spec in errors.items():
                schema_of = spec["content"]["application/json"]["schema"]
                assert schema_of == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, code)


def test_a_domain_error_names_where_its_field_was_sent() -> None:
    """A service raising ``field="city"`` while handling a query parameter is reported at ``["query", "city"]``
    (it said ``["body", "city"]``), a path parameter at ``["path", …]``, a body field at ``["body", …]``."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/search/{area}")
    def search(area: str, city: str = "") -> None:
        raise UnprocessableError("unknown city", field="city" if city else "area")

    @app.post("/things")
    def things(body: dict[str, str]) -> None:
        raise UnprocessableError("bad name", field="name")

    @app.get("/records/1")
    def record() -> None:
        raise NotFoundError("record 1 not found")

    client = TestClient(app)
    assert _shape(client.get("/search/east", params={"city": "nowhere"})) == ["query", "city"]
    assert _shape(client.get("/search/east")) == ["path", "area"]
    assert _shape(client.post("/things", json={"name": "x"})) == ["body", "name"]
    assert _shape(client.get("/records/1")) == []
