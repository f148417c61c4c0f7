"""``talentmatch up`` as a person runs it: step lines with elapsed seconds and an indexing counter, the
stack's own secrets, and nothing under its folder readable by others."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from services.profiles.settings import DEVELOPMENT_CONTACT_KEY
from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_up_shows_its_progress_and_keeps_its_files_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    ports = [f"--{s}-port={free_port()}" for s in SERVICES]
    run = subprocess.run(
        [sys.executable, "-m", "talentmatch.cli", "up", "--var", str(var), "--exit-after-start",
         "--profiles", "12", "--opportunities", "9", f"--broker-port={free_port()}",
         f"--redis-port={free_port()}", *ports],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    steps = re.findall(r"^\[\s*(\d+\.\d)s\] (.+)$", run.stdout, re.MULTILINE)
    elapsed = [float(seconds) for seconds, _ in steps]
    assert elapsed == sorted(elapsed) and len(steps) >= 8, run.stdout
    lines = [line for _, line in steps]
    assert any(line.startswith("starting the broker") for line in lines)
    assert any(line == "matching answers" for line in lines)
    assert any(line.startswith("loading the demo data") for line in lines)
    counters = [tuple(map(int, m)) for m in re.findall(r"indexed (\d+)/(\d+) …", run.stdout)]
    ready = [m for line in lines if (m := re.match(r"ready: (\d+) talents, (\d+) opportunities", line))]
    assert ready, run.stdout
    talents, opportunities = int(ready[0].group(1)), int(ready[0].group(2))
    assert talents == 12 and opportunities >= 9  # the demo set may add a class made from a training need
    assert counters and counters[-1] == (talents + opportunities,) * 2, "a counter up to every record"
    assert all(total == talents + opportunities for _, total in counters)

    contact_key = (var / "contact-key").read_text().strip()
    assert contact_key != DEVELOPMENT_CONTACT_KEY
    paths = [var, *var.rglob("*")]
    assert {"auth-secret", "contact-key", "profiles.db", "jobs.db", "logs", "stack-status.json"} <= \
        {p.name for p in paths}
    open_to_others = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths
                      if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert not open_to_others
