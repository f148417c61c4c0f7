"""What every benchmark shares: timing statistics, the machine, tables, JSON results, demo texts."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path("var/bench")


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory and load: the context every figure needs."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(), "memory_bytes": memory,
            "load_average": [round(x, 2) for x in load], "python": platform.python_version()}


@dataclass
class Samples:
    """Repeated measurements of one thing (seconds, or any unit)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def spread(self) -> tuple[float, float]:
        return (min(self.values), max(self.values)) if self.values else (float("nan"), float("nan"))

    def summary(self) -> dict[str, Any]:
        low, high = self.spread
        return {"median": self.median, "min": low, "max": high, "n": len(self.values)}


@contextmanager
def timer(samples: Samples) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        samples.add(time.perf_counter() - start)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), linear between ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (floats to 3 significant decimals unless preformatted)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in cells]
    return "\n".join(out)


def write_result(name: str, payload: dict[str, Any], *, quick: bool) -> Path:
    """Write ``var/bench/<name>[-quick].json`` with the machine attached; returns the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}{'-quick' if quick else ''}.json"
    document = {"benchmark": name, "quick": quick, "machine": machine(),
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **payload}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=float) + "\n")
    return path


def header(title: str, quick: bool, note: str = "") -> None:
    info = machine()
    print(f"\n== {title} ({'quick' if quick else 'full'}) — {info['nproc']} cores, {info['cpu']}, "
          f"load {info['load_average'][0]}")
    if note:
        print(note)


def offline() -> None:
    """The model lies on disk: never reach for the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def demo_texts(count: int, *, seed: int = 7) -> list[str]:
    """Document texts (what matching embeds) of generated profiles and opportunities, 3:1."""
    from services.matching.domain.documents import opportunity_document, record_tags, talent_document
    from services.matching.domain.occupations import build_normalizer
    from shared.events.contracts import OpportunitySnapshot, ProfileSnapshot
    from talentmatch.demo.generate import DemoGenerator

    generator = DemoGenerator(seed=seed)
    normalizer = build_normalizer()
    fields = set(ProfileSnapshot.model_fields)
    profiles = [ProfileSnapshot.model_validate({k: v for k, v in body.items() if k in fields})
                for body in generator.profiles(count - count // 4)]
    texts = [talent_document(i, snapshot, max_chars=2000, tags=tags)[1]
             for i, (snapshot, tags) in enumerate(zip(profiles, record_tags(profiles, normalizer=normalizer),
                                                      strict=True))]
    opportunity_fields = set(OpportunitySnapshot.model_fields)
    opportunities = [OpportunitySnapshot.model_validate({k: v for k, v in body.items() if k in opportunity_fields})
                     for body in generator.opportunities(count // 4)]
    texts += [opportunity_document(i, snapshot, max_chars=2000, tags=tags)[1]
              for i, (snapshot, tags) in enumerate(zip(opportunities, record_tags(opportunities, normalizer=normalizer),
                                                       strict=True))]
    return texts


def progress(iterable: Any = None, **kwargs: Any) -> Any:
    """A tqdm bar on stderr (hidden when stderr is not a terminal and BENCH_PROGRESS=0)."""
    from tqdm import tqdm

    disable = os.environ.get("BENCH_PROGRESS", "1") == "0"
    return tqdm(iterable, file=sys.stderr, disable=disable, leave=False, **kwargs)


def run_main(run: Callable[[bool], dict[str, Any]], argv: Sequence[str] | None, description: str) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, under about a minute")
    args = parser.parse_args(argv)
    offline()
    run(args.quick)
    return 0
