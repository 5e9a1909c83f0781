"""Whole notes of random LaTeX, under every kind of set-up line: reading one never raises,
and no formula is reported as an internal error (a bug of the reader).  A bug that does
slip through is said at its formula's line, and the file's other formulas are still read."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from bpcheck.cli import main
from bpcheck.notes import claims as notes_claims
from bpcheck.notes.claims import read_notes

_ATOMS = [r"W^{(l)}", r"a^{[l-1]}", r"z_j^{(L)}", r"\delta^{(l+1)}", r"\hat{y}", "y_j", "x_k",
          r"\sigma(z^{(l)})", r"f'(z^{(l)})", r"(W^{(l+1)})^T", r"\frac{\partial J}{\partial z^{(l)}}",
          r"\sum_k", r"\sum_{i=1}^{m}", r"\odot", r"\circ", r"\cdot", "+", "-", "=", ",", r"\quad",
          r"\text{and}", r"\approx 0.5", r"\geq", r"\in \mathbb{R}^{n}", r"\to", r"\\", "&", "(",
          ")", "{", "}", "^", "_", r"\left(", r"\right)", r"\mid", r"\lVert", r"\rVert_F",
          r"\begin{cases}", r"\end{cases}", r"\underbrace{", "}_{x}", r"\frac", r"\partial",
          "ŷ", "δ", r"\tag{1}", r"\begin{bmatrix}", r"\end{bmatrix}", "Z^L", "A^{[l]}", "dZ^{[l]}",
          "dW^{[l]}", r"\frac{1}{m}", "A^{[l-1]T}", "W^{h}", "z^o_j", r"\delta^o", "E", "C_x",
          r"\nabla_a C", r"\leftarrow", ":=", r"\eta", "X^T", "(A - y)", r"\text{diag}(",
          r"\mathcal{L}", r"\ell(\mathbf{y}, \hat{\mathbf{y}})", "w_{jk}^l", "b_j^l", r"\phi'(z)",
          "softmax(z)", r"\max(0, z)", r"\cdots", r"\vdots", r"\quad i \neq j", r"\|W\|_F^2",
          r"\frac{\lambda}{2}", r"\mathrm{ReLU}'", "S_{ij}", r"\log", "e^{z_k}", "O_{11}",
          "w'_{11}", r"\dots", "'", "12", "0.25", "J(W, b)", r"\lambda"]
_SETUPS = [
    "widths=3,4,2 activation=sigmoid loss=mse_half",
    "widths=3,4,2 activation=relu output=softmax loss=cross_entropy target=onehot",
    "widths=2,3,2 layers=h,o activation=sigmoid loss=mse_half loss_symbol=E",
    "widths=3,4,2 activation=sigmoid output=softmax loss=cross_entropy batch=4 reduction=mean "
    "gradient_prefix=d",
    "widths=3,4,2 activation=tanh loss=mse_half row_vectors=true",
    "widths=3,4,2 activation=sigmoid loss=mse_half batch=3 samples=i",
    "widths=3,2 activation=sigmoid loss=binary_cross_entropy weight_decay=0.1",
    "widths=3,4,2 activation=sigmoid loss=mse_half gradients=rows",
    "widths=3,4,2 activation=sigmoid loss=mse_half delta=per_example batch=5",
    "widths=3,4,2 activation=sigmoid loss=mse_half table_columns=conventions",
    "activation=sigmoid loss=mse_half",
]


def _note(rng: random.Random) -> str:
    parts = [f"<!-- bpcheck-defaults: {rng.choice(_SETUPS)} -->\n"]
    for _ in range(rng.randint(1, 5)):
        body = " ".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 10)))
        parts.append(rng.choice([f"$$\n{body}\n$$\n",
                                 f"\\begin{{align}}\n{body} \\\\\n{body}\n\\end{{align}}\n",
                                 f"Words about $x$ first.\n\n$$ {body} $$\n"]))
    return "\nText.\n".join(parts)


def test_random_notes_are_read_without_an_internal_error(tmp_path: Path) -> None:
    rng = random.Random(2026)
    for k in range(150):
        path = tmp_path / f"n{k}.md"
        path.write_text(_note(rng), encoding="utf-8")
        nf = read_notes(path)
        assert not [e for e in nf.errors if "internal error" in e.message], path.read_text()


def test_a_notation_statement_with_nothing_named_before_its_colon_equals(tmp_path: Path) -> None:
    """`\\mid 12 := ...` named no symbol; reading it raised IndexError."""
    path = tmp_path / "n.md"
    path.write_text("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
                    "$$\n\\mid 12 := \\log dZ^{[l]}\n$$\n", encoding="utf-8")
    nf = read_notes(path)
    assert not [e for e in nf.errors if "internal error" in e.message]
    assert len(nf.found) == 1


def test_a_reader_bug_is_said_at_its_formula_and_the_rest_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "n.md"
    path.write_text("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
                    "$$\n\\delta^{[L]} = (a^{[L]} - y) \\odot \\sigma'(z^{[L]})\n$$\n\n"
                    "$$\n\\frac{\\partial J}{\\partial b^{[l]}} = \\delta^{[l]}\n$$\n",
                    encoding="utf-8")
    real = notes_claims._read_display

    def flaky(d, state):
        if "partial J" in d.tex:
            raise IndexError("list index out of range")
        return real(d, state)

    monkeypatch.setattr(notes_claims, "_read_display", flaky)
    nf = read_notes(path)
    assert [(e.line, "internal error" in e.message) for e in nf.errors] == [(7, True)]
    assert [c.line for c in nf.claims] == [3]
    code = main(["verify", str(path), "--no-cache", "-j", "1"])
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err + out.out
    assert "n.md:7:" in out.out + out.err


@pytest.mark.parametrize("value, meant", [("bce", "binary_cross_entropy"), ("CE", "cross_entropy"),
                                          ("cross_entropi", "cross_entropy")])
def test_a_short_or_misspelt_choice_gets_a_suggestion(value: str, meant: str) -> None:
    from bpcheck.catalog.schema import value_problem
    problem = value_problem("loss", value)
    assert problem.startswith("loss must be one of") and f"did you mean {meant}?" in problem
    assert value_problem("loss", meant) == ""
    assert "did you mean" not in value_problem("loss", "hinge")
