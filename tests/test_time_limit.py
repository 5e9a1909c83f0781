"""The per-claim time limit is hard: work the alarm cannot interrupt (C code, a
signal-blocked section) is stopped by killing the worker deciding it, the claim is
INCONCLUSIVE, and the run goes on; a link the numbers refute never waits on an
expansion; the explanation of a refutation fits in the same limit."""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sympy as sp

import bpcheck.decide.links as links_mod
from bpcheck import cli
from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options
from bpcheck.run.runner import run_claims
from bpcheck.run.supervise import GRACE

ROOT = Path(__file__).resolve().parents[1]
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the hard limit needs fork")

CATALOG = """
[setting.stuck]
kind = "scalar"
symbols = ["x", "y"]

[setting.plain]
kind = "scalar"
symbols = ["x"]

[[claim]]
id = "stuck"
source = "t"
setting = "stuck"
quantity = "diff(y**2, y)"
formula = "2*y"

[[claim]]
id = "after-stuck"
source = "t"
setting = "stuck"
quantity = "diff(x**3, x)"
formula = "3*x**2"

[[claim]]
id = "true"
source = "t"
setting = "plain"
quantity = "diff(x**2, x)"
formula = "2*x"

[[claim]]
id = "erratum"
source = "t"
setting = "plain"
quantity = "diff(x**2, x)"
formula = "3*x"
expect = "erratum"
"""

Y = sp.Symbol("y")


@pytest.fixture
def course(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject: the defaults and the flags only
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "cat.toml").write_text(CATALOG, encoding="utf-8")
    threshold = gc.get_threshold()
    yield tmp_path
    gc.set_threshold(*threshold)  # the CLI tunes the collector of its own process
    gc.unfreeze()


def _when_y(monkeypatch, action) -> None:
    """Deciding a formula in y runs `action` first (in the forked workers too)."""
    real = links_mod.decide

    def decide(lhs, rhs, *args, **kwargs):
        if Y in sp.sympify(lhs).free_symbols:
            action()
        return real(lhs, rhs, *args, **kwargs)
    monkeypatch.setattr(links_mod, "decide", decide)


def _uninterruptible(seconds: float):
    """Like work in C: the alarm stays pending until it ends."""
    def block() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            time.sleep(seconds)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
    return block


def _verify(capsys, *flags: str) -> tuple[int, dict[str, dict], float]:
    started = time.monotonic()
    rc = cli.main(["verify", "cat.toml", "--no-cache", "--format", "json", *flags])
    wall = time.monotonic() - started
    doc = json.loads(capsys.readouterr().out)
    return rc, {r["id"]: r for r in doc["results"]}, wall


@needs_fork
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_claim_stuck_where_the_alarm_cannot_reach_is_stopped_at_its_limit(
        course, capsys, monkeypatch, jobs):
    _when_y(monkeypatch, _uninterruptible(60))
    rc, results, wall = _verify(capsys, "--timeout", "1", "-j", jobs)
    stuck = results["stuck"]
    assert stuck["verdict"] == "INCONCLUSIVE" and not stuck["ok"]
    assert stuck["reason"].startswith("time limit of 1 s reached")
    assert 1 <= stuck["seconds"] <= 1 + 1  # never more than a second past the limit
    # the rest of its setting, in a fresh worker, and the other setting: decided as usual
    assert results["after-stuck"]["verdict"] == "VERIFIED"
    assert results["true"]["verdict"] == "VERIFIED"
    assert results["erratum"]["verdict"] == "REFUTED" and results["erratum"]["ok"]
    assert rc == 1  # an unmet expectation, as for any inconclusive claim
    assert wall < 1 + GRACE + 4  # not the 60 s the stuck work would take


@needs_fork
def test_an_expansion_in_c_reached_by_a_real_formula_is_stopped(tmp_path):
    """True, so the numbers agree and the zero test expands (s)**24·(s + 1) − (s)**24
    with eight symbols in s: millions of terms, in symengine's C++."""
    s = "(a+b+c+d+p+q+r+t)"
    (tmp_path / "big.toml").write_text(textwrap.dedent(f"""
        [setting.s]
        kind = "scalar"
        symbols = ["a", "b", "c", "d", "p", "q", "r", "t"]

        [[claim]]
        id = "big"
        source = "t"
        setting = "s"
        quantity = "diff({s}**26, a)"
        formula = "26*{s}**24*({s} + 1) - 26*{s}**24"
        """), encoding="utf-8")
    pairs = run_claims(load_catalog([tmp_path / "big.toml"]).claims, Options(timeout=1),
                       jobs=1, own_process=True)
    gc.unfreeze()
    verdict = pairs[0][1]
    assert verdict.kind is Kind.INCONCLUSIVE and verdict.reason.startswith("time limit")
    assert verdict.seconds <= 1 + 1


