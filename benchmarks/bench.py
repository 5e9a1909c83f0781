"""Benchmark bpcheck on the shipped catalog and print a Markdown report.

    python benchmarks/bench.py [--catalog derivations] [--cap 10] [--naive-claims 40] [--jobs N]

Measures (wall times of fresh processes, as a user or CI sees them):
  * the import floor: `python -c "import sympy, numpy"`;
  * a cold `bpcheck verify --no-cache -j 1` (one process), and the default cold run
    (worker processes on every core; its median, taken in turns with the floor's);
  * a warm run: the second `bpcheck verify` with nothing changed (cache hits only);
  * the same claims decided by a naive pipeline, `sympy.simplify(lhs - rhs) == 0` on
    the sides rewritten into exp form, each claim capped at --cap seconds (by default
    on 40 claims spread over the catalog, to keep the run to a few minutes);
  * scaling: the softmax Jacobian claim for n = 4 ... 64, and a width-64 depth-8
    network's gradient checked numerically by `bpcheck.reference.network`.
The catalog is copied into a temporary folder, so the repository's own cache is
neither used nor touched.  Everything random is seeded.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOFTMAX_SIZES = (4, 8, 16, 32, 64)
SOFTMAX_TOML = """[setting.s]
kind = "scalar"
vectors = {{ z = {n} }}

[[claim]]
id = "softmax-jacobian-{n}"
source = "benchmark"
setting = "s"
quantity = "diff(softmax(z), z)"
formula = "diag(softmax(z)) - softmax(z) * transpose(softmax(z))"
"""


# ---- processes and the machine ---------------------------------------------------------

def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["NO_COLOR"] = "1"
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done


def median_time(cmd: list[str], cwd: Path, repeat: int) -> float:
    return statistics.median(timed(cmd, cwd)[0] for _ in range(repeat))


def precompile() -> None:
    """Byte-compile bpcheck as an installed package is (pip writes the .pyc files; an
    editable install writes them on first import unless PYTHONDONTWRITEBYTECODE is
    set), so that every run below measures the same thing as SymPy's own import."""
    import compileall
    import bpcheck
    compileall.compile_dir(str(Path(bpcheck.__file__).parent), quiet=1)


def verify(cwd: Path, *flags: str) -> tuple[float, dict[str, Any]]:
    cmd = [sys.executable, "-m", "bpcheck.cli", "verify", "--format", "json", *flags]
    seconds, done = timed(cmd, cwd)
    try:
        return seconds, json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"bpcheck verify {' '.join(flags)} failed ({done.returncode}):\n{done.stderr}")


def machine() -> str:
    import numpy
    import sympy
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} × {cpu}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SymPy {sympy.__version__}, "
            f"NumPy {numpy.__version__}")


def stage(catalog: Path, tmp: Path) -> Path:
    """A copy of the catalog with the repository's [tool.bpcheck] settings, minus cache/paths."""
    work = tmp / "course"
    target = work / "derivations"
    if catalog.is_dir():
        shutil.copytree(catalog, target)
    else:
        target.mkdir(parents=True)
        shutil.copy(catalog, target)
    table = _tool_table(ROOT / "pyproject.toml")
    lines = ["[tool.bpcheck]"] + [f"{k} = {json.dumps(v)}" for k, v in table.items()
                                  if k not in ("paths", "cache_dir", "cache", "jobs")]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return work


