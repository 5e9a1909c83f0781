"""The pytest plugin, run through pytester: passed, failed and expected-failure outcomes."""
from __future__ import annotations

import pytest

# Inline pytester runs forget modules first imported inside them, and NumPy cannot be
# loaded twice in one process: import the verifier (SymPy, NumPy) out here.
import bpcheck.run.check  # noqa: F401

pytest_plugins = ["pytester"]

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

CLAIMS = SETTINGS + """
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

[[claim]]
id = "delta-out-sign"
source = "notes §3"
setting = "net"
quantity = "diff(J, z[L])"
formula = "(y - a[L]) ⊙ fprime(z[L])"

[setting.unused]
kind = "scalar"
symbols = ["t"]
"""

FIXED_ERRATUM = SETTINGS + """
[[claim]]
id = "not-an-erratum"
source = "notes §5"
setting = "scalar"
expect = "erratum"
quantity = "diff(sigmoid(x), x)"
formula = "sigmoid(x) * (1 - sigmoid(x))"
"""

BROKEN = """
[[claim]]
id = "no-setting"
source = "notes §4"
setting = "nowhere"
quantity = "diff(x, x)"
formula = "1"
"""


# Plugins that only slow the inner sessions down (blocking an absent one is harmless).
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)


@pytest.fixture
def course(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", **{"derivations/claims": CLAIMS})
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    return pytester


def test_outcomes(course):
    result = run(course, "--bpcheck", "-rxf")
    result.assert_outcomes(passed=3, failed=1, xfailed=1)
    result.stdout.fnmatch_lines([
        "*XFAIL derivations/claims.toml::sigmoid-prime-erratum*",
        "*FAILED derivations/claims.toml::delta-out-sign*REFUTED*",
    ])


def test_failure_shows_source_lines_reason_and_counterexample(course):
    result = run(course, "--bpcheck")
    out = result.stdout.str()
    section = out[out.index("bpcheck claim delta-out-sign"):]
    lines = (course.path / "derivations/claims.toml").read_text().splitlines()
    start = lines.index('id = "delta-out-sign"')  # the [[claim]] header is the line before
    for n in range(start, start + 5):
        assert f"{n} | {lines[n - 1]}" in section
    assert "[setting.unused]" not in section  # the claim ends before the next table
    assert "the sides differ numerically" in section
    assert "counterexample (seed 0):" in section
    assert "claimed" in section and "true" in section and "entry [" in section
    assert "diagnosis: likely error:" in section  # the repair, verified before it is shown
    assert "corrected: (a[L] - y) ⊙ fprime(z[L])" in section
    assert "Traceback" not in section and "def runtest" not in section


def test_claim_items_are_named_by_id(course):
    result = run(course, "--bpcheck", "--collect-only", "-q")
    listed = [ln for ln in result.stdout.lines if "::" in ln]
    assert sorted(listed) == sorted(["test_plain.py::test_plain"] + [
        f"derivations/claims.toml::{name}" for name in
        ("sigmoid-prime", "sigmoid-prime-erratum", "delta-out", "delta-out-sign")])
    selected = run(course, "--bpcheck", "derivations/claims.toml::delta-out")
    selected.assert_outcomes(passed=1)


def test_off_unless_enabled(course):
    run(course).assert_outcomes(passed=1)


def test_enabled_from_ini_with_paths(pytester):
    pytester.makefile(".toml", **{"notes/claims": CLAIMS})
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nbpcheck = true\n'
                               'bpcheck_paths = ["notes"]\n')
    result = run(pytester)
    result.assert_outcomes(passed=2, failed=1, xfailed=1)
    with_option = run(pytester, "--bpcheck-path", "nowhere")
    with_option.assert_outcomes()  # the command line wins over the ini file


def test_erratum_that_holds_fails(pytester):
    pytester.makefile(".toml", **{"derivations/fixed": FIXED_ERRATUM})
    result = run(pytester, "--bpcheck")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*known erratum not refuted: VERIFIED*"])


def test_load_errors_fail_with_file_and_line(pytester):
    pytester.makefile(".toml", **{"derivations/claims": CLAIMS, "derivations/broken": BROKEN})
    result = run(pytester, "--bpcheck")
    result.assert_outcomes(passed=2, failed=2, xfailed=1)
    text = (pytester.path / "derivations/broken.toml").read_text()
    line = text.splitlines().index('setting = "nowhere"') + 1
    result.stdout.fnmatch_lines([f"*derivations/broken.toml:{line}: claim 'no-setting'*"])


def test_results_are_cached(course, monkeypatch):
    run(course, "--bpcheck").assert_outcomes(passed=3, failed=1, xfailed=1)
    cached = sorted((course.path / ".bpcheck_cache").glob("*.json"))
    assert len(cached) == 4
    real = bpcheck.run.check.verify_claim

    def undecidable(*args):
        raise AssertionError("a cached claim was decided again")
    monkeypatch.setattr(bpcheck.run.check, "verify_claim", undecidable)
    again = run(course, "--bpcheck")
    again.assert_outcomes(passed=3, failed=1, xfailed=1)
    assert "counterexample (seed 0):" in again.stdout.str()  # evidence survives the cache
    monkeypatch.setattr(bpcheck.run.check, "verify_claim", real)
    fresh = run(course, "--bpcheck", "--bpcheck-no-cache", "derivations/claims.toml::delta-out")
    fresh.assert_outcomes(passed=1)


def test_paths_from_a_bpcheck_toml_as_verify_reads_them(pytester):
    """The plugin finds bpcheck's own configuration file (bpcheck.toml), not only
    [tool.bpcheck] in pyproject.toml, and reads `paths` and `cache_dir` from it."""
    pytester.makefile(".toml", **{"lectures/claims": CLAIMS})
    (pytester.path / "bpcheck.toml").write_text('paths = ["lectures"]\ncache_dir = ".bpc"\n')
    result = run(pytester, "--bpcheck")
    result.assert_outcomes(passed=2, failed=1, xfailed=1)
    assert len(list((pytester.path / ".bpc").glob("*.json"))) == 4