def test_numbers_that_refute_a_link_never_wait_on_an_expansion(tmp_path):
    """Wrong, so the numbers refute it; expanding (s)**40 with eight symbols would take
    hours in C.  Decided in this process: without the bound this test never ends."""
    s = "(a+b+c+d+p+q+r+t)"
    (tmp_path / "big.toml").write_text(textwrap.dedent(f"""
        [setting.s]
        kind = "scalar"
        symbols = ["a", "b", "c", "d", "p", "q", "r", "t"]

        [[claim]]
        id = "big-wrong"
        source = "t"
        setting = "s"
        quantity = "diff({s}**41, a)"
        formula = "40*{s}**40"
        expect = "erratum"
        """), encoding="utf-8")
    claims = load_catalog([tmp_path / "big.toml"]).claims
    if hasattr(os, "fork"):  # under the hard limit, so that a regression fails, not hangs
        pairs = run_claims(claims, Options(timeout=5, diagnose=False), jobs=1,
                           own_process=True)
        gc.unfreeze()
    else:
        pytest.skip("needs fork to fail rather than hang")
    verdict = pairs[0][1]
    assert verdict.kind is Kind.REFUTED and verdict.ok
    assert verdict.counterexample is not None
    assert [s.label for s in verdict.links[0].steps] == ["unexpanded"]


def test_the_explanation_of_a_refutation_fits_in_the_claims_limit(monkeypatch, course):
    import bpcheck.run.check as check_mod
    monkeypatch.setattr(check_mod, "explain_refutation",
                        lambda claim, verdict, options: time.sleep(10) or verdict)
    claim = next(c for c in load_catalog([course / "cat.toml"]).claims if c.id == "erratum")
    started = time.monotonic()
    verdict = check_mod.check_claim(claim, Options(timeout=1))
    assert verdict.kind is Kind.REFUTED and verdict.ok
    assert time.monotonic() - started < 1.5


@needs_fork
def test_zero_is_no_limit(course, capsys, monkeypatch):
    _when_y(monkeypatch, _uninterruptible(GRACE + 1.2))
    rc, results, _ = _verify(capsys, "--timeout", "0", "-j", "1", "-k", "stuck")
    assert results["stuck"]["verdict"] == "VERIFIED" and rc == 0


@pytest.mark.parametrize("flags, config", [(["--timeout", "-1"], ""), (["--timeout", "nan"], ""),
                                           ([], "[tool.bpcheck]\ntimeout = -5\n")])
def test_a_negative_time_limit_is_a_usage_error(course, capsys, flags, config):
    if config:
        (course / "pyproject.toml").write_text(config, encoding="utf-8")
    assert cli.main(["verify", "cat.toml", "--no-cache", *flags]) == 2
    err = capsys.readouterr().err
    assert "time limit" in err and "Traceback" not in err


@needs_fork
def test_a_worker_that_dies_gives_an_error_and_the_run_goes_on(course, capsys, monkeypatch):
    _when_y(monkeypatch, lambda: os._exit(3))
    rc, results, _ = _verify(capsys, "-j", "1")
    assert results["stuck"]["verdict"] == "ERROR"
    assert results["after-stuck"]["verdict"] == "VERIFIED"
    assert results["erratum"]["verdict"] == "REFUTED"
    assert rc == 2


def test_workers_run_without_automatic_garbage_collection(course, monkeypatch):
    import bpcheck.run.check as check_mod
    from dataclasses import replace
    real = check_mod.check_claim
    monkeypatch.setattr(check_mod, "check_claim", lambda c, o: replace(
        real(c, o), scope=f"gc enabled: {gc.isenabled()}"))
    claims = load_catalog([course / "cat.toml"]).claims
    pairs = run_claims(claims, Options(shrink=False), jobs=2)  # a library call: no tuning
    assert {v.scope for _, v in pairs} == {"gc enabled: False"}
    assert gc.isenabled()  # this process is not a worker


CTRL_C = """
import signal, sys, time
import sympy as sp
import bpcheck.decide.links as links
from bpcheck import cli
real = links.decide
def decide(lhs, rhs, *args, **kwargs):
    if sp.Symbol("y") in sp.sympify(lhs).free_symbols:
        print("stuck", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
    return real(lhs, rhs, *args, **kwargs)
links.decide = decide
sys.exit(cli.main(["verify", "cat.toml", "--no-cache", "--timeout", "0", "-j", "2"]))
"""


@needs_fork
@pytest.mark.slow
def test_ctrl_c_stops_a_run_and_its_workers(course):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C], cwd=course, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        while "stuck" not in proc.stdout.readline():  # until a worker is in the stuck claim
            assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):  # no worker left behind
        os.killpg(proc.pid, 0)
