"""Ready for users outside this repository (issue 21): the install, the project root, the
cache folder, exit 5 for nothing checked, checked configuration, output by attention,
hints where users trip, Ctrl-C, and HTML reports that fit their page."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.catalog.verdict_json import summary
from bpcheck.cli import main
from bpcheck.model import Kind, Options
from bpcheck.report.terminal import TerminalReporter
from bpcheck.run.runner import run_claims

from conftest import NET, claim_toml

ROOT = Path(__file__).resolve().parents[1]
ESC = "\x1b["

GOOD = claim_toml("good", "scalar", "diff(x**3, x)", "3*x**2")
BAD = claim_toml("bad", "scalar", "diff(x**3, x)", "-3*x**2")
ERRATUM = claim_toml("known-slip", "scalar", "diff(x**2, x)", "x", expect='"erratum"')


@pytest.fixture
def course(tmp_path: Path, monkeypatch) -> Path:
    """A course repository: [tool.bpcheck] in its pyproject, claims in claims/, a subfolder."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.bpcheck]\npaths = ["claims"]\n')
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "cat.toml").write_text(NET + GOOD + ERRATUM, encoding="utf-8")
    (tmp_path / "lectures" / "week1").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_json(capsys, *args: str) -> tuple[int, dict | None]:
    code = main(["verify", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


# ---- the install ------------------------------------------------------------------------

def test_python_dash_m_bpcheck_is_the_command() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bpcheck", "--version"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["bpcheck", _version()]


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_license_file_and_metadata_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "bpcheck contributors" in text
    assert any(c.startswith("Programming Language :: Python :: 3.11")
               for c in project["classifiers"])
    assert "<" not in json.dumps(project.get("urls", {}))  # no placeholder URL
    assert (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")


def _tracked(*folders: str) -> set[str]:
    done = subprocess.run(["git", "ls-files", *folders], cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode != 0 or not done.stdout:
        pytest.skip("not a git checkout: the tracked files are unknown")
    return set(done.stdout.split("\n")) - {""}


@pytest.mark.slow
def test_sdist_holds_every_tracked_file_the_tests_need(tmp_path: Path) -> None:
    pytest.importorskip("build")
    tracked = _tracked("bpcheck", "tests", "derivations", "examples", "reports", "benchmarks")
    tracked |= {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"}
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    [sdist] = tmp_path.glob("bpcheck-*.tar.gz")
    with tarfile.open(sdist) as tar:
        shipped = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert tracked - shipped == set()


# ---- the project root -------------------------------------------------------------------

def test_verify_from_a_subfolder_uses_the_roots_paths_and_cache(course, monkeypatch, capsys):
    monkeypatch.chdir(course / "lectures" / "week1")
    code, doc = run_json(capsys)
    assert code == 0 and [r["id"] for r in doc["results"]] == ["good", "known-slip"]
    assert (course / ".bpcheck_cache").is_dir()  # at the root, not in the subfolder
    assert not (course / "lectures" / "week1" / ".bpcheck_cache").exists()


def test_a_bpcheck_toml_sets_the_root_and_a_foreign_pyproject_is_passed_over(course,
                                                                          monkeypatch, capsys):
    (course / "pyproject.toml").unlink()
    (course / "bpcheck.toml").write_text('paths = ["claims"]\ncache_dir = "cache"\n')
    (course / "lectures" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(course / "lectures" / "week1")
    code, doc = run_json(capsys)
    assert code == 0 and len(doc["results"]) == 2
    assert (course / "cache" / "CACHEDIR.TAG").is_file()


def test_paths_given_on_the_command_line_stay_relative_to_the_current_folder(course,
                                                                            monkeypatch,
                                                                            capsys):
    (course / "lectures" / "week1" / "own.toml").write_text(NET + BAD)
    monkeypatch.chdir(course / "lectures" / "week1")
    code, doc = run_json(capsys, "own.toml")
    assert code == 1 and [r["id"] for r in doc["results"]] == ["bad"]


def test_the_cache_folder_ignores_itself_in_git(course) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(git + ["init", "-q"], cwd=course, check=True)
    subprocess.run(git + ["add", "."], cwd=course, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "course"], cwd=course, check=True)
    assert main(["verify", "-q"]) == 0
    folder = course / ".bpcheck_cache"
    assert {".gitignore", "CACHEDIR.TAG"} <= {p.name for p in folder.iterdir()}
    status = subprocess.run(["git", "status", "--porcelain"], cwd=course, capture_output=True,
                            text=True, check=True).stdout
    assert status == ""


def test_a_notes_only_repository_gets_a_hint_not_a_missing_folder(tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    assert main(["verify"]) == 2
    err = capsys.readouterr().err
    assert "paths = " in err and "Traceback" not in err


# ---- nothing to check -------------------------------------------------------------------

@pytest.mark.parametrize("case", ["empty folder", "empty catalog", "no -k match"])
def test_nothing_to_check_exits_5_unless_allowed(course, capsys, case):
    args = {"empty folder": ["lectures"], "empty catalog": ["empty.toml"],
            "no -k match": ["-k", "no-such-claim"]}[case]
    (course / "empty.toml").write_text(NET)
    assert main(["verify", *args]) == 5
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1  # one line saying why
    assert main(["verify", "--allow-empty", *args]) == 0


def test_nothing_to_check_in_json_still_prints_the_document(course, capsys):
    code, doc = run_json(capsys, "-k", "no-such-claim")
    assert code == 5 and doc["results"] == []


def test_changed_with_nothing_changed_is_not_an_empty_run(course, monkeypatch, capsys):
    import bpcheck.catalog.changes as changes
    monkeypatch.setattr(changes, "changed_files", lambda since=None: set())
    assert main(["verify", "--changed"]) == 0


# ---- configuration and flags ------------------------------------------------------------

@pytest.mark.parametrize("line,key", [('paths = "claims"', "paths"), ("points = 2.5", "points"),
                                      ('timeout = "1"', "timeout"), ('cache = "no"', "cache"),
                                      ("seed = true", "seed")])
def test_a_value_of_the_wrong_type_is_an_error_naming_its_key(course, capsys, line, key):
    (course / "pyproject.toml").write_text(f"[tool.bpcheck]\n{line}\n")
    assert main(["verify"]) == 2
    err = capsys.readouterr().err
    assert f"{key} " in err and "Traceback" not in err


@pytest.mark.parametrize("flags", [["--timeout", "-1"], ["--timeout", "nan"], ["--points", "0"],
                                   ["--points", "-3"], ["-j", "-1"]])
def test_out_of_range_flags_are_usage_errors(course, capsys, flags):
    assert main(["verify", *flags]) == 2
    assert flags[0] in capsys.readouterr().err


def test_out_of_range_configuration_is_a_usage_error(course, capsys):
    (course / "pyproject.toml").write_text("[tool.bpcheck]\npoints = 0\n")
    assert main(["verify"]) == 2


# ---- output by attention ----------------------------------------------------------------

LONG_ID = "lecture-07.backpropagation-through-the-softmax-output-layer.delta-out-entry-" + "x" * 30


def _decided(tmp_path: Path, *claims: str) -> list:
    path = tmp_path / "cat.toml"
    path.write_text(NET + "".join(claims), encoding="utf-8")
    return run_claims(load_catalog([path]).claims, Options(shrink=False, diagnose=False))


def _shown(pairs: list, rich: bool = False, verbosity: int = 0) -> str:
    out = io.StringIO()
    TerminalReporter(out, len(pairs), rich=rich, verbosity=verbosity).finish(pairs,
                                                                              summary(pairs))
    return out.getvalue()


def test_default_output_shows_what_needs_attention(tmp_path):
    pairs = _decided(tmp_path, GOOD, BAD, ERRATUM)
    text = _shown(pairs)
    lines = text.splitlines()
    assert "good" not in text  # a claim as expected is counted, not listed
    assert sum("bad" in ln for ln in lines) >= 1 and any("counterexample" in ln for ln in lines)
    erratum = [ln for ln in lines if "known-slip" in ln]
    assert len(erratum) == 1  # an expected erratum: one line
    assert not any(ln.startswith("  counterexample") and "known" in ln for ln in lines)
    assert len([ln for ln in lines if ln.startswith(f"{tmp_path / 'cat.toml'}: ")]) == 1


def test_verbose_shows_every_claim_and_each_erratums_refutation(tmp_path):
    pairs = _decided(tmp_path, GOOD, ERRATUM)
    text = _shown(pairs, verbosity=1)
    assert "good" in text and text.count("counterexample") == 1


def test_quiet_prints_the_summary_only(tmp_path):
    pairs = _decided(tmp_path, GOOD, BAD, ERRATUM)
    assert len(_shown(pairs, verbosity=-1).splitlines()) == 1


def test_long_ids_are_never_cut(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    pairs = _decided(tmp_path, claim_toml(LONG_ID, "scalar", "diff(x**3, x)", "-3*x**2"))
    for rich in (False, True):
        for verbosity in (0, 1):
            text = re.sub(r"\x1b\[[0-9;]*m", "", _shown(pairs, rich, verbosity))
            assert LONG_ID in text


def test_color_flag(course, capsys, monkeypatch):
    assert main(["verify", "--color", "always"]) == 0
    assert ESC in capsys.readouterr().out
    assert main(["verify", "--color", "never"]) == 0
    assert ESC not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["verify", "--color", "auto"]) == 0
    assert ESC not in capsys.readouterr().out


def test_a_refutation_points_at_the_formula_line(tmp_path, capsys):
    path = tmp_path / "cat.toml"
    path.write_text(NET + GOOD + BAD, encoding="utf-8")
    formula_lines = [i + 1 for i, ln in enumerate(path.read_text().splitlines())
                     if ln.startswith("formula =")]
    assert main(["verify", "--no-cache", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{formula_lines[1]}: bad" in out


def test_scan_does_not_call_a_skipped_formula_a_failure(tmp_path, capsys):
    note = tmp_path / "n.md"
    note.write_text("# N\n\n<!-- bpcheck: skip -->\n$$W \\leftarrow W - \\eta g$$\n")
    assert main(["scan", str(note)]) == 0
    out = capsys.readouterr().out
    assert "FAILS" not in out and "0 do not" in out


@pytest.mark.parametrize("formula,suggested", [("(a[L] - y) % sigmaprime(z[L])", "fprime"),
                                               ("(a[L] - yy) % fprime(z[L])", "y")])
def test_unknown_names_get_a_suggestion(tmp_path, formula, suggested):
    path = tmp_path / "cat.toml"
    path.write_text(NET + claim_toml("c", "net", "diff(J, z[L])", formula))
    [err] = load_catalog([path]).errors
    assert f"{suggested!r}" in err.message.split("did you mean", 1)[1]


# ---- hints where users trip ---------------------------------------------------------------

SOFTMAX = """
[setting.free]
kind = "network"
widths = [3, 2, 3]
activation = "sigmoid"
output = "softmax"
loss = "cross_entropy"
"""


def test_softmax_cross_entropy_with_a_free_target_hints_at_onehot(tmp_path):
    from bpcheck.run.check import check_claim
    path = tmp_path / "sm.toml"
    path.write_text(SOFTMAX + claim_toml("delta", "free", "diff(J, z[L])", "a[L] - y")
                    + claim_toml("wrong", "free", "diff(J, z[L])", "y - a[L]"))
    delta, wrong = load_catalog([path]).claims
    options = Options(shrink=False)
    hinted = check_claim(delta, options)
    assert hinted.kind is Kind.REFUTED and dict(hinted.extra).get("convention_hint")
    assert hinted.diagnosis == dict(hinted.extra)["convention_hint"]
    unhinted = check_claim(wrong, options)  # false with one-hot targets too: no such hint
    assert unhinted.kind is Kind.REFUTED and "convention_hint" not in dict(unhinted.extra)


# ---- Ctrl-C -----------------------------------------------------------------------------

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
id = "quick"
source = "t"
setting = "plain"
quantity = "diff(x**3, x)"
formula = "3*x**2"
"""

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
sys.exit(cli.main(["verify", "cat.toml", "--no-cache", "--timeout", "0", "-j", "2", "-v"]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need fork")
def test_ctrl_c_prints_what_was_decided_and_exits_130(tmp_path):
    (tmp_path / "cat.toml").write_text(CATALOG)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        while "stuck" not in proc.stdout.readline():
            assert proc.poll() is None
        time.sleep(1.0)  # the other worker decides the quick claim meanwhile
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err + out
    rows = [ln.split() for ln in out.splitlines() if ln.startswith(("ok ", "FAIL "))]
    assert rows == [["ok", "quick", "VERIFIED", rows[0][3], "t"]]  # the partial result


# ---- HTML reports -----------------------------------------------------------------------

def test_html_style_wraps_long_formulas_keeps_numbers_whole_and_falls_back_to_cjk() -> None:
    from bpcheck.report.html import CSS, render_html
    assert re.search(r"td\.num \{[^}]*white-space: nowrap", CSS)
    assert re.search(r"section\.claim p[^{]*\{[^}]*overflow-x: auto", CSS)
    assert "Noto Sans CJK SC" in CSS and "Microsoft YaHei" in CSS
    assert '<h1 lang="zh">' in render_html("反向传播算法", [])
    assert "<h1>" in render_html("Backprop", [])


CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)
CHINESE_TITLE = "反向传播算法的推导"


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no headless browser (apt-get install chromium)")
@pytest.mark.parametrize("width", [1280, 400])
def test_a_long_formula_never_widens_the_page(tmp_path, width):
    """The report (with a Chinese title) in a frame `width` px wide: headless windows are
    at least 500 px wide, so the page is framed, and the frame's page must not scroll."""
    from bpcheck.report.write import write_reports
    long_sum = " + ".join(f"W[2][1, {j}] * a[1][{j}]" for j in (1, 2, 3))
    formula = " + ".join([long_sum] * 6) + " - 6 * (" + long_sum + ")" + " + diff(J, z[2][1])"
    path = tmp_path / "long.toml"
    path.write_text(f'[document]\ntitle = "{CHINESE_TITLE}"\n' + NET
                    + claim_toml("long", "net", "diff(J, z[2][1])", formula)
                    + claim_toml("n", "scalar", "diff(x**3, x)", "-3*x**2"), encoding="utf-8")
    pairs = run_claims(load_catalog([path]).claims, Options(shrink=False, diagnose=False))
    [page] = [p for p in write_reports(pairs, summary(pairs), ["html"], tmp_path / "out")
              if p.name == "long.html"]
    assert '<h1 lang="zh">' in page.read_text(encoding="utf-8")
    frame = page.with_name("frame.html")
    frame.write_text(
        f'<html><body style="margin:0"><iframe id="f" src="{page.name}" '
        f'style="width:{width}px;height:900px;border:0"></iframe><script>'
        "document.getElementById('f').onload = function () {"
        " var d = this.contentDocument.documentElement;"
        " document.body.setAttribute('data-sw', d.scrollWidth + ' ' + d.clientWidth); };"
        "</script></body></html>", encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--allow-file-access-from-files", f"--user-data-dir={tmp_path / 'profile'}",
             "--window-size=1280,1000", "--virtual-time-budget=5000"]
    dom = subprocess.run(flags + ["--dump-dom", frame.resolve().as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    scroll_width, view_width = map(int, re.search(r'data-sw="(\d+) (\d+)"', dom).groups())
    assert width - 20 <= view_width <= width  # (less a vertical scroll bar)
    assert scroll_width <= view_width


def test_the_font_stack_names_an_installed_cjk_font() -> None:
    """Where a CJK font is installed (CI installs Debian's fonts-noto-cjk with the browser),
    the report's font stack reaches it, so a Chinese title renders in the browser test."""
    from bpcheck.report.html import CSS
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig (fc-list) to list the installed fonts")
    done = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    families = {f.strip() for line in done.stdout.splitlines() for f in line.split(",")}
    if not families - {""}:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    stack = set(re.findall(r'"([^"]+)"', CSS))
    assert families & stack, sorted(families)
