"""Constructs of the fresh round f (issue 17, part n2): an activation with its layer as a
subscript (`\\phi_l(z_l)`, `\\sigma_{(l)}`, `\\phi_h` with layers=h,o), read as layer l's own
activation like `g^{[l]}`; the output layer's identity activation has the derivative 1; a
subscript that is no layer, or `\\phi_k` applied to another layer's z, stays not understood.
Fixtures are our own formulas in the notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from note_checks import note_verdicts as _verdicts

_HEAD = ("<!-- bpcheck-defaults: widths=2,3,3,1 activation=tanh output=identity loss=mse_half "
         "loss_symbol=\\mathcal{L} layer_marks=subscript activation_symbol=\\phi -->\n\n")
# layer k's activation written phi_k; the output's is the identity
SUBSCRIPTED = _HEAD + (
    "$$\n\\frac{\\partial \\mathcal{L}}{\\partial z_3} = \\frac{\\partial \\mathcal{L}}"
    "{\\partial a_3} \\cdot \\phi_3'(z_3)\n$$\n\n"
    "$$\n\\delta_2 = (W_3^\\top \\delta_3) \\odot \\phi_2'(z_2)\n$$\n\n"
    "$$\n\\delta_1 = (W_2^\\top \\delta_2) \\odot \\phi_1'(z_1)\n$$\n")
# planted errors: phi_2 for its derivative, a transpose dropped (W_2 is square)
SUBSCRIPTED_WRONG = SUBSCRIPTED.replace("(W_3^\\top \\delta_3) \\odot \\phi_2'(z_2)",
                                        "(W_3^\\top \\delta_3) \\odot \\phi_2(z_2)").replace(
    "(W_2^\\top \\delta_2) \\odot \\phi_1'(z_1)", "(W_2 \\delta_2) \\odot \\phi_1'(z_1)")
# a layer's name as the subscript, brackets around the layer
NAMED = ("<!-- bpcheck-defaults: widths=2,3,2 activation=sigmoid output=identity "
         "loss=mse_half layers=h,o activation_symbol=\\phi -->\n\n"
         "$$\n\\delta^h = (W^o)^\\top \\delta^o \\odot \\phi_h'(z^h)\n$$\n\n"
         "$$\n\\delta^{(1)} = (W^{(2)})^\\top \\delta^{(2)} \\odot \\phi_{(1)}'(z^{(1)})\n$$\n")
NAMED_WRONG = NAMED.replace("\\phi_h'(z^h)", "\\phi_h(z^h)").replace(
    "\\phi_{(1)}'(z^{(1)})", "\\phi_{(1)}(z^{(1)})")
# a unit's subscript, a function of another layer's z, a subscripted name applied to nothing
UNCLEAR = ("<!-- bpcheck-defaults: widths=2,3,2 activation=sigmoid output=identity "
           "loss=mse_half layers=h,o activation_symbol=\\sigma -->\n\n"
           "$$\n\\delta^o = \\sigma_{h_1}(z^o)\n$$\n\n"
           "$$\n\\delta^h = (W^o)^\\top \\delta^o \\odot \\sigma_h'(z^o)\n$$\n\n"
           "$$\n\\frac{\\partial L}{\\partial b^o} = \\sigma_o\n$$\n")


def test_layer_subscripted_activation_is_that_layers_own(tmp_path):
    assert _verdicts(tmp_path, SUBSCRIPTED) == [Kind.VERIFIED] * 3


def test_wrong_layer_subscripted_activation_claims_are_refuted(tmp_path):
    assert _verdicts(tmp_path, SUBSCRIPTED_WRONG) == [Kind.VERIFIED, Kind.REFUTED, Kind.REFUTED]


def test_layer_name_and_bracketed_layer_as_subscript(tmp_path):
    assert _verdicts(tmp_path, NAMED) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, NAMED_WRONG) == [Kind.REFUTED, Kind.REFUTED]


def test_unclear_subscripts_stay_not_understood(tmp_path):
    note = tmp_path / "n.md"
    note.write_text(UNCLEAR, encoding="utf-8")
    found = read_notes(note, Refs({}, {})).found
    assert len(found) == 3
    assert all(f.error for f in found)
    assert "names=" in found[0].error and "no layer" in found[0].error
    assert "its own layer's z" in found[1].error
    assert "applied to nothing" in found[2].error
