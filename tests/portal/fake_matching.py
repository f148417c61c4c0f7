"""A stand-in for matching's shortlist endpoint over real HTTP: it checks the bearer token as matching does
(signature, service role) and answers 404 a given number of times before a shortlist, as matching does
while it has not indexed a new opportunity yet."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared.auth import verify_token
from shared.errors import NotAuthenticatedError
from tests.auth import SECRET

SHORTLIST_PATH = re.compile(r"/v1/opportunities/(\d+)/shortlist")


@dataclass
class FakeMatching:
    shortlists: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # (talent id, score)
    not_indexed: dict[int, int] = field(default_factory=dict)  # 404s left before the shortlist
    calls: list[tuple[int, str]] = field(default_factory=list)  # (opportunity id, answer status)
    url: str = ""

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        match = SHORTLIST_PATH.fullmatch(path.split("?", 1)[0])
        if match is None:
            return 404, {"detail": "not found"}
        try:
            principal = verify_token(SECRET, authorization.removeprefix("Bearer "))
        except NotAuthenticatedError:
            return 401, {"detail": "invalid token"}
        if principal.role != "service":
            return 403, {"detail": "not for this role"}
        opportunity_id = int(match.group(1))
        if self.not_indexed.get(opportunity_id, 0) > 0:
            self.not_indexed[opportunity_id] -= 1
            self.calls.append((opportunity_id, "404"))
            return 404, {"detail": f"opportunity {opportunity_id} not found"}
        self.calls.append((opportunity_id, "200"))
        items = [{"id": talent, "score": score} for talent, score in self.shortlists.get(opportunity_id, [])]
        return 200, {"opportunity_id": opportunity_id, "generation": 1, "cached": False, "items": items}


@contextmanager
def fake_matching() -> Iterator[FakeMatching]:
    fake = FakeMatching()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = fake.answer(self.path, self.headers.get("Authorization", ""))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
