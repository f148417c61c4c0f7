"""What the local stack's supervisor knows about its children: each one's phase, its restarts and the
back-off before the next start, the reports it gave, and the status file that ``talentmatch status`` reads."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

log = logging.getLogger("talentmatch.supervisor")

STATUS_FILE = "stack-status.json"
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
STABLE_SECONDS = 30.0  # up this long after a start: the next failure starts the back-off from the beginning
REPORTS_KEPT = 100


class Phase(StrEnum):
    RUNNING = "running"  # up and answering
    STARTING = "starting"  # spawned, not answering yet
    WAITING = "waiting"  # down; started again at ``next_start``


def backoff_delay(failures: int) -> float:
    """Seconds to wait before the next start after ``failures`` failures in a row: 0.5, 1, 2, … 30."""
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2.0 ** max(0, failures - 1))


@dataclass
class Report:
    """One thing the supervisor did (or saw) to a child, as shown by ``talentmatch status``."""

    at: float  # wall-clock seconds
    component: str
    event: str  # exited, restarting, started, killed, gave-no-answer
    detail: str


@dataclass
class Child:
    """The supervisor's record of one component across its processes."""

    name: str
    phase: Phase = Phase.RUNNING
    pid: int | None = None
    restarts: int = 0  # processes started after the first
    failures: int = 0  # in a row, without a stable run between: sets the back-off
    since: float = field(default_factory=time.monotonic)  # when the phase began
    next_start: float = 0.0  # monotonic, while waiting
    last_exit: str | None = None

    def view(self, now: float) -> dict[str, Any]:
        waiting = max(0.0, self.next_start - now) if self.phase is Phase.WAITING else None
        return {"phase": str(self.phase), "pid": self.pid, "restarts": self.restarts, "failures": self.failures,
                "for_seconds": round(now - self.since, 1), "restart_in_seconds": waiting,
                "last_exit": self.last_exit}


@dataclass
class Board:
    """Every child's record and the reports, written to ``<var>/stack-status.json`` (0600) as they change."""

    var_dir: Path
    children: dict[str, Child] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)

    def child(self, name: str) -> Child:
        return self.children.setdefault(name, Child(name))

    def report(self, component: str, event: str, detail: str, *, level: int = logging.WARNING) -> None:
        log.log(level, "%s %s: %s", component, event, detail)
        self.reports = [*self.reports, Report(time.time(), component, event, detail)][-REPORTS_KEPT:]

    def write(self) -> None:
        now = time.monotonic()
        body = {"updated_at": time.time(), "pid": os.getpid(),
                "components": {name: child.view(now) for name, child in self.children.items()},
                "reports": [asdict(report) for report in self.reports]}
        path = self.var_dir / STATUS_FILE
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(body, out, ensure_ascii=False, indent=1)
        os.replace(temporary, path)


def read_status(var_dir: Path) -> dict[str, Any] | None:
    """The status the running ``talentmatch up`` of ``var_dir`` last wrote, or None."""
    try:
        body: dict[str, Any] = json.loads((var_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return body


def format_status(body: dict[str, Any]) -> str:
    """The status as a table and the latest reports, for a terminal."""
    age = time.time() - float(body["updated_at"])
    lines = [f"supervisor pid {body['pid']}, updated {age:.0f}s ago"]
    lines.append(f"  {'component':10s} {'phase':9s} {'pid':>7s} {'restarts':>8s}  last exit")
    for name, child in body["components"].items():
        phase = child["phase"]
        if child["restart_in_seconds"] is not None:
            phase = f"{phase} ({child['restart_in_seconds']:.1f}s)"
        lines.append(f"  {name:10s} {phase:9s} {child['pid'] or '-':>7} {child['restarts']:>8d}  "
                     f"{child['last_exit'] or '-'}")
    reports = body["reports"][-10:]
    if reports:
        lines.append("recent:")
        lines += [f"  {time.strftime('%H:%M:%S', time.localtime(r['at']))} {r['component']} {r['event']}: "
                  f"{r['detail']}" for r in reports]
    return "\n".join(lines)
