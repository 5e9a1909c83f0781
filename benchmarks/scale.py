"""How bpcheck's cost grows: layer width, depth and catalog size (issue 20).

    python benchmarks/scale.py [--repeat 3]

Every row is a fresh `bpcheck verify --no-cache -j 1` process on a generated catalog
(the median of --repeat runs), taken in turns with the import floor
`python -c "import sympy, numpy"`; the ratio is against the floor's median.
  * width sweep: four textbook claims (δ^(L), the δ recurrence, dW, db) and one wrong
    one (the recurrence without f') on a square n-n-n sigmoid network, n = 4 ... 1024,
    and on 784-100-10;
  * depth sweep: the same claims on width-16 networks of depth 2 ... 8;
  * catalog sweep: 100 ... 10,000 claims with 100 distinct contents, with --no-cache and
    again with an empty cache (the run that writes the signed cache entries: one per content).
"""
from __future__ import annotations

import argparse
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = [("delta-out", "diff(J, z[L])", "-(y - a[L]) ⊙ fprime(z[L])", "", ""),
          ("delta-rec", "diff(J, z[l])", "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])",
           'where = { l = "1..L-1" }\n', ""),
          ("dW", "diff(J, W[l])", "delta[l] * transpose(a[l-1])", 'where = { l = "1..L" }\n', ""),
          ("db", "diff(J, b[l])", "delta[l]", 'where = { l = "1..L" }\n', ""),
          ("no-fprime", "diff(J, z[l])", "transpose(W[l+1]) * delta[l+1]",
           'where = { l = "1..L-1" }\n', 'expect = "erratum"\n')]


def network_toml(widths: list[int]) -> str:
    out = [f'[setting.net]\nkind = "network"\nwidths = {widths}\nactivation = "sigmoid"\n'
           'loss = "mse_half"\n']
    for cid, q, f, where, expect in CLAIMS:
        out.append(f'[[claim]]\nid = "{cid}"\nsource = "bench"\nsetting = "net"\n{where}{expect}'
                   f'quantity = "{q}"\nformula = "{f}"\n')
    return "\n".join(out)


def catalog_toml(n: int, distinct: int = 100) -> str:
    head = '[setting.s]\nkind = "scalar"\nsymbols = ["x"]\n'
    return "\n".join([head] + [
        f'[[claim]]\nid = "c{k}"\nsource = "bench"\nsetting = "s"\n'
        f'quantity = "diff(x**{k % distinct + 2}, x)"\nformula = "{k % distinct + 2} * x**{k % distinct + 1}"\n'
        for k in range(n)])


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "NO_COLOR": "1", "PATH": "/usr/bin:/bin",
                               "XDG_CONFIG_HOME": str(cwd / "config")})  # the cache key
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1] if done.stdout else done.stderr


def sweep(rows: list[tuple[str, str]], repeat: int, timeout: float, cache: bool = False) -> None:
    """`cache`: an empty cache before each run instead of --no-cache."""
    floor_cmd = [sys.executable, "-c", "import sympy, numpy"]
    with tempfile.TemporaryDirectory() as tmp:
        print("| catalog | wall time | × floor | result |\n|---|---:|---:|---|")
        for label, text in rows:
            path = Path(tmp) / "c.toml"
            path.write_text(text, encoding="utf-8")
            cmd = [sys.executable, "-m", "bpcheck.cli", "verify", "-j", "1",
                   "--timeout", str(timeout), str(path)] + ([] if cache else ["--no-cache"])
            floors, times, summary = [], [], ""
            for _ in range(repeat):
                floors.append(run(floor_cmd, Path(tmp))[0])
                shutil.rmtree(Path(tmp) / ".bpcheck_cache", ignore_errors=True)
                seconds, summary = run(cmd, Path(tmp))
                times.append(seconds)
            t, f = statistics.median(times), statistics.median(floors)
            print(f"| {label} | {t:.2f} s | {t / f:.1f} | {summary.split(' in ')[0]} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    widths = [(f"width {n}-{n}-{n}", network_toml([n, n, n])) for n in (4, 8, 16, 32, 64, 128, 256, 512, 1024)]
    widths.append(("widths 784-100-10", network_toml([784, 100, 10])))
    depths = [(f"depth {d} (width 16)", network_toml([16] * (d + 1))) for d in (2, 3, 4, 6, 8)]
    sizes = [(f"{n} claims ({min(n, 100)} distinct)", catalog_toml(n)) for n in (100, 1000, 3000, 10000)]
    for rows in (widths, depths, sizes):
        sweep(rows, args.repeat, args.timeout)
        print()
    sweep([(label + ", empty cache", text) for label, text in sizes], args.repeat, args.timeout,
          cache=True)


if __name__ == "__main__":
    main()
