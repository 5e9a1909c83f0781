"""Where a cold run of the shipped catalog spends its time (issue 20): the imports that make
the floor (NumPy + symengine, then SymPy), the rest of the verifier's imports, loading the
catalog, deciding every claim and explaining the refuted ones, all in one process, one claim
after another (`bpcheck verify --no-cache -j 1` does the same in one supervised worker).

    python benchmarks/cold_parts.py [--repeat 5] [--catalog derivations]

Each repeat is a fresh process; the table gives the median of each part and the share of
deciding CPU time spent inside SymPy's own functions (from one profiled run).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("numpy+symengine", "sympy", "rest of the verifier", "load catalog", "decide", "explain")

ONE_RUN = r"""
import json, sys, time
t = [time.perf_counter()]
import numpy, symengine; t.append(time.perf_counter())
import sympy; t.append(time.perf_counter())
from bpcheck.run.runner import import_verifier; import_verifier(); t.append(time.perf_counter())
from bpcheck.run.sources import load_sources
claims = load_sources([sys.argv[1]]).claims; t.append(time.perf_counter())
from bpcheck.decide.claim import verify_claim
from bpcheck.decide.widths import for_explaining
from bpcheck.explain.refutation import explain_refutation
from bpcheck.model import Kind, Options
profile = sys.argv[2] == "1"
if profile:
    import cProfile; prof = cProfile.Profile(); prof.enable()
decide = explain = 0.0
for c in claims:
    s = time.perf_counter(); v = verify_claim(c, Options()); decide += time.perf_counter() - s
    if v.kind is Kind.REFUTED:
        s = time.perf_counter(); explain_refutation(for_explaining(c), v, Options())
        explain += time.perf_counter() - s
parts = [b - a for a, b in zip(t, t[1:])] + [decide, explain]
share = None
if profile:
    import pstats
    prof.disable(); st = pstats.Stats(prof).stats
    total = sum(v[2] for v in st.values())
    share = sum(v[2] for k, v in st.items() if "/sympy/" in k[0]) / total
print(json.dumps({"parts": parts, "sympy_share": share, "claims": len(claims)}))
"""


def one(catalog: str, profile: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", ONE_RUN, catalog, "1" if profile else "0"],
                          capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                               "OPENBLAS_NUM_THREADS": "1"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--catalog", default=str(ROOT / "derivations"))
    args = ap.parse_args()
    runs = [one(args.catalog, False) for _ in range(args.repeat)]
    share = one(args.catalog, True)["sympy_share"]
    medians = [statistics.median(r["parts"][k] for r in runs) for k in range(len(PARTS))]
    floor = medians[0] + medians[1]
    print(f"{runs[0]['claims']} claims, median of {args.repeat} fresh processes\n")
    print("| part | seconds | × floor |\n|---|---:|---:|")
    for name, sec in zip(PARTS, medians):
        print(f"| {name} | {sec:.3f} | {sec / floor:.2f} |")
    print(f"| **total** | **{sum(medians):.3f}** | **{sum(medians) / floor:.2f}** |")
    print(f"\nSymPy's own functions: {share:.0%} of the deciding and explaining CPU time "
          "(profiled run).")


if __name__ == "__main__":
    main()
