"""The ``talentmatch`` command: start the local stack, serve one service, load demo data, issue tokens,
normalize job titles, run the evaluations."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import itertools
import json
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import httpx

from shared import serve
from shared.auth import ROLES, Role, issue_token
from talentmatch.backup import add_commands as add_backup_commands
from talentmatch.credentials import NoSecretError, load_or_create_contact_key, load_or_create_secret, signing_secret
from talentmatch.embedded import CHILD_UMASK
from talentmatch.stack import OPERATOR_SUBJECT, SERVICES, STACK_SUBJECT, LocalStack, StackConfig
from talentmatch.supervisor import format_status, read_status

SERVICE_PORTS = {"profiles": 8001, "jobs": 8002, "matching": 8003, "portal": 8000}
TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TTL_SECONDS = 90 * 86400


class Steps:
    """Prints each step of the start with the seconds since the command began, so it never goes quiet."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def __call__(self, line: str, *, end: str = "\n") -> None:
        print(f"[{time.monotonic() - self.began:6.1f}s] {line}", end=end, flush=True)


def _wait_indexed(stack: LocalStack, *, profiles: int, opportunities: int, steps: Steps,
                  timeout: float = 600) -> dict[str, Any]:
    """Poll the matching status until it has indexed what the source services hold, printing a counter."""
    config = stack.config
    deadline = time.monotonic() + timeout
    index: dict[str, Any] = {}
    wanted, shown, last_line = profiles + opportunities, -1, 0.0
    while time.monotonic() < deadline:
        try:
            status: dict[str, Any] = httpx.get(f"{config.url('matching')}/v1/status", timeout=5,
                                               headers=stack.headers("service", STACK_SUBJECT)).json()
        except (httpx.HTTPError, ValueError):
            status = {}
        # A checkpoint the restart restored counts only once matching has checked it against the broker's
        # log and read the backlog: an empty log (the embedded broker keeps it in memory) makes it drop
        # that checkpoint and rebuild from the re-published stores.
        index = status.get("index", {}) if status.get("consumer", {}).get("backlog_read") else {}
        done = max(0, index.get("talents", 0)) + max(0, index.get("opportunities", 0))
        quiet_for = time.monotonic() - last_line
        if (done != shown and quiet_for >= 2) or quiet_for >= 5 or done >= wanted:  # a line at least every 5 s
            steps(f"indexed {done}/{wanted} …")
            shown, last_line = done, time.monotonic()
        if index.get("talents", -1) >= profiles and index.get("opportunities", -1) >= opportunities:
            return index
        time.sleep(0.5)
    return index


def _totals(stack: LocalStack) -> tuple[int, int]:
    config, headers = stack.config, stack.headers("service", STACK_SUBJECT)
    profiles = httpx.get(f"{config.url('profiles')}/v1/profiles", params={"limit": 1}, headers=headers,
                         timeout=10).json()
    jobs = httpx.get(f"{config.url('jobs')}/v1/opportunities", params={"limit": 1}, headers=headers,
                     timeout=10).json()
    return int(profiles["total"]), int(jobs["total"])


def cmd_up(args: argparse.Namespace) -> int:
    from talentmatch.demo.load import load_demo

    os.umask(CHILD_UMASK)  # what this process writes (secrets, the status file) is private too
    var = Path(args.var)
    steps = Steps()
    config = StackConfig(var_dir=var, broker_port=args.broker_port, redis_port=args.redis_port,
                         ports={s: getattr(args, f"{s}_port") for s in SERVICE_PORTS},
                         auth_secret=load_or_create_secret(var), contact_key=load_or_create_contact_key(var))
    _make_private(var)
    stack = LocalStack(config, announce=steps)
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        stack.start()
        if not args.no_demo:
            steps(f"loading the demo data ({args.profiles} profiles, {args.opportunities} opportunities)")
            result = load_demo(profiles_url=config.url("profiles"), jobs_url=config.url("jobs"),
                               auth_secret=config.auth_secret, profiles=args.profiles,
                               opportunities=args.opportunities)
            if result.skipped:
                steps("demo data already present; re-publishing the stores to the fresh broker")
        stack.republish()
        profiles, opportunities = _totals(stack)
        steps(f"waiting for matching to index {profiles} profiles and {opportunities} opportunities")
        status = _wait_indexed(stack, profiles=profiles, opportunities=opportunities, steps=steps)
        steps(f"ready: {status.get('talents')} talents, {status.get('opportunities')} opportunities indexed\n")
        operator = stack.token("operator", OPERATOR_SUBJECT, ttl_seconds=12 * 3600)
        var_option = "" if args.var == "var" else f" --var {var}"
        print(f"  web app   {config.url('portal')}   seekers and enterprises register here; operators: "
              f".venv/bin/talentmatch portal create-operator --login <e-mail>{var_option}")
        for service in SERVICES:
            print(f"  {service:9s} {config.url(service)}   API docs: {config.url(service)}/docs")
        print(f"  dashboard {config.url('matching')}/operator/dashboard#token={operator}")
        print(f"  broker    {config.bootstrap} (Kafka protocol)   redis {config.redis_url}")
        print(f"  logs      {stack.log_dir}/\n")
        print(f"  operator token ({OPERATOR_SUBJECT}, 12 h):\n    export TOKEN={operator}")
        print(f"  other accounts: .venv/bin/talentmatch token --role seeker --subject seeker-1{var_option} "
              f"(signed with {var / 'auth-secret'}; roles: {', '.join(ROLES)})")
        print(f"  supervisor: .venv/bin/talentmatch status{var_option} (restarts of each component)\n")
        print(f"  try: curl -H \"Authorization: Bearer $TOKEN\" "
              f"'{config.url('matching')}/v1/talents/1/recommendations?k=5'\n")
        if args.exit_after_start:
            return 0
        print("press Ctrl-C to stop; a component that dies is started again (reported here)")
        stack.supervise(stop=lambda: stopping)
        return 0
    finally:
        stack.stop()


