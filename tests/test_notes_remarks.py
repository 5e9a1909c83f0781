"""Statements that are not claims about the setting, in a note read whole: each one skipped
(or read as an update) with its reason, and the backprop claims beside them still claims.
Every formula here is our own, written in the notation real notes use."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpcheck.notes import remarks
from bpcheck.notes.claims import read_notes
from bpcheck.notes.wholefile import CLAIM, DEFINITION, NOT_UNDERSTOOD, SKIPPED, UPDATE

HEAD = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
BACKPROP = r"\frac{\partial J}{\partial b^{(l)}} = \delta^{(l)}"


def read(tmp: Path, *displays: str) -> list[list[tuple[str, str]]]:
    """(class, reason) of each statement of each display, in order."""
    body = "".join(f"Some text.\n\n$$\n{d}\n$$\n\n" for d in displays)
    path = tmp / "note.md"
    path.write_text(HEAD + body, encoding="utf-8")
    return [[(r.kind, r.reason) for r in f.readings] for f in read_notes(path).found]


def assert_beside_claim(tmp: Path, tex: str, expected: list[tuple[str, str]]) -> None:
    """`tex` reads as `expected`, and a backprop claim before and after it stays a claim."""
    before, got, after = read(tmp, BACKPROP, tex, BACKPROP)
    assert got == expected
    assert [k for k, _ in before] == [CLAIM] and [k for k, _ in after] == [CLAIM]


def test_an_empty_display_is_skipped(tmp_path: Path) -> None:
    assert_beside_claim(tmp_path, "", [(SKIPPED, remarks.EMPTY)])
    assert_beside_claim(tmp_path, "\\\\ \\tag{3}", [(SKIPPED, remarks.EMPTY)])


@pytest.mark.parametrize("tex, why", [
    (r"\mathbf{b}_{\text{new}} = \mathbf{b}_{\text{old}} - \eta \frac{\partial J}"
     r"{\partial \mathbf{b}_{\text{old}}}", remarks.STEP),
    (r"W^{(t+1)} = W^{(t)} - \alpha \, G^{(t)}", remarks.STEP),
    (r"M_{dB} = \beta \, M_{dB} + (1 - \beta) \, dB", remarks.OPTIMIZER),
    (r"\hat{q}_{k} = \frac{q_{k}}{1 - \beta_2^{k}}", remarks.OPTIMIZER),
])
def test_updates_written_with_equals_are_updates(tmp_path: Path, tex: str, why: str) -> None:
    assert_beside_claim(tmp_path, tex, [(UPDATE, why)])


def test_newline_separates_optimizer_rows(tmp_path: Path) -> None:
    tex = r"M_{dB} = (\beta_1) M_{dB} + (1-\beta_1) dB \newline R_{dB} = (\beta_2) R_{dB} + (1-\beta_2) dB^2"
    assert_beside_claim(tmp_path, tex, [(UPDATE, remarks.OPTIMIZER)] * 2)


def test_a_step_needs_the_old_value_on_the_right(tmp_path: Path) -> None:
    """`W_{new}` from something that is not W's old value is no step (here: not understood)."""
    [got] = read(tmp_path, r"q_{\text{new}} = \eta \, r + s")
    assert got[0][0] != UPDATE


@pytest.mark.parametrize("tex, why", [
    (r"g'(u) = \lim_{\epsilon \to 0} \frac{g(u+\epsilon) - g(u)}{\epsilon}", remarks.LIMIT),
    (r"g(u) \sim g(u_0) + g'(u_0)(u - u_0)", remarks.APPROX),
    (r"\partial_u := \frac{\partial ~}{\partial u}", remarks.NOTATION),
    (r"u := (u_1, u_2, \cdots, u_p)^T", remarks.NOTATION),
    (r"\delta b \equiv \frac{\partial J}{\partial b}", remarks.NOTATION),
    (r"g(u, v) = u^2 v + \kappa(u, v)", remarks.GENERIC),
    (r"\frac{\mathrm{d} g}{\mathrm{d} s} = \frac{\mathrm{d} g}{\mathrm{d} u}"
     r"\frac{\mathrm{d} u}{\mathrm{d} s}", remarks.GENERIC),
    (r"K_{ij} = \frac{\partial u_j}{\partial v_i}", remarks.GENERIC),
    (r"\nabla_v g = K \cdot \nabla_u g", remarks.GENERIC),
])
def test_calculus_about_other_things_is_skipped(tmp_path: Path, tex: str, why: str) -> None:
    assert_beside_claim(tmp_path, tex, [(SKIPPED, why)])


