"""The chain-rule shorthand of column-vector and batch notes (issue 17): `∂A/∂Z = σ(Z)(1 − σ(Z))`
read entrywise, `∂J/∂A · A · (1 − A)` as ⊙, tensor members (`∂Z/∂W`) skipped with the reason
while the rest of the chain is still compared, and `gradients=rows` (numerator layout).  Every
fixture is our own; each has a planted error that must still be REFUTED."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.notes.readmany import load_notes
from bpcheck.run.check import check_claim

BATCH = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half batch=5 "
         "loss_symbol=J -->\n")
COLUMNS = "<!-- bpcheck-defaults: widths=3,4,1 activation=tanh loss=mse_half loss_symbol=J -->\n"
ROWS = ("<!-- bpcheck-defaults: widths=3,4,1 activation=tanh loss=mse_half loss_symbol=J "
        "gradients=rows -->\n")
SQUARE = "<!-- bpcheck-defaults: widths=4,4,4 activation=tanh loss=mse_half loss_symbol=J -->\n"
SOFTMAX = ("<!-- bpcheck-defaults: widths=3,4 activation=sigmoid output=softmax "
           "loss=cross_entropy target=onehot loss_symbol=J -->\n")


def _read(tmp_path: Path, head: str, body: str):
    path = tmp_path / "note.md"
    path.write_text(head + body, encoding="utf-8")
    return read_notes(path, Refs({}, {}))


def _kinds(notes) -> list[Kind]:
    return [check_claim(c).kind for c in notes.claims]


def _readings(notes) -> list[str]:
    return [r.kind for f in notes.found for r in f.readings]


def test_activation_derivative_of_a_batch_is_read_entrywise(tmp_path):
    notes = _read(tmp_path, BATCH, r"""
$$ \frac{\partial A^{[2]}}{\partial Z^{[2]}} = \sigma(Z^{[2]})(1 - \sigma(Z^{[2]})) $$

$$ \frac{\partial A^{[1]}}{\partial Z^{[1]}} = A^{[1]}(1 + A^{[1]}) $$
""")
    assert not notes.errors
    assert "[j, k]" in notes.claims[0].sides[0]  # entry (row, sample)
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]


def test_activation_derivative_of_a_column_is_read_entrywise(tmp_path):
    notes = _read(tmp_path, COLUMNS, r"""
$$ \frac{\partial a^{[1]}}{\partial z^{[1]}} = 1 - (a^{[1]})^2 $$

$$ \frac{\partial a^{[1]}}{\partial z^{[1]}} = 1 - a^{[1]} $$
""")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]


def test_softmax_jacobian_is_never_read_as_its_diagonal(tmp_path):
    # the diagonal of softmax's Jacobian is a(1 - a), but the Jacobian is not diagonal
    notes = _read(tmp_path, SOFTMAX, r"""
$$ \frac{\partial a^{[1]}}{\partial z^{[1]}} = a^{[1]}(1 - a^{[1]}) $$
""")
    assert Kind.VERIFIED not in _kinds(notes)


def test_same_shape_product_of_a_batch_is_the_elementwise_product(tmp_path):
    notes = _read(tmp_path, BATCH, r"""
$$ \frac{\partial J}{\partial Z^{[2]}} = \frac{\partial J}{\partial A^{[2]}} \cdot A^{[2]} \cdot (1 - A^{[2]}) $$

$$ \frac{\partial J}{\partial Z^{[2]}} = \frac{\partial J}{\partial A^{[2]}} \cdot A^{[2]} \cdot (1 + A^{[2]}) $$
""")
    assert not notes.errors
    assert "%" in notes.claims[0].sides[1]
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]


def test_square_products_stay_matrix_products(tmp_path):
    # a 4x4 times a 4x4 is a matrix product: never reread as elementwise
    notes = _read(tmp_path, SQUARE, r"""
$$ \frac{\partial J}{\partial a^{[1]}} = (W^{[2]})^T W^{[2]} $$
""")
    assert "%" not in notes.claims[0].sides[1]


def test_tensor_member_is_skipped_and_the_rest_of_the_chain_compared(tmp_path):
    body = r"""
$$ \frac{\partial J}{\partial W^{[2]}} = \frac{\partial J}{\partial Z^{[2]}} \cdot \frac{\partial Z^{[2]}}{\partial W^{[2]}} = \frac{\partial J}{\partial Z^{[2]}} (A^{[1]})^T $$

$$ \frac{\partial J}{\partial W^{[2]}} = \frac{\partial J}{\partial Z^{[2]}} \cdot \frac{\partial Z^{[2]}}{\partial W^{[2]}} = 2 \frac{\partial J}{\partial Z^{[2]}} (A^{[1]})^T $$
"""
    notes = _read(tmp_path, BATCH, body)
    assert not notes.errors
    assert [len(c.sides) for c in notes.claims] == [2, 2]  # first with last
    assert _readings(notes) == ["claim", "skipped"] * 2
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]
    (tmp_path / "note.md").write_text(BATCH + body, encoding="utf-8")
    unchecked = load_notes([tmp_path / "note.md"]).unchecked
    assert [u.kind for u in unchecked] == ["skipped", "skipped"]  # listed by verify


def test_claim_left_with_one_side_is_skipped_whole(tmp_path):
    notes = _read(tmp_path, COLUMNS, r"""
$$ \frac{\partial z^{[1]}}{\partial W^{[1]}} = (a^{[0]})^T $$

$$ \frac{\partial J}{\partial W^{[1]}} = \frac{\partial J}{\partial a^{[1]}} \frac{\partial a^{[1]}}{\partial z^{[1]}} \frac{\partial z^{[1]}}{\partial W^{[1]}} $$
""")
    assert not notes.errors and not notes.claims
    assert _readings(notes) == ["skipped", "skipped"]


def test_gradient_by_a_column_written_as_a_row(tmp_path):
    body = r"""
$$ \frac{\partial J}{\partial a^{[1]}} = \frac{\partial J}{\partial z^{[2]}} \frac{\partial z^{[2]}}{\partial a^{[1]}} = \frac{\partial J}{\partial z^{[2]}} W^{[2]} $$

$$ \frac{\partial J}{\partial a^{[1]}} = 2 \frac{\partial J}{\partial z^{[2]}} W^{[2]} $$
"""
    assert _kinds(_read(tmp_path, ROWS, body)) == [Kind.VERIFIED, Kind.REFUTED]
    assert _kinds(_read(tmp_path, COLUMNS, body)) == [Kind.REFUTED, Kind.REFUTED]


def test_gradients_key_is_checked(tmp_path):
    notes = _read(tmp_path, COLUMNS.replace("loss_symbol=J", "loss_symbol=J gradients=diag"),
                  r"$$ \frac{\partial J}{\partial a^{[1]}} = 0 $$" + "\n")
    assert notes.errors
