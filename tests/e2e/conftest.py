"""Helpers for the tests that run the whole stack as processes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES, LocalStack, StackConfig


def eventually(probe: Callable[[], Any], *, timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` at the deadline. A request that
    got no answer in time (a busy machine) counts as not yet."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except httpx.TransportError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; last value: {last!r}")


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The three services, a broker and redis on free ports, for one test module."""
    config = StackConfig(var_dir=tmp_path_factory.mktemp("stack"), broker_port=free_port(),
                         redis_port=free_port(), ports={s: free_port() for s in SERVICES})
    stack = LocalStack(config)
    try:
        stack.start(timeout=180)
        yield stack
    finally:
        stack.stop()
