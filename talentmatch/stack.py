"""The whole stack on one machine with embedded defaults: Tansu broker, redis-server, SQLite files,
and the three services as uvicorn processes, supervised: a process that dies is started again, with a
back-off while it keeps dying, and the others go on serving."""

from __future__ import annotations

import base64
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared import serve
from shared.auth import Role, issue_token
from shared.kafka import ensure_topics
from shared.migrations import service_package, upgrade
from talentmatch.embedded import (
    CHILD_UMASK,
    STOP_GRACE_SECONDS,
    ManagedProcess,
    private_dir,
    spawn,
    start_broker,
    start_redis,
    wait_for_port,
)
from talentmatch.supervisor import STABLE_SECONDS, Board, Phase, backoff_delay

log = logging.getLogger(__name__)

SERVICES = ("profiles", "jobs", "matching")
DATABASE_SERVICES = ("profiles", "jobs", "matching")  # owning a database, with a migration history
START_TIMEOUT_SECONDS = 180.0  # a start not answering by then is stopped and tried again (matching loads a model)
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
    # encrypts the profiles' contact fields: the stack's own, never the development key of the source
    contact_key: str = field(default_factory=lambda: base64.b64encode(secrets.token_bytes(64)).decode("ascii"))
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
    """Starts, supervises and stops the local stack; ``restart(name)`` simulates a component crash.

    ``processes`` holds each component's current process; the supervisor (``supervise``, or one
    ``supervise_once`` step) always acts on the current one, so a restart is never done twice."""

    def __init__(self, config: StackConfig, *, announce: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.processes: dict[str, ManagedProcess] = {}
        self.board = Board(config.var_dir)
        self.announce = announce or (lambda _line: None)  # a step of the start, for a person watching
        self._lock = threading.RLock()
        self._republish_due = False
        self._broker_recovery_due = False

    @property
    def services(self) -> tuple[str, ...]:
        """The API services, and the web app when it has a port."""
        return (*SERVICES, WEB_APP) if WEB_APP in self.config.ports else SERVICES

    def token(self, role: Role, subject: str, *, ttl_seconds: int = 12 * 3600, org: str | None = None) -> str:
        """A bearer token these services accept, for ``subject`` acting as ``role`` (bound to ``org``)."""
        return issue_token(self.config.auth_secret, subject=subject, role=role, ttl_seconds=ttl_seconds, org=org)

    def headers(self, role: Role, subject: str, *, org: str | None = None) -> dict[str, str]:
        """``Authorization`` header for ``subject`` acting as ``role`` (an enterprise bound to ``org``)."""
        return {"Authorization": f"Bearer {self.token(role, subject, org=org)}"}

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
            # not "development": the services refuse the source's development secrets, so none is used here
            "ENVIRONMENT": "local",
            "AUTH_SECRET": cfg.auth_secret,
            **cfg.extra_env,
        }
        if service == "matching":
            env["MATCHING_CHECKPOINT_DIR"] = str((cfg.var_dir / "matching-checkpoint").resolve())
        if service in (*DATABASE_SERVICES, WEB_APP):
            env["DATABASE_URL"] = f"sqlite:///{(cfg.var_dir / f'{service}.db').resolve()}"
        if service in ("profiles", WEB_APP):  # the portal encrypts the contact a seeker releases with it too
            env["CONTACT_ENCRYPTION_KEY"] = cfg.contact_key
        if service == "jobs":  # an application names the seeker's own profile: jobs asks profiles
            env["PROFILES_URL"] = cfg.url("profiles")
        if service == "portal":  # the web app calls the public APIs with each user's own token
            env.update({f"{name.upper()}_URL": cfg.url(name) for name in ("profiles", "jobs", "matching")})
            # its notifier reads the broker above; each notification also goes to its log file (var/logs)
            env.setdefault("NOTIFY_SENDER", "log")
        return env

    def start(self, *, timeout: float = 120.0) -> None:
        private_dir(self.config.var_dir)
        started = time.monotonic()
        migrated = (*DATABASE_SERVICES, *((WEB_APP,) if WEB_APP in self.services else ()))
        self.announce("migrating the databases: " + ", ".join(migrated))
        previous = os.umask(CHILD_UMASK)  # the databases (and their -wal/-shm files) are private from the start
        try:
            for service in migrated:  # a service refuses a database behind its release
                upgrade(self.service_env(service)["DATABASE_URL"], service_package(service))
        finally:
            os.umask(previous)
        self.announce(f"starting the broker (Tansu, :{self.config.broker_port})")
        self.start_component("broker")
        ensure_topics(self.config.bootstrap, partitions=self.config.topic_partitions,
                      namespace=self.config.topic_namespace)
        self.announce(f"starting redis (:{self.config.redis_port})")
        self.start_component("redis")
        for service in self.services:
            self.start_component(service, wait=False)
        self.announce("starting the services: " + ", ".join(f"{s} :{self.config.ports[s]}" for s in self.services)
                      + " (matching loads its model)")
        for service in self.services:
            self.wait_healthy(service, timeout=max(1.0, timeout - (time.monotonic() - started)))
            self.announce(f"{service} answers")
        self.board.write()

    def _spawn(self, name: str) -> ManagedProcess:
        """Start one process for ``name`` without waiting for it to answer."""
        cfg = self.config
        if name == "broker":
            proc = start_broker(port=cfg.broker_port, log_dir=self.log_dir, wait=False)
        elif name == "redis":
            proc = start_redis(port=cfg.redis_port, log_dir=self.log_dir, wait=False)
        else:
            argv = [*serve.command(name, host=cfg.host, port=cfg.ports[name], python=sys.executable),
                    "--log-level", "warning"]
            proc = spawn(name, argv, port=cfg.ports[name], log_dir=self.log_dir, env=self.service_env(name))
        self.processes[name] = proc
        child = self.board.child(name)
        child.phase, child.pid, child.since = Phase.STARTING, proc.process.pid, time.monotonic()
        return proc

    def start_component(self, name: str, *, wait: bool = True) -> None:
        """Start one component (after it was stopped) on its configured port."""
        with self._lock:
            proc = self._spawn(name)
            if name in ("broker", "redis"):
                wait_for_port(proc.port)
                self._mark_running(name)
            elif wait:
                self.wait_healthy(name)

    def _mark_running(self, name: str) -> None:
        child = self.board.child(name)
        child.phase, child.since = Phase.RUNNING, time.monotonic()

    def answers(self, name: str) -> bool:
        """One quick probe: the port accepts (broker, redis) or ``/healthz`` says 200 (services)."""
        if name in ("broker", "redis"):
            try:
                with socket.create_connection((self.config.host, self.processes[name].port), timeout=0.5):
                    return True
            except OSError:
                return False
        try:
            return httpx.get(f"{self.config.url(name)}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_healthy(self, service: str, *, timeout: float = 120.0) -> None:
        """Poll ``/healthz`` until it answers; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        proc = self.processes[service]
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(f"{service} exited with {proc.process.returncode}; see {proc.log_path}")
            if self.answers(service):
                self._mark_running(service)
                return
            time.sleep(0.1)
        raise TimeoutError(f"{service} not healthy after {timeout:.0f}s; see {proc.log_path}")

    def republish(self) -> dict[str, int]:
        """Ask the source services to re-publish their current state.

        The embedded broker keeps its log in memory, so after it (re)starts the log is empty; versions
        make the replay harmless for matching.
        """
        enqueued = {}
        headers = self.headers("service", STACK_SUBJECT)
        for service in ("profiles", "jobs", "matching"):  # matching: the feedback it accepted
            response = httpx.post(f"{self.config.url(service)}/v1/admin/republish", headers=headers, timeout=60)
            response.raise_for_status()
            enqueued[service] = int(response.json()["enqueued"])
        return enqueued

    def restart(self, name: str, *, kill: bool = False) -> None:
        """Stop (or SIGKILL) one component and start it again on the same port, waiting until it answers."""
        with self._lock:
            proc = self.processes[name]
            if kill:
                proc.kill()
            else:
                self._stop_process(name, proc)
            self.board.child(name).restarts += 1
            self.start_component(name)
            if name == "broker":
                self.recover_from_broker_loss()

    def recover_from_broker_loss(self) -> None:
        """After the in-memory broker came back empty: recreate the topics, let matching re-read from
        offset 0 (a restart; its old offsets mean nothing on the new log), and re-publish the stores."""
        with self._lock:
            ensure_topics(self.config.bootstrap, partitions=self.config.topic_partitions,
                          namespace=self.config.topic_namespace)
            if "matching" in self.processes:
                self._stop_process("matching", self.processes["matching"])
                self.board.child("matching").restarts += 1
                self.start_component("matching")
            self.republish()

    def _stop_process(self, name: str, proc: ManagedProcess) -> None:
        if proc.stop(STOP_GRACE_SECONDS):
            self.board.report(name, "killed", f"pid {proc.process.pid} ignored SIGTERM for "
                              f"{STOP_GRACE_SECONDS:.0f}s; SIGKILLed")

    def supervise(self, *, interval: float = 0.5, stop: Callable[[], bool] = lambda: False) -> None:
        """Restart any component that died, until ``stop()`` says so; never gives up on one."""
        while not stop():
            try:
                self.supervise_once()
            except Exception:  # a supervisor that stops supervising would leave the next crash alone
                log.exception("supervisor step failed; going on")
            time.sleep(interval)

    def supervise_once(self) -> None:
        """One look at every child: a dead one waits out its back-off, then starts; a start that answers
        is running (a new broker also restarts matching once and re-publishes the stores)."""
        with self._lock:
            now = time.monotonic()
            for name in list(self.processes):
                self._look_at(name, self.processes[name], now)
            if self._broker_recovery_due and self.board.child("broker").phase is Phase.RUNNING:
                self._recover_after_broker_start()
            sources_up = all(s in self.processes and self.board.child(s).phase is Phase.RUNNING
                             for s in ("profiles", "jobs"))
            if self._republish_due and sources_up:
                try:
                    enqueued = self.republish()
                except httpx.HTTPError as exc:
                    log.warning("re-publishing after the broker restart failed (%s); trying again", exc)
                else:
                    self._republish_due = False
                    self.board.report("stack", "republished", f"{enqueued} after the broker restart",
                                      level=logging.INFO)
            self.board.write()

    def _look_at(self, name: str, proc: ManagedProcess, now: float) -> None:
        child = self.board.child(name)
        if child.phase is Phase.RUNNING:
            if now - child.since > STABLE_SECONDS:
                child.failures = 0
            if not proc.alive():
                self._failed(name, f"exited with {proc.process.returncode}", now)
        elif child.phase is Phase.STARTING:
            if not proc.alive():
                self._failed(name, f"exited with {proc.process.returncode} while starting", now)
            elif self.answers(name):
                self._mark_running(name)
                self.board.report(name, "started", f"pid {proc.process.pid} answers on :{proc.port} "
                                  f"after {now - child.since:.1f}s", level=logging.INFO)
                if name == "broker":
                    self._broker_recovery_due = True
            elif now - child.since > START_TIMEOUT_SECONDS:
                self._stop_process(name, proc)
                self._failed(name, f"gave no answer within {START_TIMEOUT_SECONDS:.0f}s", now)
        elif now >= child.next_start:
            child.restarts += 1
            self.board.report(name, "restarting", f"restart {child.restarts} (pid {self._spawn(name).process.pid})",
                              level=logging.INFO)

    def _failed(self, name: str, reason: str, now: float) -> None:
        child = self.board.child(name)
        child.failures += 1
        delay = backoff_delay(child.failures)
        child.phase, child.since, child.next_start, child.last_exit = Phase.WAITING, now, now + delay, reason
        self.board.report(name, "down", f"{reason}; starting it again in {delay:.1f}s "
                          f"({child.failures} failure(s) in a row)")

    def _recover_after_broker_start(self) -> None:
        """The new broker's log is empty: recreate the topics, restart the current matching once (its
        offsets point into the lost log), and re-publish the stores once profiles and jobs answer."""
        try:
            ensure_topics(self.config.bootstrap, partitions=self.config.topic_partitions,
                          namespace=self.config.topic_namespace)
        except Exception as exc:  # the broker may still be opening; the next step tries again
            log.warning("creating the topics on the new broker failed (%s); trying again", exc)
            return
        self._broker_recovery_due = False
        matching = self.board.child("matching")
        if "matching" in self.processes and matching.phase is not Phase.WAITING:
            self._stop_process("matching", self.processes["matching"])
            now = time.monotonic()
            matching.phase, matching.since, matching.next_start = Phase.WAITING, now, now
            matching.last_exit = "stopped: the broker restarted"
            self.board.report("matching", "down", "stopped to re-read the new broker's log", level=logging.INFO)
        self._republish_due = True

    def stop(self) -> None:
        with self._lock:
            for name in reversed(list(self.processes)):
                self._stop_process(name, self.processes[name])
            self.processes.clear()
