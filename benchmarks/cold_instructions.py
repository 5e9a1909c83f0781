"""Instructions a cold run of the shipped catalog executes, counted by valgrind: the same
work as `cold_parts.py` (one process, every claim decided, the refuted ones explained),
but a count instead of a time, so that two versions can be compared on a machine shared
with other work (wall and CPU times there vary by 20-30 %; the count by about 0.2 %).

    python benchmarks/cold_instructions.py [--catalog derivations]

Needs valgrind.  Prints the instructions (billions) of importing the verifier and
reading the catalog, and of deciding and explaining it (the difference of two runs).
bpcheck's modules are byte-compiled first, so compiling is never counted.
"""
from __future__ import annotations

import argparse
import compileall
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = r"""
import sys
from bpcheck.run.runner import import_verifier; import_verifier()
from bpcheck.run.sources import load_sources
from bpcheck.decide.claim import verify_claim
from bpcheck.decide.widths import for_explaining
from bpcheck.explain.refutation import explain_refutation
from bpcheck.model import Kind, Options
claims = load_sources([sys.argv[1]]).claims
"""
WORK = r"""
for c in claims:
    v = verify_claim(c, Options())
    if v.kind is Kind.REFUTED:
        explain_refutation(for_explaining(c), v, Options())
"""


def instructions(code: str, catalog: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", sys.executable, "-c", code,
                           catalog], capture_output=True, text=True, env=env, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit("no instruction count in valgrind's output:\n" + done.stderr[-2000:])
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=str(ROOT / "derivations"))
    args = ap.parse_args()
    compileall.compile_dir(str(ROOT / "bpcheck"), quiet=1)
    setup = instructions(SETUP, args.catalog)
    total = instructions(SETUP + WORK, args.catalog)
    print(f"import and load: {setup / 1e9:.3f} G instructions")
    print(f"decide and explain: {(total - setup) / 1e9:.3f} G instructions")


if __name__ == "__main__":
    main()
