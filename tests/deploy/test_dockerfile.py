"""Dockerfile and .dockerignore: one non-root image, CPU torch first, offline model."""

from __future__ import annotations

import json
import re
import tomllib

from shared import serve

from ._support import APP_SERVICES, DOCKERFILE, DOCKERIGNORE, ROOT


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, args = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(args.split())))
    return result


def test_base_image_is_python_311_slim() -> None:
    assert instructions()[0] == ("FROM", "python:3.11-slim")


def test_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric UID lets Kubernetes' runAsNonRoot verify it"


def test_model_hub_is_offline() -> None:
    env = " ".join(args for keyword, args in instructions() if keyword == "ENV")
    assert re.search(r"\bHF_HUB_OFFLINE=1\b", env)


def test_cpu_torch_is_installed_first_with_the_project_pin() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("torch==")]
    runs = [args for keyword, args in instructions() if keyword == "RUN"]
    torch_step = next(i for i, r in enumerate(runs) if "torch==" in r)
    project_step = next(i for i, r in enumerate(runs) if re.search(r"pip install \.(\s|$)", r))
    assert torch_step < project_step
    assert f"pip install {pin} --index-url https://download.pytorch.org/whl/cpu" in runs[torch_step]


def test_default_command_runs_profiles() -> None:
    (cmd,) = [args for keyword, args in instructions() if keyword == "CMD"]
    assert json.loads(cmd) == serve.command("profiles", host="0.0.0.0", port=APP_SERVICES["profiles"])
    exposed = " ".join(args for keyword, args in instructions() if keyword == "EXPOSE").split()
    assert {str(port) for port in APP_SERVICES.values()} <= set(exposed)


def test_dockerignore_keeps_local_state_out_but_not_the_sources() -> None:
    patterns = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    assert {".venv", "var", ".git", ".pytest_cache"} <= patterns
    for needed in ("pyproject.toml", "shared", "services", "talentmatch"):
        assert needed not in patterns
