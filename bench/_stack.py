"""The local stack for the HTTP benchmarks: free ports, a temporary var dir, demo data loaded over the
public APIs."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from shared.auth import Role
from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES, STACK_SUBJECT, LocalStack, StackConfig


def matching_status(stack: LocalStack) -> dict[str, Any]:
    response = httpx.get(f"{stack.config.url('matching')}/v1/status", timeout=10,
                         headers=stack.headers("service", STACK_SUBJECT))
    response.raise_for_status()
    status: dict[str, Any] = response.json()
    return status


def wait_indexed(stack: LocalStack, *, talents: int, opportunities: int, timeout: float = 600.0) -> float:
    """Poll matching until it holds at least this many records per side; returns the seconds waited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            index = matching_status(stack).get("index", {})
        except httpx.TransportError:  # busy indexing on a busy machine: ask again
            continue
        if index.get("talents", 0) >= talents and index.get("opportunities", 0) >= opportunities:
            return time.monotonic() - start
        time.sleep(0.2)
    raise TimeoutError(f"matching did not index {talents} talents / {opportunities} opportunities")


def profile_owners(stack: LocalStack) -> dict[int, str]:
    """Every profile's id and the seeker account that owns it (read as an operator)."""
    owners: dict[int, str] = {}
    headers = stack.headers("operator", "op-bench")
    with httpx.Client(timeout=30, headers=headers) as client:
        offset, total = 0, 1
        while offset < total:
            page = client.get(f"{stack.config.url('profiles')}/v1/profiles", params={"offset": offset, "limit": 100})
            page.raise_for_status()
            body = page.json()
            owners |= {int(item["id"]): str(item["owner"]) for item in body["items"] if item["owner"]}
            offset, total = offset + 100, int(body["total"])
    return owners


def bearer_of(stack: LocalStack, role: Role, subject: str) -> str:
    """The value of an ``Authorization`` header for ``subject`` acting as ``role``."""
    return f"Bearer {stack.token(role, subject)}"


@contextmanager
def demo_stack(*, profiles: int, opportunities: int, env: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """Start the stack on free ports in a temporary var dir, load the demo set, wait until indexed."""
    from talentmatch.demo.load import load_demo

    var = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    config = StackConfig(var_dir=var, broker_port=free_port(), redis_port=free_port(),
                         ports={s: free_port() for s in SERVICES}, topic_namespace=f"bench{uuid.uuid4().hex[:6]}",
                         extra_env={"MATCHING_MODEL_CACHE_DIR": str(Path("var/models").resolve()),
                                    "LOG_LEVEL": "WARNING", "RATE_LIMIT_PER_MINUTE": "0", **(env or {})})
    stack = LocalStack(config)
    try:
        stack.start(timeout=300)
        load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"), auth_secret=config.auth_secret,
                  profiles=profiles, opportunities=opportunities, progress=False)
        wait_indexed(stack, talents=profiles, opportunities=opportunities)
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(var, ignore_errors=True)
