"""Constructs of the fresh corpus sample, second pass (issue 17, part n2), each on a fixture of
our own: a styled name carries its scripts (`\\boldsymbol{\\mathbf{W}}^{(\\ell)}`, also as a
note's own `\\def\\matr#1{...}` expands), `\\mathord{...}` is its body, `width_symbol=d` names
the layers' widths `d_\\ell`, and `\\Delta^{(\\ell)}` in a batch is the batch's δ matrix."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.notes.defaults import problems
from note_checks import note_verdicts as _verdicts

_SETUP = "widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=J"
_MACROS = ("$$\\def\\matr#1{\\boldsymbol{\\mathbf{#1}}}\n"
           "\\renewcommand{\\vec}[1]{\\boldsymbol{\\mathbf{#1}}}$$\n\n")

STYLED = (f"<!-- bpcheck-defaults: {_SETUP} -->\n\n" + _MACROS +
          "$$\n\\frac{\\partial J}{\\partial \\matr W^{(\\ell)}} = \\vec{\\delta}^{(\\ell)} "
          "\\big(\\vec a^{(\\ell-1)}\\big)^\\top\n$$\n\n"
          "$$\n\\frac{\\partial J}{\\partial \\boldsymbol{\\mathbf{b}}^{(\\ell)}} = "
          "\\boldsymbol{\\mathbf{\\delta}}^{(\\ell)}\n$$\n")
# the same gradient with the activations of the wrong layer: a wrong formula
STYLED_WRONG = STYLED.replace("\\vec a^{(\\ell-1)}", "\\vec a^{(\\ell)}")

WIDTHS = (f"<!-- bpcheck-defaults: {_SETUP} width_symbol=d -->\n\n" + _MACROS +
          "$$\n\\delta_i^{(\\ell)} = \\sigma'\\!\\left(z_i^{(\\ell)}\\right) "
          "\\sum_{k=1}^{d_{\\ell+1}} w^{(\\ell+1)}_{k,i} \\delta_k^{(\\ell+1)}\n$$\n\n"
          "$$\n\\matr W^{(\\ell)} \\in \\mathbb{R}^{d_\\ell \\times d_{\\ell-1}}\n$$\n")
WIDTHS_WRONG = WIDTHS.replace("d_\\ell \\times d_{\\ell-1}", "d_{\\ell-1} \\times d_\\ell")

BATCH = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=J batch=4 "
         "hadamard=\\otimes width_symbol=d -->\n\n" + _MACROS +
         "$$\n\\matr\\Delta^{(\\ell)} = \\Big( (\\matr W^{(\\ell+1)})^\\top "
         "\\matr\\Delta^{(\\ell+1)} \\Big) \\otimes \\sigma'\\!\\left(\\matr Z^{(\\ell)}\\right)\n$$\n\n"
         "$$\n\\matr\\Delta^{(\\ell)} \\in \\mathbb{R}^{d_\\ell \\times \\mathord{N}}\n$$\n")
BATCH_WRONG = BATCH.replace("\\matr\\Delta^{(\\ell+1)} \\Big)", "\\matr\\Delta^{(\\ell)} \\Big)")


def _readings(tmp_path: Path, body: str) -> list[str]:
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    return [f.error or " ; ".join(f.translation) for f in read_notes(note, Refs({}, {})).found]


def test_styled_name_carries_its_layer_superscript(tmp_path):
    assert _verdicts(tmp_path, STYLED) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, STYLED_WRONG)[0] == Kind.REFUTED


def test_styled_name_is_never_read_as_a_power(tmp_path):
    body = (f"<!-- bpcheck-defaults: {_SETUP} -->\n\n$$\n\\boldsymbol{{\\mathbf{{a}}}}^{{(2)}} "
            "= \\boldsymbol{\\mathbf{\\hat{y}}}\n$$\n")
    (styled,) = _readings(tmp_path, body)
    assert styled == "a[2] = yhat"  # the layer's activations, never a power


def test_mathord_is_its_body(tmp_path):
    body = (f"<!-- bpcheck-defaults: {_SETUP} -->\n\n"
            "$$\n\\frac{\\partial J}{\\partial b^{(2)}} = \\mathord{\\delta}^{(2)}\n$$\n")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]


def test_width_symbol_names_the_layer_widths(tmp_path):
    assert _verdicts(tmp_path, WIDTHS) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, WIDTHS_WRONG) == [Kind.VERIFIED, Kind.REFUTED]


def test_width_symbol_must_be_a_free_letter():
    assert problems({"width_symbol": "d"}) == []
    assert problems({"width_symbol": "W"})  # a layered name is never a width
    assert problems({"width_symbol": "dd"})


def test_capital_delta_is_the_batch_delta_matrix(tmp_path):
    assert _verdicts(tmp_path, BATCH) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, BATCH_WRONG)[0] == Kind.REFUTED
