"""`bpcheck verify --output-format github`: stdout holds exactly one GitHub workflow command
per claim not as expected and per input error (the lines the automatic annotations print
under GITHUB_ACTIONS), the summary goes to stderr, the exit code is unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.cli import main
from bpcheck.model import Options
from bpcheck.report.github import annotation_lines
from bpcheck.run.runner import run_claims

from conftest import NET, claim_toml

GOOD = claim_toml("good", "scalar", "diff(x**3, x)", "3*x**2")
BAD = claim_toml("bad", "scalar", "diff(x**3, x)", "-3*x**2")
ERRATUM = claim_toml("slip", "scalar", "diff(x**2, x)", "x", expect='"erratum"')
SURPRISE = claim_toml("not-a-slip", "scalar", "diff(x**2, x)", "2*x", expect='"erratum"')


@pytest.fixture
def course(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cat.toml").write_text(NET + GOOD + BAD + ERRATUM + SURPRISE, encoding="utf-8")
    (tmp_path / "broken.toml").write_text('[[claim]]\nid = "x"\nformula = \n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("flag", ["--output-format", "--format"])
def test_github_format_prints_a_workflow_command_per_problem(course, capsys, flag):
    assert main(["verify", "--no-cache", flag, "github", "cat.toml", "broken.toml"]) == 2
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert all(ln.startswith("::error file=") for ln in lines)
    titles = sorted(ln.split("title=", 1)[1].split("::", 1)[0] for ln in lines)
    assert titles == ["bpcheck bad", "bpcheck input error", "bpcheck not-a-slip"]
    bad_line = (course / "cat.toml").read_text().splitlines().index(
        'formula = "-3*x**2"') + 1
    assert any(ln.startswith(f"::error file=cat.toml,line={bad_line},") for ln in lines)
    assert any(ln.startswith("::error file=broken.toml,line=") for ln in lines)
    assert "2 refuted" in err.splitlines()[-1]  # the summary, on stderr


def test_github_format_lines_are_the_annotations(course, capsys):
    """The same lines as the automatic annotations under GITHUB_ACTIONS, in order."""
    catalog = load_catalog([course / "cat.toml"])
    pairs = run_claims(catalog.claims, Options(shrink=False))
    expected = annotation_lines(pairs, catalog.errors)
    main(["verify", "--no-cache", "--output-format", "github", str(course / "cat.toml")])
    assert capsys.readouterr().out.splitlines() == expected


def test_github_format_under_github_actions_prints_each_line_once(course, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["verify", "--no-cache", "--output-format", "github", "cat.toml"]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and "::error" not in err


def test_github_format_with_everything_as_expected_prints_nothing(course, capsys):
    (course / "ok.toml").write_text(NET + GOOD + ERRATUM, encoding="utf-8")
    assert main(["verify", "--no-cache", "--output-format", "github", "ok.toml"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "all as expected" in err