def _tool_table(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("bpcheck", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}


# ---- the naive pipeline ------------------------------------------------------------------

def exp_form(value: Any) -> Any:
    """bpcheck's derivative atoms rewritten into plain SymPy (σ and tanh through exp)."""
    import sympy as sp
    from bpcheck.symbolic import atoms

    def one(e: Any) -> Any:
        e = e.replace(atoms.Sig, lambda u: 1 / (1 + sp.exp(-u)))
        e = e.replace(atoms.Tanh, lambda u: (sp.exp(2 * u) - 1) / (sp.exp(2 * u) + 1))
        e = e.replace(atoms.Exp, sp.exp).replace(atoms.Relu, lambda u: sp.Max(u, 0))
        e = e.replace(atoms.Step, sp.Heaviside).replace(atoms.AbsF, sp.Abs)
        return e.replace(atoms.MaxOf, sp.Max)
    return value.applyfunc(one) if hasattr(value, "applyfunc") else one(value)


def naive_decide(claim: Any) -> str:
    """`simplify(lhs - rhs) == 0` for every link and index case; no numbers, no atoms."""
    import sympy as sp
    from bpcheck.catalog.files import setting_names
    from bpcheck.catalog.formula import parse
    from bpcheck.symbolic.linalg import ShapeError
    from bpcheck.decide.worlds import cases, side_value, world_for
    world = world_for(claim)
    names = setting_names(claim.setting) | {v for v, _ in claim.where}
    trees = [parse(side, names).tree for side in claim.sides]
    for left, right in claim.links:
        for case in cases(claim, world):
            try:
                lhs, rhs = (exp_form(_scalar(side_value(world, trees[k], case)))
                            for k in (left, right))
                diff = lhs - rhs
            except (ShapeError, TypeError, ValueError):  # sp.ShapeError is a ValueError
                return "≠ (shapes)"
            entries = list(diff) if hasattr(diff, "shape") else [diff]
            if not all(sp.simplify(e) == 0 for e in entries):
                return "≠ 0"
    return "= 0"


def _scalar(value: Any) -> Any:
    """A 1×1 matrix is a number here, as it is to bpcheck."""
    return value[0, 0] if getattr(value, "shape", None) == (1, 1) else value


def _naive_child(claim: Any, conn: Any) -> None:
    start = time.perf_counter()
    try:
        result = naive_decide(claim)
    except Exception as exc:  # the naive pipeline may fail where bpcheck does not
        result = f"error: {type(exc).__name__}"
    conn.send((result, time.perf_counter() - start))
    conn.close()


def naive_all(claims: list[Any], cap: float, jobs: int) -> dict[str, tuple[str, float]]:
    """Each claim in its own forked process (so a capped one can be stopped), `jobs` at a time."""
    from bpcheck.decide.worlds import world_for
    for c in claims:  # build worlds before forking: the naive side does not pay for them
        if c.strategy != "indexed":
            try:
                world_for(c)
            except Exception:
                pass
    ctx = mp.get_context("fork")
    pending, running, out = list(claims), [], {}
    while pending or running:
        while pending and len(running) < jobs:
            c = pending.pop(0)
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_naive_child, args=(c, send), daemon=True)
            proc.start()
            running.append((c, proc, recv, time.perf_counter()))
        time.sleep(0.02)
        for entry in list(running):
            c, proc, recv, start = entry
            if recv.poll():
                out[c.id] = recv.recv()
            elif time.perf_counter() - start > cap:
                proc.kill()
                out[c.id] = ("capped", cap)
            else:
                continue
            proc.join()
            running.remove(entry)
    return out


# ---- scaling -----------------------------------------------------------------------------

def softmax_scaling(tmp: Path) -> list[tuple[int, dict[str, Any]]]:
    folder = tmp / "softmax"
    folder.mkdir()
    for n in SOFTMAX_SIZES:
        (folder / f"softmax_{n:02d}.toml").write_text(SOFTMAX_TOML.format(n=n), encoding="utf-8")
    _, doc = verify(folder, "--no-cache", ".")
    by_id = {r["id"]: r for r in doc["results"]}
    return [(n, by_id[f"softmax-jacobian-{n}"]) for n in SOFTMAX_SIZES]


