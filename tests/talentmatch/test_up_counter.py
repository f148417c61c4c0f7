"""The indexing counter of ``talentmatch up``: a checkpoint matching restored is not counted before matching
has checked it against the broker's log and read the backlog (on a fresh in-memory broker it drops that
checkpoint and rebuilds), so ``ready`` never reports records from a state that is then thrown away."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from talentmatch.cli import Steps, _wait_indexed
from talentmatch.embedded import free_port
from talentmatch.stack import LocalStack, StackConfig

CHECKPOINT = {"talents": 12, "opportunities": 9}  # what the previous run's checkpoint holds


def _status(talents: int, opportunities: int, *, backlog_read: bool) -> dict[str, Any]:
    return {"index": {"talents": talents, "opportunities": opportunities},
            "consumer": {"backlog_read": backlog_read, "caught_up": backlog_read}}


# What matching answers, poll after poll: the restored checkpoint while it connects, the empty state of the
# rebuild, then the re-published records read again.
SCRIPT = [*[_status(12, 9, backlog_read=False)] * 4, _status(0, 0, backlog_read=True),
          _status(5, 2, backlog_read=True), _status(12, 9, backlog_read=True)]


@pytest.fixture
def matching(tmp_path: Path) -> Iterator[tuple[LocalStack, list[str]]]:
    """A real HTTP server on matching's port, answering ``/v1/status`` from ``SCRIPT``; the tokens it got."""
    tokens: list[str] = []

    class Status(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            tokens.append(self.headers.get("Authorization", ""))
            body = json.dumps(SCRIPT[min(len(tokens), len(SCRIPT)) - 1]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalStack(StackConfig(var_dir=tmp_path, ports={"matching": port})), tokens
    finally:
        server.shutdown()
        server.server_close()


def test_a_restored_checkpoint_is_not_counted_before_the_backlog_is_read(
        matching: tuple[LocalStack, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    stack, tokens = matching
    index = _wait_indexed(stack, profiles=12, opportunities=9, steps=Steps(), timeout=60)
    assert index == CHECKPOINT
    assert len(tokens) == len(SCRIPT), "it waited through the checkpoint and the rebuild"
    assert all(token.startswith("Bearer ") for token in tokens)
    counters = [line.split("] ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert counters[0] == "indexed 0/21 …", counters  # the checkpoint's 21 records are not shown
    assert counters[-1] == "indexed 21/21 …" and counters.count("indexed 21/21 …") == 1, counters
