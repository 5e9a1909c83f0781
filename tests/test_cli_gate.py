"""bpcheck as a CI gate: JSON, exit codes, sharding, -j, JUnit XML, annotations, config, --changed.

Every test builds its own small catalog in tmp_path (claims that decide in well under a
second), so nothing here depends on the shipped catalog.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bpcheck import cli
from bpcheck.catalog.config import resolve_options
from bpcheck.report.github import annotation_lines
from bpcheck.catalog.files import load_catalog
from bpcheck.model import Options
from bpcheck.run.runner import run_claims

SETTINGS = """
[setting.scalar]
kind = "scalar"
symbols = ["x"]

[setting.net]
kind = "network"
widths = [3, 2]
activation = "sigmoid"
loss = "mse_half"
"""

GOOD = SETTINGS + """
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

WRONG = SETTINGS + """
[[claim]]
id = "delta-out-sign"
source = "notes §3"
setting = "net"
quantity = "diff(J, z[L])"
formula = "(y - a[L]) ⊙ fprime(z[L])"
"""

BROKEN = """
[setting.scalar]
kind = "scalar"
symbols = ["x"]

[[claim]]
id = "bad-setting"
source = "notes §4"
setting = "nowhere"
quantity = "diff(x, x)"
formula = "1"
"""
BAD_LINE = BROKEN.splitlines().index('setting = "nowhere"') + 1


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def claim_line(text: str, k: int = 0) -> int:
    """1-based line of the k-th `[[claim]]` header in `text`."""
    return [i + 1 for i, ln in enumerate(text.splitlines()) if ln == "[[claim]]"][k]


def formula_line(text: str, k: int = 0) -> int:
    """1-based line of the k-th `formula =` in `text` (where a refutation points)."""
    return [i + 1 for i, ln in enumerate(text.splitlines()) if ln.startswith("formula =")][k]


def run_json(capsys, *args: str) -> tuple[int, dict]:
    rc = cli.main(["verify", "--format", "json", *args])
    return rc, json.loads(capsys.readouterr().out)


def ids(doc: dict) -> list[str]:
    return [r["id"] for r in doc["results"]]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course folder with a catalog and no pyproject: defaults apply."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write(tmp_path, "derivations/good.toml", GOOD)
    return tmp_path


# ---- JSON and exit codes -------------------------------------------------------------

def test_json_results_and_summary(course, capsys):
    rc, doc = run_json(capsys, "--no-cache")
    assert rc == 0
    assert doc["schema"] == 1 and doc["errors"] == []
    assert ids(doc) == ["sigmoid-prime", "sigmoid-prime-erratum", "delta-out"]
    for r in doc["results"]:
        assert {"id", "file", "line", "source", "verdict", "expected", "ok", "seconds",
                "counterexample"} <= set(r)
        assert r["ok"] is True and r["seconds"] >= 0
        assert Path(r["file"]).name == "good.toml"
    first, erratum, net = doc["results"]
    assert (first["verdict"], first["expected"]) == ("VERIFIED", "holds")
    assert first["line"] == claim_line(GOOD, 0)
    assert first["counterexample"] is None
    assert (erratum["verdict"], erratum["expected"]) == ("REFUTED", "erratum")
    assert erratum["line"] == claim_line(GOOD, 1)
    cx = erratum["counterexample"]
    assert set(cx["inputs"]) == {"x"} and len(cx["lhs"]) == len(cx["rhs"]) == 1
    assert cx["lhs"][0] != pytest.approx(cx["rhs"][0])
    assert net["verdict"] == "VERIFIED"
    s = doc["summary"]
    assert (s["total"], s["VERIFIED"], s["REFUTED"], s["expected_errata"]) == (3, 2, 1, 1)
    assert (s["ok"], s["not_ok"], s["input_errors"]) == (3, 0, 0)


def test_exit_1_when_a_claim_is_wrong(course, capsys):
    write(course, "derivations/wrong.toml", WRONG)
    rc, doc = run_json(capsys, "--no-cache")
    assert rc == 1
    wrong = doc["results"][-1]
    assert (wrong["id"], wrong["verdict"], wrong["ok"]) == ("delta-out-sign", "REFUTED", False)
    cx = wrong["counterexample"]
    assert cx["entry"] and len(cx["lhs"]) == 2 and cx["rel_err"] > 0.1
    assert doc["summary"]["not_ok"] == 1


def test_exit_2_on_input_errors_and_the_rest_is_still_checked(course, capsys):
    write(course, "derivations/broken.toml", BROKEN)
    rc, doc = run_json(capsys, "--no-cache")
    assert rc == 2
    assert len(doc["results"]) == 3
    (err,) = doc["errors"]
    assert Path(err["file"]).name == "broken.toml" and err["line"] == BAD_LINE
    assert doc["summary"]["input_errors"] == 1


def test_exit_2_on_usage_errors(course, capsys):
    assert cli.main(["verify", "no/such/folder"]) == 2
    assert cli.main(["verify", "--shard", "3/2"]) == 2
    assert cli.main(["verify", "--shard", "x"]) == 2


