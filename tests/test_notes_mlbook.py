"""Constructs of a book chapter that writes its network with letters h (pre-activation), z
(activation) and c (bias) (issue 17): a parenthesis left open inside `\\left( … \\right)`,
closed at the `\\right)` and said; an equation that is not understood with a trailing
`\\in \\mathbb{R}^{…}` stays not understood (never hidden as a shape statement).  Fixtures of
our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.parens import CLOSED_NOTE
from bpcheck.run.runner import run_claims

SETUP = "widths=3,4,2 activation=sigmoid output=sigmoid loss=binary_cross_entropy " \
        r"loss_symbol=\mathcal{L} names=h:z,z:a,c:b,K:n"
JACOBIAN = r"\frac{\partial \mathbf{z}^{(k)}}{\partial \mathbf{h}^{(k)}} = " \
           r"\mathrm{diag}\left(\sigma(\mathbf{h}^{(k)})(1-\sigma(\mathbf{h}^{(k)})\right)"


def _read(tmp: Path, text: str, setup: str = SETUP):
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{text}\n", encoding="utf-8")
    nf = read_notes(path)
    return nf, [(r.kind, r.translation or r.reason, r.reason) for f in nf.found
                for r in f.readings]


def _display(tex: str) -> str:
    return f"$$\n{tex}\n$$\n"


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_a_parenthesis_left_open_inside_left_right_is_closed_and_said(tmp_path: Path) -> None:
    planted = JACOBIAN.replace("(1-", "(1+")
    nf, readings = _read(tmp_path, _display(JACOBIAN.replace("k", "1")) + "\n"
                         + _display(planted.replace("k", "1")))
    assert [k for k, _, _ in readings] == ["claim", "claim"]
    assert all(CLOSED_NOTE in why for _, _, why in readings)
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_a_balanced_formula_gets_no_closing_note(tmp_path: Path) -> None:
    balanced = JACOBIAN.replace(r"\right)", r")\right)").replace("k", "1")
    nf, readings = _read(tmp_path, _display(balanced))
    assert [k for k, _, _ in readings] == ["claim"] and CLOSED_NOTE not in readings[0][2]
    assert _verdicts(nf) == [Kind.VERIFIED]


def test_two_parentheses_left_open_stay_not_understood(tmp_path: Path) -> None:
    two = JACOBIAN.replace(r"(1-", r"((1-").replace("k", "1")
    _, readings = _read(tmp_path, _display(two))
    assert [k for k, _, _ in readings] == ["not understood"]


def test_an_unread_equation_with_a_shape_is_not_hidden_as_a_shape(tmp_path: Path) -> None:
    """Outside `\\left … \\right` an open parenthesis has no one place to close: the equation
    is not understood, and its trailing `\\in \\mathbb{R}^{…}` does not make it a shape."""
    tex = JACOBIAN.replace(r"\left(", "(").replace(r"\right)", "").replace("k", "1") \
        + r" \in \mathbb{R}^{K_1 \times K_1}"
    _, readings = _read(tmp_path, _display(tex))
    assert [k for k, _, _ in readings] == ["not understood"]


def test_a_data_model_with_a_noise_term_is_skipped_as_such(tmp_path: Path) -> None:
    from bpcheck.notes.datamodel import DATA_MODEL
    _, readings = _read(tmp_path, _display(r"y_m = \sin(x_m) + \varepsilon_m,"))
    assert [(k, why) for k, _, why in readings] == [("skipped", DATA_MODEL)]


def test_an_epsilon_inside_a_function_is_no_noise_term(tmp_path: Path) -> None:
    """`\\log(\\hat y + \\epsilon)`, a fraction's `1 + \\epsilon`, or a prediction ŷ on the
    left: never a data model."""
    from bpcheck.notes.datamodel import data_model
    assert data_model(r"y = \log(a + \epsilon)") is None
    assert data_model(r"y = \frac{1}{1 + \epsilon}") is None
    assert data_model(r"\hat{y} = a + \epsilon") is None
    assert data_model(r"y = a + \epsilon = b") is None
    assert data_model(r"\mathbf{y}_i = f(\mathbf{x}_i) + \epsilon_i.") is not None
