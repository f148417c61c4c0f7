"""Run every benchmark, each in its own process: ``python -m bench [--quick] [--only NAME ...]``.

Quick mode keeps each under about a minute (smaller sizes, said in its header); full mode measures
the 1M-vector search and the 1M-profile memory figures. Results land in ``var/bench/*.json``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence

from bench._common import machine, table

BENCHMARKS = ("embedding", "ingest", "search_scale", "api_load", "contention", "freshness", "memory", "scale_out",
              "eval_real")
QUICK_ONLY = ("eval_occupations",)  # the occupation evaluation: its quick sample only


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute each")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS + QUICK_ONLY, help="run just these")
    args = parser.parse_args(argv)
    names = list(args.only or (BENCHMARKS + (QUICK_ONLY if args.quick else ())))
    info = machine()
    print(f"benchmarks on {info['nproc']} cores ({info['cpu']}), {info['memory_bytes'] / 2**30:.0f} GiB, "
          f"load {info['load_average']}")
    rows = []
    for name in names:
        command = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if args.quick else [])
        start = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        rows.append([name, "ok" if code == 0 else f"failed ({code})", f"{time.perf_counter() - start:.0f}"])
    print("\n" + table(["benchmark", "result", "seconds"], rows))
    return 0 if all(r[1] == "ok" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
