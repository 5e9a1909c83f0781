"""How long a `bpcheck gradcheck` run takes next to the import floor (issue 18).

    python benchmarks/gradcheck_speed.py [--rounds 7]

Times fresh processes, as a user sees them, in turns (one of each per round, so that load
on a shared machine hits all of them alike): the floor `python -c "import sympy, numpy"`,
and `bpcheck gradcheck` on the shipped 3-layer examples (course_net: 2-3-3-1 sigmoid, squared
loss; folded_net: 2-4-4-1 leaky ReLU, biases folded into W, binary cross-entropy), both with
their architecture declared, so the reference and the symbolic gradient are compared too.
Prints the best and the median of each, and their ratios to the floor's.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "import sympy, numpy": ["-c", "import sympy, numpy"],
    "gradcheck course_net": ["-m", "bpcheck.cli", "gradcheck", "examples/course_net.py:CourseNet",
                             "--adapter", "examples/course_net.toml"],
    "gradcheck folded_net": ["-m", "bpcheck.cli", "gradcheck", "examples/folded_net.py:FoldedNet",
                             "--adapter", "examples/folded_net.toml"],
}


def _time(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1 is a wrong gradient, still a full run
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args(argv).rounds
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for args in COMMANDS.values():  # warm the file system cache and the .pyc files
        _time(args, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            times[name].append(_time(args, env))
    floor = times["import sympy, numpy"]
    best_floor, median_floor = min(floor), statistics.median(floor)
    print(f"{rounds} rounds, in turns; seconds (ratio to the floor)")
    print(f"{'command':<24} {'best':>14} {'median':>14}")
    for name, ts in times.items():
        best, median = min(ts), statistics.median(ts)
        print(f"{name:<24} {best:6.3f} ({best / best_floor:4.2f}x) {median:6.3f} ({median / median_floor:4.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
