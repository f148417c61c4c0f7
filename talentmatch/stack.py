"""The whole stack on one machine with embedded defaults: Tansu broker, redis-server, SQLite files,
and the three services as uvicorn processes, supervised (a process that dies is started again)."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.auth import Role, issue_token
from shared.kafka import ensure_topics
from talentmatch.embedded import ManagedProcess, spawn, start_broker, start_redis, wait_for_port

log = logging.getLogger(__name__)

SERVICES = ("profiles", "jobs", "matching")
WEB_APP = "portal"  # started too when the config gives it a port (``talentmatch up`` does)
STACK_SUBJECT = "svc-stack"  # the stack's own service account: republish, status polls, totals
OPERATOR_SUBJECT = "op-local"  # the operator account `talentmatch up` prints a token for


@dataclass
class StackConfig:
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    broker_port: int = 19092
    redis_port: int = 16379
    ports: dict[str, int] = field(default_factory=lambda: {"profiles": 8001, "jobs": 8002, "matching": 8003,
                                                           "portal": 8000})
    topic_namespace: str = ""
    topic_partitions: int = 3
    auth_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))  # signs the bearer tokens
    extra_env: dict[str, str] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.broker_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.host}:{self.redis_port}/0"


class LocalStack:
    """Starts, supervises and stops the local stack; ``restart(name)`` simulates a component crash."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, ManagedProcess] = {}

    @property
    def services(self) -> tuple[str, ...]:
        """The API services, and the web app when it has a port."""
        return (*SERVICES, WEB_APP) if WEB_APP in self.config.ports else SERVICES

    def token(self, role: Role, subject: str, *, ttl_seconds: int = 12 * 3600) -> str:
        """A bearer token these services accept, for ``subject`` acting as ``role``."""
        return issue_token(self.config.auth_secret, subject=subject, role=role, ttl_seconds=ttl_seconds)

    def headers(self, role: Role, subject: str) -> dict[str, str]:
        """``Authorization`` header for ``subject`` acting as ``role``."""
        return {"Authorization": f"Bearer {self.token(role, subject)}"}

    @property
    def log_dir(self) -> Path:
        return self.config.var_dir / "logs"

    def service_env(self, service: str) -> dict[str, str]:
        cfg = self.config
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": cfg.bootstrap,
            "REDIS_URL": cfg.redis_url,
            "TOPIC_NAMESPACE": cfg.topic_namespace,
            "TOPIC_PARTITIONS": str(cfg.topic_partitions),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "AUTH_SECRET": cfg.auth_secret,
            **cfg.extra_env,
        }
        if service == "matching":
            env["MATCHING_CHECKPOINT_DIR"] = str((cfg.var_dir / "matching-checkpoint").resolve())
        if service in ("profiles", "jobs", "portal"):
            env["DATABASE_URL"] = f"sqlite:///{(cfg.var_dir / f'{service}.db').resolve()}"
        if service == "portal":  # the web app calls the public APIs with each user's own token
            env.update({f"{name.upper()}_URL": cfg.url(name) for name in ("profiles", "jobs", "matching")})
        return env

    def start(self, *, timeout: float = 120.0) -> None:
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        self.start_component("broker")
        ensure_topics(self.config.bootstrap, partitions=self.config.topic_partitions,
                      namespace=self.config.topic_namespace)
        self.start_component("redis")
        for service in self.services:
            self.start_component(service, wait=False)
        for service in self.services:
            self.wait_healthy(service, timeout=timeout)

    def start_component(self, name: str, *, wait: bool = True) -> None:
        """Start one component (after it was stopped) on its configured port."""
        cfg = self.config
        if name == "broker":
            self.processes[name] = start_broker(port=cfg.broker_port, log_dir=self.log_dir)
        elif name == "redis":
            self.processes[name] = start_redis(port=cfg.redis_port, log_dir=self.log_dir)
        else:
            argv = [sys.executable, "-m", "uvicorn", f"services.{name}.main:create_app", "--factory",
                    "--host", cfg.host, "--port", str(cfg.ports[name]), "--log-level", "warning",
                    "--timeout-graceful-shutdown", "10"]
            self.processes[name] = spawn(name, argv, port=cfg.ports[name], log_dir=self.log_dir,
                                          env=self.service_env(name))
            if wait:
                self.wait_healthy(name)

    def wait_healthy(self, service: str, *, timeout: float = 120.0) -> None:
        """Poll ``/healthz`` until it answers; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        proc = self.processes[service]
        wait_for_port(proc.port, timeout=timeout)
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{service} exited with {proc.process.returncode}; see {proc.log_path}")
            try:
                if httpx.get(f"{self.config.url(service)}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{service} not healthy after {timeout:.0f}s; see {proc.log_path}")

    def republish(self) -> dict[str, int]:
        """Ask the source services to re-publish their current state.

        The embedded broker keeps its log in memory, so after it (re)starts the log is empty; versions
        make the replay harmless for matching.
        """
        enqueued = {}
        headers = self.headers("service", STACK_SUBJECT)
        for service in ("profiles", "jobs"):
            response = httpx.post(f"{self.config.url(service)}/v1/admin/republish", headers=headers, timeout=60)
            response.raise_for_status()
            enqueued[service] = int(response.json()["enqueued"])
        return enqueued

    def restart(self, name: str, *, kill: bool = False) -> None:
        """Stop (or SIGKILL) one component and start it again on the same port."""
        proc = self.processes[name]
        proc.kill() if kill else proc.stop()
        self.start_component(name)
        if name == "broker":
            self.recover_from_broker_loss()

    def recover_from_broker_loss(self) -> None:
        """After the in-memory broker came back empty: recreate the topics, let matching re-read from
        offset 0 (a restart; its old offsets mean nothing on the new log), and re-publish the stores."""
        ensure_topics(self.config.bootstrap, partitions=self.config.topic_partitions,
                      namespace=self.config.topic_namespace)
        if "matching" in self.processes:
            self.processes["matching"].stop()
            self.start_component("matching")
        self.republish()

    def supervise(self, *, interval: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Restart any component that died, until ``stop()`` says so."""
        while not stop():
            for name, proc in list(self.processes.items()):
                if not proc.alive():
                    log.warning("%s exited with %s; starting it again", name, proc.process.returncode)
                    self.restart(name)
            time.sleep(interval)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.processes[name].stop()
        self.processes.clear()


def default_config(var_dir: str | os.PathLike[str] = "var") -> StackConfig:
    return StackConfig(var_dir=Path(var_dir))