# ---- sharding and parallel workers ---------------------------------------------------

def test_shards_partition_the_claims(course, capsys):
    write(course, "derivations/wrong.toml", WRONG)
    seen = []
    for k in (1, 2, 3):
        _, doc = run_json(capsys, "--shard", f"{k}/3")
        seen.append(ids(doc))
    flat = [i for shard in seen for i in shard]
    assert sorted(flat) == sorted(set(flat)) and len(flat) == 4
    _, again = run_json(capsys, "--shard", "2/3")
    assert ids(again) == seen[1]  # deterministic


def test_parallel_workers_give_the_same_verdicts(course, capsys):
    write(course, "derivations/wrong.toml", WRONG)
    rc1, serial = run_json(capsys, "--no-cache", "-j", "1")
    rc2, parallel = run_json(capsys, "--no-cache", "-j", "2")
    assert rc1 == rc2 == 1
    assert verdicts(serial) == verdicts(parallel)


def test_a_cold_run_reads_its_catalog_while_importing_sympy(course, capsys, monkeypatch):
    """An empty or absent cache (or --no-cache) reads the catalog in a forked child
    while this process imports the verifier; a cache with entries, or --changed,
    reads it here and imports nothing ahead."""
    from bpcheck.run import runner
    ahead = []
    real_import = runner.import_verifier

    def spy():
        ahead.append(True)
        real_import()
    monkeypatch.setattr(runner, "import_verifier", spy)
    rc, cold = run_json(capsys, "-j", "2")  # no cache yet
    assert rc == 0 and ahead == [True]
    rc, warm = run_json(capsys, "-j", "2")  # every claim is a cache hit now
    assert rc == 0 and ahead == [True]
    assert verdicts(warm) == verdicts(cold)
    rc, one = run_json(capsys, "--no-cache", "-j", "1")  # one process gains too
    assert rc == 0 and ahead == [True, True]
    assert verdicts(one) == verdicts(cold)


def test_forked_gives_the_childs_value_or_its_exception():
    from bpcheck.run.runner import Forked
    parent = os.getpid()
    assert Forked(os.getpid).result() != parent  # computed in another process
    assert Forked(lambda: {"claims": [1, 2]}).result() == {"claims": [1, 2]}
    with pytest.raises(cli.UsageError, match="no such file"):
        Forked(lambda: cli.load(argparse.Namespace(paths=["missing/"], keyword=None),
                                resolve_options(None, {}))).result()

    class Local(Exception):  # defined here: cannot be pickled by reference
        pass

    def fail():
        raise Local("unpicklable")
    with pytest.raises(RuntimeError, match="unpicklable"):
        Forked(fail).result()


def test_a_bad_catalog_read_ahead_still_gives_file_line_and_exit_2(course, capsys):
    write(course, "derivations/broken.toml", BROKEN)
    rc, doc = run_json(capsys, "--no-cache")
    assert rc == 2
    assert doc["errors"] and all(e["file"].endswith("broken.toml") and e["line"] > 0
                                 for e in doc["errors"])


def verdicts(doc: dict) -> list[tuple]:
    return [(r["id"], r["verdict"], r["ok"], r["counterexample"]) for r in doc["results"]]


# ---- JUnit XML -----------------------------------------------------------------------

