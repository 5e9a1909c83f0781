"""The one-layer form beside a layered batch network (bare W, b with the output A and the
input X or the target Y: the one-layer view), and an index-free `\\sum` of a batch matrix in a
bias's gradient (the sum over the samples, on the axis the convention puts them).
Fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

COLUMNS = "widths=3,4,2 activation=tanh output=softmax loss=cross_entropy target=onehot " \
          "batch=3 reduction=mean gradient_prefix=d"
ROWS = COLUMNS + " row_vectors=true orientation=in_out"
FORWARD = r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}"
ROW_FORWARD = r"Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]}"


def _read(tmp: Path, setup: str, displays: list[str]):
    path = tmp / "note.md"
    body = "\n\n".join(f"$${d}$$" for d in displays)
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n# Gradients\n\n{body}\n",
                    encoding="utf-8")
    return read_notes(path)


def _kinds(tmp: Path, setup: str, displays: list[str]) -> list[Kind]:
    nf = _read(tmp, setup, displays)
    assert not [r for f in nf.found for r in f.readings if r.kind == "not understood"]
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def _not_understood(tmp: Path, setup: str, display: str) -> bool:
    nf = _read(tmp, setup, [display])
    return [r.kind for f in nf.found for r in f.readings] == ["not understood"]


def test_the_one_layer_form_is_decided_in_the_one_layer_view(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path, COLUMNS, [
        FORWARD, r"\frac{\partial J}{\partial W} = \frac{1}{m} (A - Y) X^T",
        r"\frac{\partial J}{\partial b} = \frac{1}{m} \sum (A - Y)"])
    assert kinds == [Kind.VERIFIED] * 3  # the definition, then the two claims
    nf = _read(tmp_path, COLUMNS, [r"\frac{\partial J}{\partial W} = \frac{1}{m} (A - Y) X^T"])
    assert [c.setting.get("widths") for c in nf.claims] == [(3, 2)]


def test_the_one_layer_form_in_rows(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path, ROWS, [
        ROW_FORWARD, r"\frac{\partial J}{\partial W} = \frac{1}{m} X^T (A - Y)",
        r"\frac{\partial J}{\partial b} = \frac{1}{m} \sum (A - Y)"])
    assert kinds == [Kind.VERIFIED] * 3


def test_planted_errors_in_the_one_layer_form_are_refuted(tmp_path: Path) -> None:
    kinds = _kinds(tmp_path, COLUMNS, [
        r"\frac{\partial J}{\partial W} = \frac{2}{m} (A - Y) X^T",
        r"\frac{\partial J}{\partial b} = \frac{1}{m} \sum (Y - A)"])
    assert kinds == [Kind.REFUTED] * 2
    kinds = _kinds(tmp_path, ROWS, [r"\frac{\partial J}{\partial W} = \frac{1}{m} X^T (A - Y)^2"])
    assert kinds != [Kind.VERIFIED]


def test_a_sum_over_the_samples_in_a_bias_gradient(tmp_path: Path) -> None:
    for setup, forward in ((COLUMNS, FORWARD), (ROWS, ROW_FORWARD)):
        kinds = _kinds(tmp_path, setup, [
            forward, r"db^{[l]} = \frac{1}{m} \sum dZ^{[l]}",
            r"db^{[l]} = \sum dZ^{[l]}", r"db^{[l]} = \frac{1}{m} \sum Z^{[l]}"])
        assert kinds == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED, Kind.REFUTED], setup


def test_index_free_sums_elsewhere_stay_not_understood(tmp_path: Path) -> None:
    """Only a bias's gradient fixes the sum to the samples: the same sum beside a weight's
    gradient, or in a one-example setting, is still not understood."""
    assert _not_understood(tmp_path, COLUMNS, r"dW^{[l]} = \frac{1}{m} \sum dZ^{[l]}")
    assert _not_understood(tmp_path, "widths=3,4,2 activation=tanh gradient_prefix=d",
                           r"db^{[l]} = \sum dz^{[l]}")


def test_bare_names_beside_a_layer_mark_are_not_the_one_layer_form(tmp_path: Path) -> None:
    """A hidden layer's activation named with the output's error, or no input or target
    named: the bare names are not the one-layer model's, and stay not understood."""
    assert _not_understood(tmp_path, COLUMNS,
                           r"\frac{\partial J}{\partial W} = \frac{1}{m} (A - Y) A^{[l-1]T}")
    assert _not_understood(tmp_path, COLUMNS, r"\frac{\partial J}{\partial W} = \frac{1}{m} A A^T")


def test_declared_unmarked_layer_names_bare_batch_matrices(tmp_path: Path) -> None:
    """With unmarked=1 in a batch, bare A and Z are that layer's batch matrices; A with
    indices (A_{ik}) may be the note's own matrix and is not taken for them."""
    setup = "widths=3,2 activation=sigmoid loss=mse_mean batch=3 reduction=mean unmarked=1"
    assert _kinds(tmp_path, setup, [r"Z = W X + b", r"A = \sigma(Z)"]) == [Kind.VERIFIED] * 2
    nf = _read(tmp_path, setup, [r"\frac{\partial x_i}{\partial y_j} = \sum_{k=1}^{2} A_{ik} "
                                 r"\frac{\partial y_k}{\partial y_j} = A_{ij}"])
    assert [r.kind for f in nf.found for r in f.readings] == ["skipped"]
