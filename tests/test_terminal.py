"""Terminal output: rich table rendered to a string, plain text otherwise."""
import io

from bpcheck.catalog.files import load_catalog
from bpcheck.model import Kind, Options
from bpcheck.run.runner import run_claims
from bpcheck.catalog.verdict_json import summary
from bpcheck.report.terminal import TerminalReporter, explain

from conftest import claim_toml


def _pairs(write_catalog):
    path = write_catalog(claim_toml("good", "scalar", "diff(x**3, x)", "3*x**2")
                         + claim_toml("bad", "scalar", "diff(x**3, x)", "-3*x**2"))
    return run_claims(load_catalog([path]).claims, Options(shrink=False))


def test_rich_verbose_output_lists_each_claim_with_its_verdict(write_catalog):
    pairs = _pairs(write_catalog)
    out = io.StringIO()
    TerminalReporter(out, len(pairs), rich=True, verbosity=1).finish(pairs, summary(pairs))
    text = out.getvalue()
    assert "good" in text and "bad" in text
    assert "VERIFIED" in text and "REFUTED" in text
    assert "2 claims, 1 verified, 1 refuted" in text


def test_plain_output_has_no_escape_codes(write_catalog):
    pairs = _pairs(write_catalog)
    out = io.StringIO()
    TerminalReporter(out, len(pairs), rich=False).finish(pairs, summary(pairs))
    assert "\x1b[" not in out.getvalue()
    assert out.getvalue().count("\n") >= 3


def test_explanation_shows_counterexample_values_and_repair(write_catalog):
    pairs = _pairs(write_catalog)
    claim, verdict = pairs[1]
    assert verdict.kind is Kind.REFUTED
    lines = "\n".join(explain(claim, verdict))
    cx = verdict.counterexample
    assert f"{cx.rhs[0]:.6g}" in lines and f"{cx.lhs[0]:.6g}" in lines
    assert verdict.corrected and verdict.corrected in lines
