"""A matrix drawn with vectors or matrices in its cells (an augmented `[b W]`) is skipped
with the reason, never refuted as ill-formed; a matrix of entries is still checked."""
from __future__ import annotations

from pathlib import Path

from bpcheck.notes.claims import read_notes

SETUP = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"


def _readings(tmp_path: Path, tex: str):
    note = tmp_path / "n.md"
    note.write_text(SETUP + "$$\n" + tex + "\n$$\n", encoding="utf-8")
    (found,) = read_notes(note).found
    return [(r.kind, r.reason) for r in found.readings]


def test_an_augmented_matrix_is_skipped_with_its_reason(tmp_path: Path) -> None:
    (kind, reason), = _readings(tmp_path, r"\begin{bmatrix} b^{[1]} & W^{[1]} \end{bmatrix} "
                                          r"\in \mathbb{R}^{4 \times 4}")
    assert kind == "skipped" and "b[1], W[1]" in reason


def test_a_column_of_vectors_is_skipped(tmp_path: Path) -> None:
    (kind, _), = _readings(tmp_path, r"\frac{\partial J}{\partial b^{[2]}} = "
                                     r"\begin{bmatrix} \delta^{[2]} \\ \delta^{[2]} \end{bmatrix}")
    assert kind == "skipped"


def test_a_matrix_of_entries_is_still_a_claim(tmp_path: Path) -> None:
    (kind, _), = _readings(tmp_path, r"\frac{\partial J}{\partial b^{[2]}} = \begin{bmatrix} "
                                     r"\delta^{[2]}_1 \\ \delta^{[2]}_2 \end{bmatrix}")
    assert kind == "claim"