def network_check(width: int = 64, depth: int = 8, seed: int = 0) -> dict[str, float]:
    """Backprop gradient of all weights and biases vs directional finite differences."""
    import numpy as np
    from bpcheck.reference.network import MLP, Params, directional_check
    net = MLP((width,) * (depth + 1), ("tanh",) * (depth - 1) + ("sigmoid",), "mse_half")
    rng = np.random.default_rng(seed)
    params = net.init_params(rng)
    x, y = rng.standard_normal(width), rng.uniform(0.05, 0.95, width)
    shapes = [w.shape for w in params.W[1:]] + [b.shape for b in params.b[1:]]
    sizes = [int(np.prod(s)) for s in shapes]

    def unpack(theta: np.ndarray) -> Params:
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        arrays = [p.reshape(s) for p, s in zip(parts, shapes)]
        return Params((None, *arrays[:depth]), (None, *arrays[depth:]))

    theta = np.concatenate([a.ravel() for a in (*params.W[1:], *params.b[1:])])
    start = time.perf_counter()
    grads = net.backward(params, x, y)
    g = np.concatenate([a.ravel() for a in (*grads.dW[1:], *grads.db[1:])])
    res = directional_check(lambda t: net.loss_value(unpack(t), x, y), g, theta,
                            np.random.default_rng(seed + 1), n_directions=20)
    return {"seconds": time.perf_counter() - start, "parameters": theta.size,
            "max_rel_err": res.max_rel_err, "passed": float(res.passed(rtol=1e-5))}


# ---- report ------------------------------------------------------------------------------

def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def met(ok: bool) -> str:
    return "✓" if ok else "✗"


def report(m: dict[str, Any]) -> str:
    floor, net = m["floor"], m["network"]
    runs = [("`python -c \"import sympy, numpy\"` (floor)", floor, ""),
            ("cold `bpcheck verify --no-cache -j 1` (one process)", m["cold"],
             f"≤ 3× floor {met(m['cold'] <= 3 * floor)}"),
            (f"cold `bpcheck verify` (empty cache; default: {m['jobs']} workers)", m["cold_j"],
             f"≤ 3× floor {met(m['cold_j'] <= 3 * floor)}"),
            ("warm `bpcheck verify` (all cached)", m["warm"],
             f"≤ 0.5× floor {met(m['warm'] <= 0.5 * floor)}")]
    out = [f"Machine: {m['machine']}; load average {m['load']} at the start.", "",
           f"Catalog: `{m['catalog']}`, {m['claims']} claims.", "",
           "| run | wall time | × import floor | target |", "|---|---:|---:|---|"]
    out += [f"| {name} | {fmt(t)} | {t / floor:.2f} | {target} |" for name, t, target in runs]
    out += [""] + naive_table(m)
    out += ["", "| softmax Jacobian, n | claim time | verdict |", "|---:|---:|---|"]
    out += [f"| {n} | {fmt(r['seconds'])} | {r['verdict']} |" for n, r in m["softmax"]]
    out += ["", "| numeric check | parameters | time | max rel. error | target |",
            "|---|---:|---:|---:|---|",
            f"| width 64, depth 8: backprop vs 20 directional differences | "
            f"{net['parameters']} | {fmt(net['seconds'])} | {net['max_rel_err']:.1e} | "
            f"< 1 s {met(net['seconds'] < 1)} |"]
    return "\n".join(out)


def sample(claims: list[Any], size: int) -> list[Any]:
    """`size` claims spread evenly over the catalog (all of them when size <= 0)."""
    runnable = [c for c in claims if c.strategy != "indexed"]  # no fixed sizes to expand
    if size <= 0 or size >= len(runnable):
        return runnable
    step = len(runnable) / size
    return [runnable[int(k * step)] for k in range(size)]