def _make_private(var: Path) -> None:
    """Files an earlier stack left readable to others become the owner's alone (the var folder holds
    personal data, keys and logs)."""
    for path in [var, *var.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else path.stat().st_mode & 0o700)


def cmd_create_operator(args: argparse.Namespace) -> int:
    from services.portal.admin import create_operator
    from services.portal.service import subject_of

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{(Path(args.var) / 'portal.db').resolve()}"
    try:
        account = create_operator(database_url=database_url, login=args.login, password=password)
    except ValueError as exc:
        print(f"talentmatch portal create-operator: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the account exists already, or the database cannot be reached
        print(f"talentmatch portal create-operator: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    print(f"operator account {subject_of(account)} created for {account.login}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """What the supervisor of the stack in ``--var`` last wrote: each component's phase and restarts."""
    body = read_status(Path(args.var))
    if body is None:
        print(f"talentmatch status: no status in {args.var}/ (is `talentmatch up` running there?)", file=sys.stderr)
        return 2
    print(json.dumps(body, ensure_ascii=False, indent=1) if args.json else format_status(body))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    serve.run(args.service, host=args.host, port=args.port or SERVICE_PORTS[args.service], log_level=args.log_level)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from talentmatch.demo.load import load_demo

    try:
        secret = signing_secret(Path(args.var))
    except NoSecretError as exc:
        print(f"talentmatch demo: {exc}", file=sys.stderr)
        return 2
    result = load_demo(profiles_url=args.profiles_url, jobs_url=args.jobs_url, auth_secret=secret,
                       profiles=args.profiles, opportunities=args.opportunities, seed=args.seed, force=args.force)
    print("skipped: the services already hold data" if result.skipped
          else f"loaded {result.profiles} profiles and {result.opportunities} opportunities")
    return 0


def parse_ttl(text: str) -> int:
    """``90s``, ``30m``, ``8h``, ``7d`` or plain seconds → seconds (at most 90 days)."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([smhd]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 3600, 30m, 8h or 7d")
    seconds = int(match.group(1)) * TTL_UNITS[match.group(2) or "s"]
    if not 1 <= seconds <= MAX_TTL_SECONDS:
        raise argparse.ArgumentTypeError(f"the lifetime must be between 1 second and {MAX_TTL_SECONDS // 86400} days")
    return seconds


def cmd_token(args: argparse.Namespace) -> int:
    """Print a bearer token for ``--subject`` acting as ``--role``, signed with the services' secret."""
    try:
        secret = signing_secret(Path(args.var))
    except NoSecretError as exc:
        print(f"talentmatch token: {exc}", file=sys.stderr)
        return 2
    role: Role = args.role
    try:
        token = issue_token(secret, subject=args.subject, role=role, ttl_seconds=args.ttl, org=args.org)
    except ValueError as exc:
        print(f"talentmatch token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


NORMALIZE_BATCH = 1000


def _utf8(stream: TextIO) -> TextIO:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):  # an unusual stream keeps its encoding
            reconfigure(encoding="utf-8")
    return stream


def cmd_normalize(args: argparse.Namespace) -> int:
    """One job title per stdin line → one JSON line per title, in order."""
    from services.matching.domain.occupations import build_normalizer
    from services.matching.service import normalize_titles

    normalizer = build_normalizer()
    stdin, stdout = _utf8(sys.stdin), _utf8(sys.stdout)
    lines = (line.rstrip("\r\n") for line in stdin)
    while batch := list(itertools.islice(lines, NORMALIZE_BATCH)):
        for result in normalize_titles(normalizer, batch, top=args.top):
            stdout.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _bench_module(name: str) -> Any:
    """``bench.<name>``: the evaluations live beside the package, in the source tree."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        return importlib.import_module(f"bench.{name}")


def cmd_eval(args: argparse.Namespace) -> int:
    """Matching quality on real postings (bench.eval_real) and on the generated set (recall@10, nDCG@10 per
    channel), and the occupation normalizer's accuracy."""
    argv = ["--quick"] if args.quick else []
    argv += ["--seed", str(args.seed)]
    real = int(_bench_module("eval_real").main(["--quick"] if args.quick else []))
    return max(real, int(_bench_module("eval_matching").main(argv)))


def _top(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 20:
        raise argparse.ArgumentTypeError("must be between 1 and 20")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talentmatch", description="Digital Talent Match")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the whole stack locally with embedded defaults and demo data")
    up.add_argument("--var", default="var", help="folder for databases and logs (default: var)")
    up.add_argument("--broker-port", type=int, default=19092)
    up.add_argument("--redis-port", type=int, default=16379)
    for service, port in SERVICE_PORTS.items():
        up.add_argument(f"--{service}-port", type=int, default=port)
    up.add_argument("--no-demo", action="store_true", help="do not load the demo data set")
    up.add_argument("--profiles", type=int, default=200, help="demo profiles to generate")
    up.add_argument("--opportunities", type=int, default=150, help="demo opportunities to generate")
    up.add_argument("--exit-after-start", action="store_true", help="stop again once everything is up")
    up.set_defaults(func=cmd_up)

    status = sub.add_parser("status", help="the local stack's components, their restarts and recent reports")
    status.add_argument("--var", default="var", help="the stack's folder (default: var)")
    status.add_argument("--json", action="store_true", help="the status file as it is")
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser("serve", help="run one service (as in a container)")
    serve.add_argument("service", choices=tuple(SERVICE_PORTS))
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "info"))
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="load the generated demo data set into running services")
    demo.add_argument("--profiles-url", default="http://127.0.0.1:8001")
    demo.add_argument("--jobs-url", default="http://127.0.0.1:8002")
    demo.add_argument("--profiles", type=int, default=200)
    demo.add_argument("--opportunities", type=int, default=150)
    demo.add_argument("--seed", type=int, default=2024)
    demo.add_argument("--force", action="store_true", help="load even when data is present")
    demo.add_argument("--var", default="var", help="the stack's folder, for its auth-secret (default: var)")
    demo.set_defaults(func=cmd_demo)

    token = sub.add_parser("token", help="issue a bearer token (signed with AUTH_SECRET, else <var>/auth-secret)")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--subject", required=True, help="the account id, e.g. seeker-8f3a, ent-91, op-wang")
    token.add_argument("--org", default=None,
                       help="enterprise accounts: the organization (as registered) it posts for; without it an "
                            "enterprise token cannot post")
    token.add_argument("--ttl", type=parse_ttl, default=parse_ttl("8h"),
                       help="lifetime: seconds or 30m, 8h, 7d (default 8h, at most 90 days)")
    token.add_argument("--var", default="var", help="the stack's folder, for its auth-secret (default: var)")
    token.set_defaults(func=cmd_token)

    occupations = sub.add_parser("occupations", help="CSCO 2022 occupations")
    occupations_sub = occupations.add_subparsers(dest="occupations_command", required=True)
    normalize = occupations_sub.add_parser(
        "normalize", help="job titles on stdin (one a line) → JSON lines with their occupations, in order")
    normalize.add_argument("--top", type=_top, default=3, help="occupations per title, 1-20 (default 3)")
    normalize.set_defaults(func=cmd_normalize)

    portal = sub.add_parser("portal", help="web app administration")
    portal_sub = portal.add_subparsers(dest="portal_command", required=True)
    operator = portal_sub.add_parser("create-operator", help="create an operator account of the web app")
    operator.add_argument("--login", required=True, help="the operator's e-mail address (or mobile number)")
    operator.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    operator.add_argument("--var", default="var", help="the stack's folder (default: var); DATABASE_URL wins")
    operator.set_defaults(func=cmd_create_operator)

    evaluate = sub.add_parser("eval", help="evaluate matching on real postings and on the generated set, and "
                                           "occupation normalization")
    evaluate.add_argument("--quick", action="store_true", help="smaller data set, quick occupation summary")
    evaluate.add_argument("--seed", type=int, default=2025, help="seed of the generated evaluation set")
    evaluate.set_defaults(func=cmd_eval)
    add_backup_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "kafka", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