@pytest.mark.parametrize("tex", [
    r"\delta^{(l)} \equiv \frac{\partial J}{\partial z^{(l)}}",  # the setting's δ: checked
    r"\frac{\partial J}{\partial u} = \lim_{h \to 0} \frac{J(u + h) - J(u)}{h}",  # names J
    r"\frac{\partial J}{\partial a_k} \sim a_k - y_k",  # the loss: never generic
    r"\frac{\partial C}{\partial w} = a_{\rm in} \delta_{\rm out}",
    r"\frac{d s}{d z} = s (1 - s)",  # z is the setting's
    r"\frac{\partial L}{\partial \hat{y}} = \hat{y} - y",
    r"x_i = \sum_k A_{ik} y_k",  # a target y, not differentiated: kept
    r"\delta_{\rm in} = g(u) \, \kappa",  # δ, not Kronecker's
    r"\frac{\partial q}{\partial u^{(2)}} = v^{(2)}",  # a layer mark
    # a derivative on the left is never a step, even with the decay of an optimizer
    r"\frac{\partial J}{\partial b^{(l)}} = (1 - \beta) \frac{\partial J}{\partial b^{(l)}}"
    r" + \beta \, \delta^{(l)}",
])
def test_statements_naming_the_setting_are_never_skipped_as_remarks(tmp_path: Path,
                                                                    tex: str) -> None:
    [got] = read(tmp_path, tex)
    # a relation other than = (`\sim`, read as the output layer's) is reported as one
    assert all(kind in (CLAIM, DEFINITION, NOT_UNDERSTOOD) or why.startswith("the relation")
               for kind, why in got), got


@pytest.mark.parametrize("tex, why", [
    ("A^{(1)} = \\left[ \\begin{array}{ccc} | & & | \\\\ a^{(1)(1)} & \\dots & a^{(1)(m)} \\\\"
     " | & & | \\end{array} \\right]", remarks.PICTURE),
    ("\\def\\dashrow{\\text{-----}} V = \\left[ \\begin{array}{ccc} \\dashrow & v_1^T & "
     "\\dashrow \\\\ \\dashrow & v_2^T & \\dashrow \\end{array} \\right]", remarks.PICTURE),
    ("P = \\begin{bmatrix} p_{11} & p_{12} \\\\ p_{21} & p_{22} \\end{bmatrix} \\; "
     "q = \\begin{bmatrix} q_1 \\\\ q_2 \\end{bmatrix}", remarks.PICTURE),
    (r"\underset{n \times m}{Z} = \underset{n \times k}{W} \, \underset{k \times m}{X}",
     remarks.SHAPE),
    (r"V_{\text{row}} \text{, of shape } (p \times q)", remarks.SHAPE),
])
def test_pictures_and_shape_annotations_are_skipped(tmp_path: Path, tex: str,
                                                    why: str) -> None:
    assert_beside_claim(tmp_path, tex, [(SKIPPED, why)])


def test_a_matrix_with_a_derivative_is_no_picture(tmp_path: Path) -> None:
    tex = (r"\frac{\partial J}{\partial a^{(L)}} = \begin{bmatrix} a^{(L)}_1 - y_1 \\ \vdots"
           r" \\ a^{(L)}_n - y_n \end{bmatrix}")
    [got] = read(tmp_path, tex)
    assert all(why != remarks.PICTURE for _, why in got)
    assert remarks.display_remark(tex) is None


def test_shapes_the_reader_cannot_check_yet_are_skipped_as_shapes(tmp_path: Path) -> None:
    """A shape the reader cannot place (a gradient of an unmarked W): skipped, saying so."""
    [grad] = read(tmp_path, r"\frac{\partial J}{\partial W} \in \mathbb{R}^{n \times m}")
    assert grad == [(SKIPPED, remarks.SHAPE)]


def test_code_and_formulas_in_words_are_skipped(tmp_path: Path) -> None:
    code, words = read(tmp_path, r'cache["W" + str(l)] = W^{(l)}',
                       r"\frac{\partial \text{cost}}{\partial \text{weight}} = \frac{\partial "
                       r"\text{cost}}{\partial \text{act}} \cdot \frac{\partial \text{act}}"
                       r"{\partial \text{weight}}")
    assert code == [(SKIPPED, remarks.CODE)]
    assert words == [(SKIPPED, remarks.WORDS)]


def test_pseudo_code_rows_are_read_one_by_one(tmp_path: Path) -> None:
    """A one-column array of text rows: each row a remark, the step inside it an update."""
    tex = ("\\begin{array}{l}\n\\text{repeat } T \\text{ times:} \\\\\n"
           "\\quad \\text{run the forward pass} \\\\\n"
           "\\quad b_{\\text{new}} = b_{\\text{old}} - \\eta \\, g_b\n\\end{array}")
    [got] = read(tmp_path, tex)
    assert [k for k, _ in got] == [SKIPPED, SKIPPED, UPDATE]


def test_unwrap_keeps_offsets() -> None:
    tex = "\\begin{array}{l} a \\\\ b \\end{array} \\newline c"
    assert len(remarks.unwrap(tex)) == len(tex)
    assert "array" not in remarks.unwrap(tex) and "newline" not in remarks.unwrap(tex)