def naive_table(m: dict[str, Any]) -> list[str]:
    cap = m["cap"]
    rows = ["| claim | bpcheck verdict | bpcheck | naive: `simplify(lhs - rhs)` | naive |",
            "|---|---|---:|---|---:|"]
    ours = theirs = 0.0
    capped = unproved = 0
    for r in m["cold_doc"]["results"]:
        if r["id"] not in m["naive"]:
            continue
        result, secs = m["naive"][r["id"]]
        capped += result == "capped"
        unproved += r["verdict"] == "VERIFIED" and result != "= 0"
        ours += r["seconds"]
        theirs += secs
        shown = f"> {cap:g} s" if result == "capped" else fmt(secs)
        rows.append(f"| {r['id']} | {r['verdict']} | {fmt(r['seconds'])} | {result} | {shown} |")
    bound = "≥ " if capped else ""
    rows.append(f"| **total** | | **{fmt(ours)}** | {capped} capped | **{bound}{fmt(theirs)}** |")
    verified = sum(1 for r in m["cold_doc"]["results"]
                   if r["id"] in m["naive"] and r["verdict"] == "VERIFIED")
    summary = [f"Naive pipeline on {len(m['naive'])} of the {m['claims']} claims "
               f"({m['naive_scope']}), {cap:g} s cap per claim: "
               f"**{bound}{theirs / max(ours, 1e-9):.1f}×** the time bpcheck needs for the same "
               f"claims (target ≥ 10×; a capped claim counts as {cap:g} s). "
               f"Of the {verified} claims bpcheck proves, the naive pipeline fails to prove "
               f"{unproved} ({capped} hit the cap). bpcheck times are per claim in the cold run.",
               "", "<details><summary>per claim</summary>", ""]
    return summary + rows + ["", "</details>"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--catalog", default=str(ROOT / "derivations"))
    ap.add_argument("--cap", type=float, default=10.0, help="seconds per naive claim")
    ap.add_argument("--naive-claims", type=int, default=40, metavar="N",
                    help="naive pipeline on N claims spread over the catalog (0: all)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=5, help="runs of the short timings")
    args = ap.parse_args()
    catalog = Path(args.catalog).resolve()
    if not catalog.exists():
        sys.exit(f"no catalog at {catalog}")
    from bpcheck.run.sources import load_sources
    claims = list(load_sources([catalog]).claims)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    m: dict[str, Any] = {"machine": machine(), "load": load,
                         "catalog": os.path.relpath(catalog, ROOT),
                         "claims": len(claims), "cap": args.cap, "jobs": args.jobs}
    with tempfile.TemporaryDirectory(prefix="bpcheck-bench-") as tmp_name:
        tmp = Path(tmp_name)
        work = stage(catalog, tmp)
        precompile()
        m["cold"], m["cold_doc"] = verify(work, "--no-cache", "-j", "1")
        progress("cold", m["cold"])
        # the floor and the default cold run (every core; the cache emptied before each
        # run) taken in turns, so that a slow spell of the machine hits both alike
        floors, colds = [], []
        for _ in range(args.repeat):
            floors.append(timed([sys.executable, "-c", "import sympy, numpy"], work)[0])
            shutil.rmtree(work / ".bpcheck_cache", ignore_errors=True)
            colds.append(verify(work)[0])
        m["floor"], m["cold_j"] = statistics.median(floors), statistics.median(colds)
        progress("import floor", m["floor"])
        progress(f"cold -j {args.jobs}", m["cold_j"])
        cmd = [sys.executable, "-m", "bpcheck.cli", "verify", "--format", "json"]
        m["warm"] = median_time(cmd, work, args.repeat)
        progress("warm", m["warm"])
        chosen = sample(claims, args.naive_claims)
        m["naive_scope"] = ("every claim with fixed sizes" if args.naive_claims <= 0 else
                            "spread evenly over the catalog; `--naive-claims 0` for all")
        m["naive"] = naive_all(chosen, args.cap, args.jobs)
        progress("naive pipeline", sum(s for _, s in m["naive"].values()))
        m["softmax"] = softmax_scaling(tmp)
        progress("softmax scaling", sum(r["seconds"] for _, r in m["softmax"]))
    m["network"] = network_check()
    print(report(m))


def progress(what: str, seconds: float) -> None:
    print(f"[bench] {what}: {fmt(seconds)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
