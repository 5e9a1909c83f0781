"""Time the diagnosis of every shipped erratum and count the verified corrections.

    python benchmarks/diagnose_speed.py [--catalog derivations]

Each erratum is decided first (not timed), as `bpcheck verify` does, so the SymPy
worlds that deciding builds are there; then its diagnosis (the repair search, every
candidate that passes the numeric screen decided in full) is timed on its own.
Prints one line per erratum (seconds, the edits found or "none") and the total.
Run it a few times, in turns with other measurements: the machine's load varies.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bpcheck.catalog.files import load_catalog  # noqa: E402
from bpcheck.decide.claim import verify_claim  # noqa: E402
from bpcheck.explain.diagnose import diagnose  # noqa: E402
from bpcheck.model import Expect, Kind, Options  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", default=str(ROOT / "derivations"))
    parser.add_argument("--verbose", action="store_true", help="each diagnosis in full")
    args = parser.parse_args()
    claims = load_catalog([args.catalog]).claims
    options = Options()
    errata = [c for c in claims if c.expect is Expect.ERRATUM]
    verdicts = {c.id: verify_claim(c, options) for c in errata}
    found = {}
    for claim in errata:
        verdict = verdicts[claim.id]
        if verdict.kind is not Kind.REFUTED:
            continue
        start = time.perf_counter()
        d = diagnose(claim, verdict, options)
        found[claim.id] = (time.perf_counter() - start, d)
    for cid, (seconds, d) in found.items():
        what = ", ".join(d.kinds) if d.found else "none"
        print(f"{seconds:6.3f}s  {cid:38s} {what}")
        if args.verbose:
            print(f"         {d.message}\n         corrected: {d.corrected}")
    repaired = sum(d.found for _, d in found.values())
    total = sum(seconds for seconds, _ in found.values())
    print(f"{repaired} of {len(errata)} errata repaired; diagnosis total {total:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
