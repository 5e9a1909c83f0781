"""Constructs of the fresh round g (issue 17, part n1): PRML's two-layer network written with
no layer marks, the index letter telling the layer (`unit_letters=i:0,j:1,k:2`): `w_{kj}` is
W^{(2)}_{kj}, `\\delta_j` is δ^{(1)}_j, `a_j` (Bishop's pre-activation, `names=a:z,z:a`) is
layer 1's.  Without the key nothing is guessed; with it, a weight whose letters are not of
adjacent layers, one vector written with two layers' letters, or a bare name, is not
understood.  Fixtures are our own formulas in that notation."""
from __future__ import annotations

from bpcheck.model import Kind
from bpcheck.notes.defaults import problems
from note_checks import note_verdicts as _verdicts, note_found as _found

_SETUP = ("widths=3,4,2 activation=tanh output=identity loss=mse_half bias=false "
          "loss_symbol=E activation_symbol=h names=a:z,z:a,t:y,y:a^{(2)}")
_HEAD = f"<!-- bpcheck-defaults: {_SETUP} unit_letters=i:0,j:1,k:2 -->\n\n"
_BODY = ("$$a_j = \\sum_i w_{ji} x_i$$\n\n"
         "$$z_j = h(a_j)$$\n\n"
         "$$y_k = \\sum_j w_{kj} z_j$$\n\n"
         "$$\\delta_k = y_k - t_k$$\n\n"
         "$$\\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k$$\n\n"
         "$$\\delta_j = (1 - z_j^2) \\sum_k w_{kj} \\delta_k$$\n\n"
         "$$\\frac{\\partial E}{\\partial w_{ji}} = \\delta_j x_i$$\n\n"
         "$$\\frac{\\partial E}{\\partial w_{kj}} = \\delta_k z_j$$\n")
PRML = _HEAD + _BODY
# planted errors: the backward sum without h', a square dropped, the hidden unit's δ for
# the output weight's gradient
PRML_WRONG = PRML.replace("h'(a_j) \\sum_k", "\\sum_k").replace("(1 - z_j^2)", "(1 - z_j)") \
    .replace("= \\delta_k z_j", "= \\delta_k a_j")
UNCLEAR = _HEAD + ("$$\\delta_j = h'(a_j) \\sum_k w_{ki} \\delta_k$$\n\n"
                   "$$\\delta_j = h'(a_j) \\sum_k w_{jk} \\delta_k$$\n\n"
                   "$$\\delta_{kj} = y_k - t_k$$\n\n"
                   "$$\\delta = h'(a_j) \\sum_k w_{kj} \\delta_k$$\n\n"
                   "$$\\frac{\\partial E}{\\partial b_i} = \\delta_j$$\n")


def test_index_letters_give_the_layers(tmp_path):
    assert _verdicts(tmp_path, PRML) == [Kind.VERIFIED] * 8


def test_planted_errors_in_unmarked_prml_notation_are_refuted(tmp_path):
    assert _verdicts(tmp_path, PRML_WRONG) == [Kind.VERIFIED] * 4 + [Kind.REFUTED] * 2 + [
        Kind.VERIFIED, Kind.REFUTED]


def test_without_the_key_nothing_is_guessed(tmp_path):
    found = _found(tmp_path, f"<!-- bpcheck-defaults: {_SETUP} -->\n\n" + _BODY)
    assert found and not any(f.claims for f in found[4:])


def test_letters_of_the_wrong_layers_stay_not_understood(tmp_path):
    found = _found(tmp_path, UNCLEAR)
    assert len(found) == 5
    assert all(f.error and not f.claims for f in found), [(f.error, f.claims) for f in found]
    assert "adjacent layers" in found[0].error and "adjacent layers" in found[1].error
    assert "unit_letters=" in found[2].error
    assert "input's" in found[4].error


def test_bad_unit_letters_value_is_named():
    assert [k for k, _ in problems({"unit_letters": "i:0,j"})] == ["unit_letters"]
    assert [k for k, _ in problems({"unit_letters": "i:0,i:1"})] == ["unit_letters"]
    assert problems({"unit_letters": "i:0,j:1,k:2"}) == []


# PRML's bias unit: a bare sum over the units feeding a weight runs from unit 0 (x_0 = 1)
BIAS_UNIT = (f"<!-- bpcheck-defaults: {_SETUP.replace('bias=false', 'bias_unit=0')} "
             "unit_letters=i:0,j:1,k:2 -->\n\n" + _BODY)


def test_bare_sum_over_a_weights_source_includes_the_bias_unit(tmp_path):
    assert _verdicts(tmp_path, BIAS_UNIT) == [Kind.VERIFIED] * 8
    wrong = BIAS_UNIT.replace("= \\delta_j x_i", "= \\delta_j a_j")
    assert _verdicts(tmp_path, wrong) == [Kind.VERIFIED] * 6 + [Kind.REFUTED, Kind.VERIFIED]
