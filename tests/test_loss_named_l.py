"""A note whose loss is L and whose last layer is L too (`W^{[L]}` beside `\\partial L`):
in a layer's place L is the depth, and a correction is written with L as the note does."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.report.terminal import corrected_latex
from bpcheck.run.check import check_claim

NOTE = ("<!-- bpcheck-defaults: widths=3,4,2 activation=relu output=softmax loss=cross_entropy "
        "target=onehot batch=4 reduction=mean gradient_prefix=d loss_symbol=L -->\n\n"
        "$$\ndZ^{[L]} = A^{[L]} - Y\n$$\n\n"
        "$$\n\\frac{\\partial L}{\\partial W^{[L]}} = \\frac{1}{m} dZ^{[L]} A^{[L-1]T}\n$$\n\n"
        "$$\n\\frac{\\partial L}{\\partial W^{[L]}} = \\frac{1}{m} dZ^{[L]} A^{[L]T}\n$$\n")


def test_layer_l_is_the_depth_and_a_wrong_layer_is_corrected_in_the_notes_letters(
        tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_text(NOTE, encoding="utf-8")
    nf = read_notes(note)
    assert nf.errors == [] and len(nf.claims) == 3
    verdicts = [check_claim(c, Options()) for c in nf.claims]
    assert [v.kind for v in verdicts] == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]
    latex = corrected_latex(nf.claims[2], verdicts[2])
    assert "^{[L-1]}" in latex and "D" not in latex
