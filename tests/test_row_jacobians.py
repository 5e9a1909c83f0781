"""Row-vector notes that take Jacobians and gradients of their rows (issue 17): the Jacobian
of a row s by a row x is the n×n matrix of ∂s_i/∂x_j (numerator layout, the setting's default;
`layout=denominator` when the note's rows follow x), the gradient of a scalar by a row is a
row, a derivative that is a tensor is skipped with the reason, and a vector's entry
transposed is not understood.  Every fixture is our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.run.check import check_claim

HEAD = ("<!-- bpcheck-defaults: widths=3,4 activation=identity output=softmax loss=cross_entropy "
        "target=onehot unmarked=1 loss_symbol=E names=u:z,p:a row_vectors=true{} -->\n")


def _read(tmp_path: Path, body: str, extra: str = ""):
    path = tmp_path / "rows.md"
    path.write_text(HEAD.format(extra) + body, encoding="utf-8")
    return read_notes(path, Refs({}, {}))


def _kinds(notes) -> list[Kind]:
    return [check_claim(c).kind for c in notes.claims]


JACOBIAN = r"""
$$ \mathbf J_{\mathbf u}(\mathbf p) = \mathrm{diag}(\mathbf p) - \mathbf p^\top \mathbf p $$

$$ \frac{\partial \mathbf p}{\partial \mathbf u} = \mathrm{diag}(\mathbf p) - \mathbf p^\top \mathbf p $$
"""


def test_the_jacobian_of_a_row_by_a_row_is_the_square_matrix(tmp_path):
    notes = _read(tmp_path, JACOBIAN)
    assert notes.claims[0].sides[0] == "diff(a[1], z[1])"  # not ∂(pᵀ)/∂u, a tensor
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_the_layout_is_the_notes_declared_convention(tmp_path):
    body = r"""
$$ \frac{\partial \mathbf z}{\partial \mathbf x} = W^\top $$

$$ \frac{\partial \mathbf z}{\partial \mathbf x} = W $$
"""  # z = x W + b with rows: ∂z_i/∂x_j = W_ji
    assert _kinds(read_notes(_write(tmp_path, body), Refs({}, {}))) == [Kind.VERIFIED, Kind.REFUTED]
    denominator = read_notes(_write(tmp_path, body, " layout=denominator"), Refs({}, {}))
    assert _kinds(denominator) == [Kind.REFUTED, Kind.VERIFIED]


GRADIENTS = r"""
$$ \nabla_{\mathbf p} E = -\nabla_{\mathbf p} \mathbf y \log \mathbf p^\top
   = -\mathbf y \nabla_{\mathbf p} \log \mathbf p
   = -\mathbf y \, \mathrm{diag}\left(\frac{\mathbf 1}{\mathbf p}\right)
   = -\frac{\mathbf y}{\mathbf p} $$

$$ \nabla_{\mathbf u} E = \nabla_{\mathbf p} E \, \mathbf J_{\mathbf u}(\mathbf p) = \mathbf p - \mathbf y $$

$$ \nabla_{\mathbf u} E = \mathbf J_{\mathbf u}(\mathbf p) \, \nabla_{\mathbf p} E $$

$$ \mathbf J_{\mathbf p}(\log \mathbf p) = \mathrm{diag}\left(\frac{\mathbf 1}{\mathbf p}\right) $$
"""


def test_the_gradient_of_a_scalar_by_a_row_is_a_row(tmp_path):
    notes = _read(tmp_path, GRADIENTS)
    assert notes.claims[0].sides[1] == "-transpose(diff(transpose(y) * log(a[1]), a[1]))"
    # the row-gradient times the Jacobian holds; the Jacobian times a row is ill-formed
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED]


def test_a_wrong_row_jacobian_is_refuted(tmp_path):
    notes = _read(tmp_path, r"""
$$ \mathbf J_{\mathbf u}(\mathbf p) = \mathrm{diag}(\mathbf p) - \mathbf p \mathbf p^\top $$

$$ \mathbf J_{\mathbf u}(\mathbf p) = \mathrm{diag}(\mathbf p) + \mathbf p^\top \mathbf p $$
""")
    assert _kinds(notes) == [Kind.REFUTED, Kind.REFUTED]


def test_the_derivative_of_a_row_by_a_matrix_is_skipped_as_a_tensor(tmp_path):
    notes = read_notes(_write(tmp_path, r"""
$$ \frac{\partial \mathbf z}{\partial W} = \mathbf x^T $$

$$ \frac{\partial E}{\partial \mathbf b} = \frac{\partial E}{\partial \mathbf z}
   \frac{\partial \mathbf z}{\partial \mathbf b} $$
"""), Refs({}, {}))
    first = notes.found[0].readings[0]
    assert first.kind == "skipped" and "tensor" in first.reason
    assert _kinds(notes) == [Kind.VERIFIED]  # ∂z/∂b is the identity: the row chain holds


def _write(tmp_path: Path, body: str, extra: str = "") -> Path:
    path = tmp_path / "layer.md"
    path.write_text("<!-- bpcheck-defaults: widths=2,3 activation=identity output=softmax "
                    "loss=cross_entropy target=onehot orientation=in_out unmarked=1 "
                    "loss_symbol=E row_vectors=true" + extra + " -->\n" + body, encoding="utf-8")
    return path


def test_an_entry_transposed_is_not_understood(tmp_path):
    notes = _read(tmp_path, r"""
$$ \mathbf J_{\mathbf u_i}(\mathbf p_i) = \mathrm{diag}(\mathbf p_i) - \mathbf p_i^\top \mathbf p_i $$
""")
    assert not notes.claims
    assert notes.found[0].readings[0].kind == "not understood"


def test_a_vector_typed_entry_by_entry_with_dots_is_its_notation(tmp_path):
    notes = _read(tmp_path, r"""
$$ \mathbf u = \begin{bmatrix} u_1 \ \, u_2 \ \, \dots \ \, u_n \end{bmatrix} $$

$$ \mathbf U = \begin{bmatrix} \mathbf u_1 \\[0.5em] \vdots \\[0.5em] \mathbf u_m \end{bmatrix} $$

$$ \mathbf J_{\mathbf u}(\mathbf p) = \begin{bmatrix} p_1 - p_1^2 & \cdots \\ \vdots & \ddots
   \end{bmatrix} $$
""")
    kinds = [f.readings[0].kind for f in notes.found]
    assert kinds[:2] == ["skipped", "skipped"]
    assert kinds[2] == "not understood"  # a Jacobian drawn entry by entry is a claim, not a picture
