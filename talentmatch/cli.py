"""The ``talentmatch`` command: start the local stack, serve one service, load demo data."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from talentmatch.stack import SERVICES, LocalStack, StackConfig

SERVICE_PORTS = {"profiles": 8001, "jobs": 8002, "matching": 8003}


def _wait_indexed(config: StackConfig, *, profiles: int, opportunities: int, timeout: float = 600) -> dict[str, Any]:
    """Poll the matching status until it has indexed what the source services hold."""
    deadline = time.monotonic() + timeout
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            status = httpx.get(f"{config.url('matching')}/v1/status", timeout=5).json()
        except httpx.HTTPError:
            status = {}
        index: dict[str, Any] = status.get("index", {})
        if index.get("talents", -1) >= profiles and index.get("opportunities", -1) >= opportunities:
            return index
        time.sleep(0.5)
    return dict(status.get("index", {}))


def _totals(config: StackConfig) -> tuple[int, int]:
    profiles = httpx.get(f"{config.url('profiles')}/v1/profiles", params={"limit": 1}, timeout=10).json()
    jobs = httpx.get(f"{config.url('jobs')}/v1/opportunities", params={"limit": 1}, timeout=10).json()
    return int(profiles["total"]), int(jobs["total"])


def cmd_up(args: argparse.Namespace) -> int:
    from talentmatch.demo.load import load_demo

    config = StackConfig(var_dir=Path(args.var), broker_port=args.broker_port, redis_port=args.redis_port,
                         ports={s: getattr(args, f"{s}_port") for s in SERVICES})
    stack = LocalStack(config)
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"starting broker (Tansu, :{config.broker_port}), redis (:{config.redis_port}) and the services …")
    try:
        stack.start()
        if not args.no_demo:
            result = load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"),
                               profiles=args.profiles, opportunities=args.opportunities)
            if result.skipped:
                print("demo data already present; re-publishing the stores to the fresh broker")
        stack.republish()
        profiles, opportunities = _totals(config)
        print(f"waiting for matching to index {profiles} profiles and {opportunities} opportunities …")
        status = _wait_indexed(config, profiles=profiles, opportunities=opportunities)
        print(f"indexed: {status.get('talents')} talents, {status.get('opportunities')} opportunities\n")
        for service in SERVICES:
            print(f"  {service:9s} {config.url(service)}   API docs: {config.url(service)}/docs")
        print(f"  broker    {config.bootstrap} (Kafka protocol)   redis {config.redis_url}")
        print(f"  logs      {stack.log_dir}/\n")
        print(f"  try: curl '{config.url('matching')}/v1/talents/1/recommendations?k=5'\n")
        if args.exit_after_start:
            return 0
        print("press Ctrl-C to stop")
        stack.supervise(stop=lambda: stopping)
        return 0
    finally:
        stack.stop()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(f"services.{args.service}.main:create_app", factory=True, host=args.host,
                port=args.port or SERVICE_PORTS[args.service], log_level=args.log_level.lower(),
                timeout_graceful_shutdown=10)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from talentmatch.demo.load import load_demo

    result = load_demo(profiles_url=args.profiles_url, jobs_url=args.jobs_url, profiles=args.profiles,
                       opportunities=args.opportunities, seed=args.seed, force=args.force)
    print("skipped: the services already hold data" if result.skipped
          else f"loaded {result.profiles} profiles and {result.opportunities} opportunities")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talentmatch", description="Digital Talent Match")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the whole stack locally with embedded defaults and demo data")
    up.add_argument("--var", default="var", help="folder for databases and logs (default: var)")
    up.add_argument("--broker-port", type=int, default=19092)
    up.add_argument("--redis-port", type=int, default=16379)
    for service, port in SERVICE_PORTS.items():
        up.add_argument(f"--{service}-port", type=int, default=port)
    up.add_argument("--no-demo", action="store_true", help="do not load the demo data set")
    up.add_argument("--profiles", type=int, default=200, help="demo profiles to generate")
    up.add_argument("--opportunities", type=int, default=150, help="demo opportunities to generate")
    up.add_argument("--exit-after-start", action="store_true", help="stop again once everything is up")
    up.set_defaults(func=cmd_up)

    serve = sub.add_parser("serve", help="run one service (as in a container)")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info"))
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="load the generated demo data set into running services")
    demo.add_argument("--profiles-url", default="http://127.0.0.1:8001")
    demo.add_argument("--jobs-url", default="http://127.0.0.1:8002")
    demo.add_argument("--profiles", type=int, default=200)
    demo.add_argument("--opportunities", type=int, default=150)
    demo.add_argument("--seed", type=int, default=2024)
    demo.add_argument("--force", action="store_true", help="load even when data is present")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "kafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
