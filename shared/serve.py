"""How every service is launched, in one place: ``python -m shared.serve <service> --host H --port P``.

The local stack (``talentmatch.stack``), ``talentmatch serve``, the Dockerfile, docker-compose.yml and
deploy/k8s all run this command (tests/deploy checks they do), so the server options are decided once:

- ``http="h11"``: uvicorn's default parser (httptools) buffers headers without any limit (64 MB heads
  grew a service by 290 MB and stalled its probes); h11 refuses a request line plus headers over
  ``h11_max_incomplete_event_size`` with 400 before the app sees it. The app refuses the same size with
  431 under any server (``shared.limits``). The cost on ``bench/api_load.py --quick`` is in the README.
- a graceful-shutdown bound, so a stuck request cannot hold a restart.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

import uvicorn

from shared.settings import DEFAULT_MAX_HEADER_BYTES

SERVICES = ("profiles", "jobs", "matching", "portal")
GRACEFUL_SHUTDOWN_SECONDS = 10


def app_path(service: str) -> str:
    return f"services.{service}.main:create_app"


def uvicorn_options(*, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES) -> dict[str, Any]:
    """The server options every service runs with (besides host, port and log level)."""
    return {"factory": True, "http": "h11", "h11_max_incomplete_event_size": max_header_bytes,
            "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS}


def command(service: str, *, host: str, port: int, python: str = "python") -> list[str]:
    """The argv that launches ``service`` (what the Dockerfile, compose and k8s spell out)."""
    return [python, "-m", "shared.serve", service, "--host", host, "--port", str(port)]


def run(service: str, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve ``service`` until stopped (SIGTERM runs its lifespan shutdown)."""
    max_header_bytes = int(os.environ.get("MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES))
    uvicorn.run(app_path(service), host=host, port=port, log_level=log_level.lower(),
                **uvicorn_options(max_header_bytes=max_header_bytes))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.serve", description="run one service")
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info"))
    args = parser.parse_args(argv)
    run(args.service, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
