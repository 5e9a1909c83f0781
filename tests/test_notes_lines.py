"""A broken link of a multi-line chain in notes is reported at its own row."""
import textwrap

from bpcheck.model import Kind, Options, failure_line
from bpcheck.run.sources import load_sources
from bpcheck.report.terminal import explain
from bpcheck.decide.claim import verify_claim

NOTES = textwrap.dedent(r"""
    # Biases

    <!-- bpcheck: id=db widths=3,2 activation=sigmoid loss=mse_half where="l=1..L" -->
    $$
    \begin{aligned}
    \frac{\partial J}{\partial b^{(l)}} &= \delta^{(l)} \\
    &= 2 \delta^{(l)}
    \end{aligned}
    $$
    """)


def test_broken_row_is_named_by_its_line(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    catalog = load_sources([path])
    assert catalog.errors == ()
    (claim,) = catalog.claims
    v = verify_claim(claim, Options(diagnose=False, shrink=False))
    assert v.kind is Kind.REFUTED and v.first_broken == 1
    row = NOTES.splitlines().index(r"&= 2 \delta^{(l)}") + 1
    assert failure_line(claim, v) == row
    assert explain(claim, v)[0].startswith(f"{path}:{row}:")
