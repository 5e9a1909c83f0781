"""The result cache: hits, invalidation, robustness, and a warm run that never imports SymPy."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import bpcheck.catalog.results_cache as cache_mod
import bpcheck.run.check
from bpcheck.catalog.results_cache import ResultCache, entries
from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options, Verdict
from bpcheck.run.runner import run_claims

CATALOG = """
[setting.scalar]
kind = "scalar"
symbols = ["x"]

[setting.net]
kind = "network"
widths = [3, 2]
activation = "sigmoid"
loss = "mse_half"

[[claim]]
id = "sigmoid-prime"
source = "notes §1"
setting = "scalar"
quantity = "diff(1/(1 + exp(-x)), x)"
formula = "sigmoid(x) * (1 - sigmoid(x))"

[[claim]]
id = "sigmoid-prime-erratum"
source = "notes §1"
setting = "scalar"
expect = "erratum"
quantity = "diff(sigmoid(x), x)"
formula = "sigmoid(x) * (1 + sigmoid(x))"

[[claim]]
id = "delta-out"
source = "notes §2"
setting = "net"
quantity = "diff(J, z[L])"
formula = "-(y - a[L]) ⊙ fprime(z[L])"
"""


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "derivations" / "claims.toml"
    path.parent.mkdir()
    path.write_text(CATALOG, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def own_cache_key(tmp_path, monkeypatch):
    """Each test signs with a key of its own, never the user's (subprocesses inherit it)."""
    monkeypatch.delenv("BPCHECK_CACHE_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def claims_of(path: Path) -> list:
    catalog = load_catalog([path])
    assert not catalog.errors
    return list(catalog.claims)


class Counting:
    """Wraps the verifier to count which claims were actually decided."""

    def __init__(self, monkeypatch):
        self.decided: list[str] = []
        real = bpcheck.run.check.verify_claim

        def verify_claim(claim, options=Options()):
            self.decided.append(claim.id)
            return real(claim, options)
        monkeypatch.setattr(bpcheck.run.check, "verify_claim", verify_claim)


def run(claims, cache: ResultCache):
    return run_claims(claims, Options(), lookup=cache.lookup, store=cache.store)


# ---- keys ------------------------------------------------------------------------------

def test_key_depends_on_content_options_and_version(catalog_file, tmp_path, monkeypatch):
    claim = claims_of(catalog_file)[0]
    cache = ResultCache(tmp_path / "c", Options())
    key = cache.key(claim)
    assert key == ResultCache(tmp_path / "other", Options()).key(claim)  # not the folder
    moved = replace(claim, line=claim.line + 5, file="elsewhere.toml", title="renamed")
    assert cache.key(moved) == key  # where a claim sits does not decide its verdict
    assert cache.key(replace(claim, sides=(claim.sides[0], "sigmoid(x)"))) != key
    assert cache.key(replace(claim, where=(("i", "1..2"),))) != key
    assert cache.key(replace(claim, scope="x > 0 only")) != key
    assert ResultCache(tmp_path / "c", Options(seed=1)).key(claim) != key
    assert ResultCache(tmp_path / "c", Options(rtol=1e-6)).key(claim) != key
    monkeypatch.setattr(cache_mod, "__version__", "99.0")
    assert cache.key(claim) != key


# ---- hits and invalidation ---------------------------------------------------------------

def test_second_run_decides_nothing(catalog_file, tmp_path, monkeypatch):
    counting = Counting(monkeypatch)
    claims = claims_of(catalog_file)
    cache = ResultCache(tmp_path / ".bpcheck_cache", Options())
    first = run(claims, cache)
    assert counting.decided == [c.id for c in claims]
    assert (cache.stored, cache.misses, cache.hits) == (3, 3, 0)
    assert len(entries(tmp_path / ".bpcheck_cache")) == 3

    counting.decided.clear()
    again = ResultCache(tmp_path / ".bpcheck_cache", Options())
    second = run(claims, again)
    assert counting.decided == [] and (again.hits, again.stored) == (3, 0)
    for (_, v1), (_, v2) in zip(first, second):
        assert (v2.kind, v2.ok, v2.reason, v2.links) == (v1.kind, v1.ok, v1.reason, v1.links)
        assert v2.counterexample == v1.counterexample
        assert v2.seconds == 0.0 and dict(v2.extra)["cached"] is True


def test_changing_one_claim_recomputes_that_claim_only(catalog_file, tmp_path, monkeypatch):
    counting = Counting(monkeypatch)
    folder = tmp_path / ".bpcheck_cache"
    run(claims_of(catalog_file), ResultCache(folder, Options()))
    before = {p.name: p.stat().st_mtime_ns for p in entries(folder)}

    text = catalog_file.read_text().replace("-(y - a[L]) ⊙ fprime(z[L])",
                                            "fprime(z[L]) ⊙ (a[L] - y)")
    catalog_file.write_text(text)
    counting.decided.clear()
    cache = ResultCache(folder, Options())
    pairs = run(claims_of(catalog_file), cache)
    assert counting.decided == ["delta-out"]
    assert (cache.hits, cache.misses, cache.stored) == (2, 1, 1)
    assert pairs[-1][1].kind is Kind.VERIFIED
    after = {p.name: p.stat().st_mtime_ns for p in entries(folder)}
    assert len(after) == 4 and all(after[name] == t for name, t in before.items())


def test_new_options_decide_again(catalog_file, tmp_path, monkeypatch):
    counting = Counting(monkeypatch)
    claims = claims_of(catalog_file)[:1]
    run(claims, ResultCache(tmp_path / "c", Options()))
    run(claims, ResultCache(tmp_path / "c", Options(points=8)))
    assert counting.decided == ["sigmoid-prime", "sigmoid-prime"]


# ---- what is not cached, and robustness --------------------------------------------------

def verdict(kind: Kind, reason: str = "r") -> Verdict:
    return Verdict("sigmoid-prime", kind, False, reason)


def test_errors_and_timeouts_are_not_cached(catalog_file, tmp_path):
    claim = claims_of(catalog_file)[0]
    cache = ResultCache(tmp_path / "c", Options())
    cache.store(claim, verdict(Kind.ERROR, "KeyError: 'q'"))
    cache.store(claim, verdict(Kind.INCONCLUSIVE, "time limit of 60 s reached before a decision"))
    assert cache.lookup(claim) is None and cache.stored == 0
    cache.store(claim, verdict(Kind.INCONCLUSIVE, "the numbers agree but no proof"))
    hit = cache.lookup(claim)
    assert hit is not None and hit.kind is Kind.INCONCLUSIVE


@pytest.mark.parametrize("content", ["", "{not json", "[]", '{"schema": 1}',
                                     '{"schema": 1, "id": "sigmoid-prime", "verdict": {}}',
                                     b"\xff\xfe\x00garbage"])
def test_corrupt_entries_are_misses(catalog_file, tmp_path, content):
    claim = claims_of(catalog_file)[0]
    cache = ResultCache(tmp_path / "c", Options())
    cache.store(claim, verdict(Kind.VERIFIED))
    path = cache.path(claim)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert cache.lookup(claim) is None and cache.misses == 1
    cache.store(claim, verdict(Kind.VERIFIED))  # and a fresh verdict repairs it
    assert cache.lookup(claim).kind is Kind.VERIFIED


def test_entry_for_another_claim_is_a_miss(catalog_file, tmp_path):
    claim, other = claims_of(catalog_file)[:2]
    cache = ResultCache(tmp_path / "c", Options())
    cache.store(other, verdict(Kind.REFUTED))
    os.replace(cache.path(other), cache.path(claim))
    assert cache.lookup(claim) is None


def test_unwritable_cache_costs_time_not_results(catalog_file, tmp_path):
    blocker = tmp_path / "c"
    blocker.write_text("a file where the cache folder should be")
    claim = claims_of(catalog_file)[0]
    cache = ResultCache(blocker, Options())
    cache.store(claim, verdict(Kind.VERIFIED))
    assert cache.lookup(claim) is None and cache.stored == 0


def test_writes_are_atomic_and_the_folder_is_ignored_by_git(catalog_file, tmp_path):
    claim = claims_of(catalog_file)[0]
    folder = tmp_path / "c"
    cache = ResultCache(folder, Options())
    cache.store(claim, verdict(Kind.VERIFIED))
    cache.store(claim, verdict(Kind.VERIFIED, "again"))
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([".gitignore", "CACHEDIR.TAG", cache.path(claim).name])
    signed = cache.path(claim).read_bytes()  # a signature line, then the JSON entry
    assert json.loads(signed.split(b"\n", 1)[1])["verdict"]["reason"] == "again"
    assert (folder / ".gitignore").read_text().strip().endswith("*")


# ---- the warm CLI run ----------------------------------------------------------------------

WRAPPER = """
import json, sys
import bpcheck.cli as cli
rc = cli.main(["verify", "--format", "json"])
print(json.dumps({"rc": rc, "sympy": "sympy" in sys.modules,
                  "numpy": "numpy" in sys.modules}), file=sys.stderr)
"""


def cli_run(cwd: Path) -> tuple[dict, dict]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    done = subprocess.run([sys.executable, "-c", WRAPPER], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    status = json.loads(done.stderr.strip().splitlines()[-1])
    return status, json.loads(done.stdout)


def test_warm_cli_run_decides_nothing_and_skips_sympy(catalog_file, tmp_path):
    status, cold = cli_run(tmp_path)
    assert status["rc"] == 0  # decided here or in worker processes (an empty cache starts them)
    assert not any(r["extra"].get("cached") for r in cold["results"])
    stamps = {p.name: p.stat().st_mtime_ns for p in entries(tmp_path / ".bpcheck_cache")}
    assert len(stamps) == 3

    status, warm = cli_run(tmp_path)
    assert status["rc"] == 0
    assert status["sympy"] is False, "a warm run must not import SymPy"
    assert [(r["id"], r["verdict"], r["ok"]) for r in warm["results"]] == \
        [(r["id"], r["verdict"], r["ok"]) for r in cold["results"]]
    assert all(r["extra"].get("cached") for r in warm["results"])
    assert {p.name: p.stat().st_mtime_ns for p in entries(tmp_path / ".bpcheck_cache")} == stamps
