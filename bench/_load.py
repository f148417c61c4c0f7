"""Load generators run as their own process (so the client never shares a GIL with what it measures).
Loopback only; every loop is bounded in requests and seconds.

``python -m bench._load SPEC.json OUT.json`` where SPEC is
- ``{"mode": "closed", "urls": [...], "authorizations": [...], "authorization_of": [...], "concurrency": 8,
  "seconds": 5, "max_requests": 20000}``: each worker sends the next URL (with the ``Authorization``
  header ``authorizations[authorization_of[i]]`` of URL ``i``, if given) as soon as its previous answer
  came; latencies of every request. With ``"bodies": [...]`` each request is a POST of ``bodies[i]`` (JSON)
  to URL ``i`` instead of a GET.
- ``{"mode": "paced", "base": "http://127.0.0.1:PORT", "rate": 100, "seconds": 30, "ids": [...],
  "texts": [...], "authorizations": {"<id>": "Bearer …"}}``: PATCH a random profile's ``skills_text``
  ``rate`` times a second (open loop), each as the profile's owner; with ``"bodies": [...]`` each PATCH
  sends a random one of those bodies instead (any profile fields).
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in ALLOWED_HOSTS and not host.startswith("127."):
        raise SystemExit(f"refusing to send load to {host}: loopback only")


def closed_loop(spec: dict[str, Any]) -> dict[str, Any]:
    urls: list[str] = spec["urls"]
    authorizations: list[str] = spec.get("authorizations") or []
    authorization_of: list[int] = spec.get("authorization_of") or []
    bodies: list[Any] = spec.get("bodies") or []
    if authorization_of and len(authorization_of) != len(urls):
        raise SystemExit("one authorization index per URL, or none")
    for url in {urlsplit(u).netloc: u for u in urls}.values():
        _check_loopback(url)
    seconds, limit = float(spec["seconds"]), int(spec["max_requests"])
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with httpx.Client(timeout=10) as client:
            while time.perf_counter() < deadline:
                n = next(counter)
                if n >= limit:
                    break
                headers = ({"Authorization": authorizations[authorization_of[n % len(urls)]]}
                           if authorization_of else None)
                start = time.perf_counter()
                try:
                    url = urls[n % len(urls)]
                    answer = (client.post(url, json=bodies[n % len(bodies)], headers=headers) if bodies
                              else client.get(url, headers=headers))
                    ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - start)
                failed += not ok
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker) for _ in range(int(spec["concurrency"]))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"requests": len(latencies), "errors": errors, "seconds": elapsed, "latencies": latencies}


def paced(spec: dict[str, Any]) -> dict[str, Any]:
    base: str = spec["base"]
    _check_loopback(base)
    rate, seconds = float(spec["rate"]), float(spec["seconds"])
    ids: list[int] = spec["ids"]
    texts: list[str] = spec.get("texts") or []
    bodies: list[dict[str, Any]] = spec.get("bodies") or [{"skills_text": text} for text in texts]
    authorizations: dict[str, str] = spec.get("authorizations") or {}
    rng = random.Random(spec.get("seed", 1))
    sent = failed = 0
    late = 0.0
    lock = threading.Lock()
    slots = threading.Semaphore(int(spec.get("concurrency", 16)))

    def patch(client: httpx.Client, record: int, body: dict[str, Any]) -> None:
        nonlocal failed
        try:
            headers = {"Authorization": authorizations[str(record)]} if authorizations else None
            ok = client.patch(f"{base}/v1/profiles/{record}", json=body, headers=headers).status_code == 200
        except httpx.HTTPError:
            ok = False
        with lock:
            failed += not ok
        slots.release()

    with httpx.Client(timeout=10, limits=httpx.Limits(max_connections=32)) as client:
        start = time.perf_counter()
        while True:
            due = start + sent / rate
            now = time.perf_counter()
            if due - start >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            else:
                late = max(late, now - due)
            slots.acquire()
            threading.Thread(target=patch, args=(client, rng.choice(ids), rng.choice(bodies)), daemon=True).start()
            sent += 1
        for _ in range(int(spec.get("concurrency", 16))):
            slots.acquire()
        elapsed = time.perf_counter() - start
    return {"sent": sent, "failed": failed, "seconds": elapsed, "rate": sent / elapsed, "max_late_s": late}


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    result = closed_loop(spec) if spec["mode"] == "closed" else paced(spec)
    Path(sys.argv[2]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
