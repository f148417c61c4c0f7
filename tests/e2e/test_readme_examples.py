"""Every ```bash block of README.md, run in order against a stack started here, so the README cannot drift.

How a block is run (the README says the same under "Two commands"):
- blocks made only of ``make …`` lines are the long setup and the test suite itself: not run here;
- ``localhost:800N`` / ``127.0.0.1:800N`` become this stack's port of that service (8001 profiles,
  8002 jobs, 8003 matching), and ``.venv/bin/talentmatch`` becomes this interpreter's ``-m talentmatch.cli``
  (this checkout's code);
- each block runs in bash with ``set -eo pipefail`` in a folder whose ``var/`` is the stack's (so
  ``talentmatch token`` signs with its secret), variables carry over from earlier blocks, and ``curl`` is
  wrapped to fail unless the answer is a 2xx.
The stack holds the demo data set (20 profiles, 15 opportunities) as ``talentmatch up`` loads it, indexed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from talentmatch.credentials import load_or_create_contact_key, load_or_create_secret
from talentmatch.demo.load import load_demo
from talentmatch.embedded import free_port
from talentmatch.stack import SERVICES, LocalStack, StackConfig
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
README_PORTS = {8001: "profiles", 8002: "jobs", 8003: "matching"}
DEMO_PROFILES, DEMO_OPPORTUNITIES = 20, 15
FENCE = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
CURL_WRAPPER = r"""
curl() {  # the README's curl, failing unless the answer is a 2xx
  local code
  code=$(command curl -sS -o "$README_BODY" -w '%{http_code}' "$@") || return
  cat "$README_BODY"; echo
  echo "$code" >> "$README_CODES"
  [[ $code == 2* ]] || { echo "HTTP $code from: curl $*" >&2; return 22; }
}
"""


@dataclass(frozen=True)
class Block:
    line: int  # where it starts in README.md
    text: str

    @property
    def setup_only(self) -> bool:
        commands = [line.strip() for line in self.text.splitlines() if line.strip() and
                    not line.strip().startswith("#")]
        return all(command.startswith("make ") or command == "make" for command in commands)

    @property
    def curls(self) -> int:
        return sum(line.lstrip().startswith("curl ") for line in self.text.splitlines())


def readme_blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [Block(text.count("\n", 0, match.start()) + 1, match.group(1)) for match in FENCE.finditer(text)]


def localize(block: str, stack: LocalStack) -> str:
    """The block with this stack's ports and this checkout's ``talentmatch``."""
    def port(match: re.Match[str]) -> str:
        return f"127.0.0.1:{stack.config.ports[README_PORTS[int(match.group(1))]]}"

    block = re.sub(r"\b(?:localhost|127\.0\.0\.1):(800[123])\b", port, block)
    return block.replace(".venv/bin/talentmatch", f'"{sys.executable}" -m talentmatch.cli')


@pytest.fixture(scope="module")
def readme_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, Path]]:
    """A stack as ``talentmatch up`` runs it (its secrets in ``var/``), with the demo data indexed."""
    workdir = tmp_path_factory.mktemp("readme")
    var = workdir / "var"
    config = StackConfig(var_dir=var, broker_port=free_port(), redis_port=free_port(),
                         ports={s: free_port() for s in SERVICES}, auth_secret=load_or_create_secret(var),
                         contact_key=load_or_create_contact_key(var))
    stack = LocalStack(config)
    try:
        stack.start(timeout=300)
        load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"), auth_secret=config.auth_secret,
                  profiles=DEMO_PROFILES, opportunities=DEMO_OPPORTUNITIES, progress=False)
        headers = stack.headers("service", "svc-readme")

        def indexed() -> bool:
            try:
                response = httpx.get(f"{config.url('matching')}/v1/status", headers=headers, timeout=10)
            except httpx.TransportError:  # busy: ask again
                return False
            index: dict[str, int] = response.json().get("index", {}) if response.status_code == 200 else {}
            return index.get("talents", 0) >= DEMO_PROFILES and index.get("opportunities", 0) >= DEMO_OPPORTUNITIES

        eventually(indexed, timeout=300, what="the demo data to be indexed")
        yield stack, workdir
    finally:
        stack.stop()


def test_the_readme_has_examples_to_run() -> None:
    blocks = readme_blocks()
    assert sum(not b.setup_only for b in blocks) >= 5 and sum(b.curls for b in blocks) >= 10
    for block in blocks:
        assert "talentmatch " not in block.text.replace(".venv/bin/talentmatch ", ""), \
            f"README.md:{block.line}: write .venv/bin/talentmatch (not on PATH after make up)"


def test_every_readme_example_runs_against_the_stack(readme_stack: tuple[LocalStack, Path]) -> None:
    stack, workdir = readme_stack
    state, codes, body = workdir / "readme-state.sh", workdir / "readme-codes", workdir / "readme-body"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "README_CODES": str(codes), "README_BODY": str(body)}
    failures: list[str] = []
    for block in readme_blocks():
        if block.setup_only:
            continue
        codes.write_text("")
        script = (f"set -eo pipefail\nset -a\n[ -f {state} ] && source {state}\n{CURL_WRAPPER}\n"
                  f"{localize(block.text, stack)}\nexport -p > {state}\n")
        run = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, text=True,
                             timeout=300)
        answered = codes.read_text().split()
        if run.returncode != 0 or len(answered) != block.curls or not all(c.startswith("2") for c in answered):
            failures.append(f"README.md:{block.line}: exit {run.returncode}, HTTP {answered} for {block.curls} "
                            f"curl(s)\n{run.stdout[-1500:]}\n{run.stderr[-1500:]}")
    assert not failures, "\n\n".join(failures)
