"""Matrices and vectors drawn entry by entry with dots (issue 17): read as the matrix of the
general entry their corners show, only when the pattern is unambiguous; fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

NET = "widths=3,4,2 activation=sigmoid loss=mse_sum loss_symbol=C"
SOFTMAX = "widths=4,3 activation=identity output=softmax loss=cross_entropy target=onehot " \
          "unmarked=1 loss_symbol=H names=x:z,s:a"


def _read(tmp: Path, setup: str, *displays: str):
    body = "\n\nand\n\n".join(f"$$ {d} $$" for d in displays)
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{body}\n", encoding="utf-8")
    nf = read_notes(path)
    readings = [(r.kind, r.translation or r.reason) for f in nf.found for r in f.readings]
    return nf, readings


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def _dotted(rows: list[list[str]]) -> str:
    return r"\begin{bmatrix} " + r" \\ ".join(" & ".join(r) for r in rows) + r" \end{bmatrix}"


D = r"\frac{\partial %s}{\partial %s}"
JACOBIAN = _dotted([[D % ("a^L_1", "z^L_1"), r"\cdots", D % ("a^L_1", "z^L_n")],
                    [r"\vdots", r"\ddots", r"\vdots"],
                    [D % ("a^L_n", "z^L_1"), r"\cdots", D % ("a^L_n", "z^L_n")]])


def test_a_gradient_column_and_a_jacobian_are_the_matrices_of_their_general_entry(
        tmp_path: Path) -> None:
    column = r"\begin{pmatrix} \frac{\partial C}{\partial a^L_1} \\ \vdots \\ " \
             r"\frac{\partial C}{\partial a^L_n} \end{pmatrix}"
    row = r"\begin{bmatrix} \frac{\partial C}{\partial z^L_1} & \frac{\partial C}{\partial " \
          r"z^L_2} & \dots & \frac{\partial C}{\partial z^L_n} \end{bmatrix}"
    nf, readings = _read(tmp_path, NET, rf"\nabla_a C = {column}",
                         rf"\frac{{\partial a^L}}{{\partial z^L}} = {JACOBIAN}",
                         rf"(\delta^L)^T = {row}")
    assert readings == [
        ("claim", "diff(C, a[L]) = sum(onehot(n[L], i, diff(C, a[L][i])), (i, 1, n[L]))"),
        ("claim", "diff(a[L], z[L]) = sum(sum(onehot(n[L], i, diff(a[L][i], z[L][j])) * "
                  "transpose(onehot(n[L], j)), (j, 1, n[L])), (i, 1, n[L]))"),
        ("claim", "transpose(delta[L]) = transpose(sum(onehot(n[L], j, diff(C, z[L][j])), "
                  "(j, 1, n[L])))")]
    assert _verdicts(nf) == [Kind.VERIFIED] * 3


def test_different_bounds_on_rows_and_columns_take_the_sizes_they_index(tmp_path: Path) -> None:
    drawn = _dotted([["W^L_{11}", r"\cdots", "W^L_{1n}"], [r"\vdots", r"\ddots", r"\vdots"],
                     ["W^L_{m1}", r"\cdots", "W^L_{mn}"]])
    flipped = _dotted([["W^L_{11}", r"\cdots", "W^L_{n1}"], [r"\vdots", r"\ddots", r"\vdots"],
                       ["W^L_{1m}", r"\cdots", "W^L_{nm}"]])
    nf, readings = _read(tmp_path, NET, rf"\frac{{\partial z^L}}{{\partial a^{{L-1}}}} = {drawn}",
                         rf"\frac{{\partial z^L}}{{\partial a^{{L-1}}}} = {flipped}")
    assert readings[0][1].endswith("* transpose(onehot(n[L - 1], j)), (j, 1, n[L - 1])), "
                                   "(i, 1, n[L]))")
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]  # the transposed drawing is caught


def _softmax_jacobian(diagonal: str, off: str, first: int = 1) -> str:
    def cell(i: str, j: str) -> str:
        return (diagonal if i == j else off) % ((i, i) if i == j else (i, j))
    a, b, n = str(first), str(first + 1), "n"
    return _dotted([[cell(a, a), cell(a, b), r"\cdots", cell(a, n)],
                    [cell(b, a), cell(b, b), r"\cdots", cell(b, n)],
                    [r"\vdots", r"\vdots", r"\ddots", r"\vdots"],
                    [cell(n, a), cell(n, b), r"\cdots", cell(n, n)]])


def test_a_diagonal_and_an_off_diagonal_pattern_and_a_planted_wrong_entry(tmp_path: Path) -> None:
    right = _softmax_jacobian("s_%s(1 - s_%s)", "-s_%s s_%s")
    wrong = _softmax_jacobian("s_%s(1 - s_%s)", "s_%s s_%s")  # the off-diagonal sign dropped
    nf, readings = _read(tmp_path, SOFTMAX, rf"\mathbf J_{{\mathbf x}}(\mathbf s) = {right}",
                         rf"\mathbf J_{{\mathbf x}}(\mathbf s) = {wrong}")
    assert "kdelta(i, j) * (a[1][i] * (1 - a[1][i])) + (1 - kdelta(i, j)) * -(a[1][i] * " \
           "a[1][j])" in readings[0][1]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_indices_from_zero_on_a_vector_indexed_from_one_are_ill_formed(tmp_path: Path) -> None:
    nf, readings = _read(tmp_path, SOFTMAX, r"\mathbf J_{\mathbf x}(\mathbf s) = "
                         + _softmax_jacobian("s_%s - s_%s^2", "-s_%s s_%s", first=0))
    assert readings[0][0] == "claim" and "(i, 0, n[1])" in readings[0][1]
    assert _verdicts(nf) == [Kind.REFUTED]  # s_0 does not exist: n + 1 rows for n outputs


def test_empty_cells_beside_a_row_of_dots_and_a_constant_off_diagonal(tmp_path: Path) -> None:
    sparse = _dotted([[D % ("a^L_1", "z^L_1"), r"\dots", D % ("a^L_1", "z^L_n")],
                      ["", r"\dots", ""],
                      [D % ("a^L_n", "z^L_1"), r"\dots", D % ("a^L_n", "z^L_n")]])
    diagonal = _dotted([[r"\sigma'(z^L_1)", "0", r"\cdots", "0"],
                        ["0", r"\sigma'(z^L_2)", r"\cdots", "0"],
                        [r"\vdots", r"\vdots", r"\ddots", r"\vdots"],
                        ["0", "0", r"\cdots", r"\sigma'(z^L_n)"]])
    nf, readings = _read(tmp_path, NET, rf"\frac{{\partial a^L}}{{\partial z^L}} = {sparse}",
                         rf"\frac{{\partial a^L}}{{\partial z^L}} = {diagonal}")
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED]


def test_a_pattern_that_is_not_clear_is_reported_not_guessed(tmp_path: Path) -> None:
    other_function = _dotted([[r"\sigma(z^L_1)"], [r"\vdots"], [r"\tanh(z^L_n)"]])
    middle_off = _dotted([["a^L_1"], ["a^L_3"], [r"\vdots"], ["a^L_n"]])
    two_gaps = _dotted([["a^L_1"], [r"\vdots"], ["a^L_3"], [r"\vdots"], ["a^L_n"]])
    one_axis = _dotted([["W^L_{11}", "W^L_{12}"], [r"\vdots", r"\vdots"], ["W^L_{n1}", "W^L_{n2}"]])
    _, readings = _read(tmp_path, NET, *(rf"\frac{{\partial C}}{{\partial a^L}} = {m}" for m in
                                         (other_function, middle_off, two_gaps, one_axis)))
    assert [k for k, _ in readings] == ["not understood"] * 4
    assert all("general entry is not clear" in why for _, why in readings)