def test_junit_xml(course, capsys):
    write(course, "derivations/wrong.toml", WRONG)
    write(course, "derivations/broken.toml", BROKEN)
    rc = cli.main(["verify", "--no-cache", "--junit-xml", "out/bpcheck.xml"])
    assert rc == 2
    root = ET.parse(course / "out/bpcheck.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    ok = cases["sigmoid-prime"]
    assert ok.get("classname") == "good" and float(ok.get("time")) >= 0
    assert ok.find("failure") is None and ok.find("error") is None
    erratum = cases["sigmoid-prime-erratum"]
    assert erratum.find("failure") is None
    props = {p.get("name"): p.get("value") for p in erratum.iter("property")}
    assert props["expected_erratum"] == "true" and props["verdict"] == "REFUTED"
    assert "expected erratum" in erratum.findtext("system-out")
    failure = cases["delta-out-sign"].find("failure")
    assert failure.get("type") == "REFUTED" and "counterexample" in failure.text
    (load_error,) = [c for c in cases.values() if c.find("error") is not None]
    assert load_error.get("classname") == "broken" and load_error.get("line") == str(BAD_LINE)
    assert f"broken.toml:{BAD_LINE}" in load_error.find("error").text


# ---- GitHub annotations --------------------------------------------------------------

def test_annotation_lines_point_at_the_claim(course):
    path = write(course, "derivations/wrong.toml", WRONG)
    catalog = load_catalog([course / "derivations"])
    pairs = run_claims(catalog.claims, Options())
    lines = annotation_lines(pairs, catalog.errors)
    assert len(lines) == 1  # the expected erratum is not annotated
    head = f"::error file={path},line={formula_line(WRONG)},title=bpcheck delta-out-sign::"
    assert lines[0].startswith(head)
    assert "\n" not in lines[0]


def test_annotations_printed_under_github_actions(course):
    write(course, "derivations/wrong.toml", WRONG)
    env = {**os.environ, "GITHUB_ACTIONS": "true", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify", "--no-cache"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    marks = [ln for ln in done.stdout.splitlines() if ln.startswith("::error ")]
    assert len(marks) == 1
    assert marks[0].startswith(f"::error file=derivations/wrong.toml,line={formula_line(WRONG)},")
    env.pop("GITHUB_ACTIONS")
    quiet = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify"], cwd=course, env=env,
                           capture_output=True, text=True, timeout=120)
    assert "::error" not in quiet.stdout


# ---- configuration -------------------------------------------------------------------

def test_config_from_pyproject_and_flags_override(course, capsys):
    write(course, "pyproject.toml", "[tool.bpcheck]\nseed = 7\npoints = 5\ncache = false\n")
    _, doc = run_json(capsys)
    evidence = doc["results"][0]["links"][0]["numeric"]
    assert (evidence["seed"], evidence["points"]) == (7, 5)
    assert doc["results"][1]["counterexample"]["seed"] == 7
    assert not (course / ".bpcheck_cache").exists()  # cache = false
    _, doc = run_json(capsys, "--seed", "11", "--points", "6")
    evidence = doc["results"][0]["links"][0]["numeric"]
    assert (evidence["seed"], evidence["points"]) == (11, 6)


def test_bad_config_is_a_usage_error(course, capsys):
    write(course, "pyproject.toml", "[tool.bpcheck]\nsede = 7\n")
    assert cli.main(["verify"]) == 2
    assert "sede" in capsys.readouterr().err


# ---- --changed -----------------------------------------------------------------------

def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def repo(course, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(course.parent))
    write(course, "derivations/wrong.toml", WRONG)
    git(course, "init", "-q", "-b", "main")
    git(course, "add", ".")
    git(course, "commit", "-q", "-m", "catalog")
    return course


def test_changed_checks_only_changed_files(repo, capsys):
    _, doc = run_json(capsys, "--changed")
    assert doc["results"] == []
    text = (repo / "derivations/good.toml").read_text().replace("notes §2", "notes §2.1")
    write(repo, "derivations/good.toml", text)  # modified in the working tree
    _, doc = run_json(capsys, "--changed")
    assert ids(doc) == ["sigmoid-prime", "sigmoid-prime-erratum", "delta-out"]
    git(repo, "add", "derivations/good.toml")  # staged counts too
    _, doc = run_json(capsys, "--changed")
    assert len(doc["results"]) == 3
    git(repo, "commit", "-q", "-m", "edit")
    write(repo, "derivations/new.toml", WRONG.replace("delta-out-sign", "new-claim"))
    rc, doc = run_json(capsys, "--changed")  # untracked
    assert ids(doc) == ["new-claim"] and rc == 1
    _, doc = run_json(capsys, "--changed", "--since", "HEAD~1")
    assert sorted(ids(doc)) == sorted(["sigmoid-prime", "sigmoid-prime-erratum", "delta-out",
                                       "new-claim"])


def test_changed_files_outside_git(tmp_path, monkeypatch):
    from bpcheck.catalog.changes import ChangesError, changed_files
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(ChangesError):
        changed_files(None)


def test_changed_with_unknown_revision(repo):
    from bpcheck.catalog.changes import ChangesError, changed_files
    with pytest.raises(ChangesError, match="no-such-rev"):
        changed_files("no-such-rev")


def test_changed_outside_git_is_a_usage_error(course, monkeypatch, capsys):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(course.parent))
    assert cli.main(["verify", "--changed"]) == 2
    assert "git" in capsys.readouterr().err


def test_the_garbage_collector_is_tuned_only_in_bpcheck_s_own_processes(course):
    import gc
    from bpcheck.run.runner import GC_THRESHOLD
    claims = load_catalog([course / "derivations"]).claims[:1]
    before = gc.get_threshold()
    try:
        run_claims(claims, Options(shrink=False), jobs=1)  # a library call (the plugin)
        assert gc.get_threshold() == before
        run_claims(claims, Options(shrink=False), jobs=1, own_process=True)  # the CLI
        assert gc.get_threshold() == GC_THRESHOLD
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


BLAS_PROBE = """
import os, sys
from bpcheck import cli
cli.one_blas_thread()
import numpy
print(os.environ["OPENBLAS_NUM_THREADS"], len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("given, want", [(None, "1"), ("3", "3")])
def test_numpy_gets_one_blas_thread_unless_the_user_says(given, want):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS",
                                                             "OMP_NUM_THREADS")}
    if given:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    setting, threads = done.stdout.split()
    assert setting == want
    if want == "1":
        assert int(threads) == 1  # no BLAS thread besides the main one
