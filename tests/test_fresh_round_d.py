"""Constructs of the fresh round d (issue 17, part n3): quantities written without a layer
mark.  Bare z, a, δ in a statement that names nothing but the output layer (its activations
under the note's own name, the target, the loss) are the output layer's; elsewhere in a
layered note a bare name keeps its error, whose hint names the key that says which layer
bare names mean.  Fixtures are our own formulas in the notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind
from note_checks import note_verdicts as _verdicts, note_found as _found

SOFTMAX = ("<!-- bpcheck-defaults: widths=3,4,3 activation=relu output=softmax "
           "loss=cross_entropy target=onehot loss_symbol=L names=p:a^{(2)} -->\n\n"
           "The output's scores are turned into probabilities.\n\n"
           "$$\np_j = \\frac{e^{z_j}}{\\sum_{k} e^{z_k}}\n$$\n\n"
           "$$\n\\frac{\\partial p_i}{\\partial z_j} = p_i (\\delta_{ij} - p_j)\n$$\n\n"
           "$$\n\\frac{\\partial L}{\\partial z_j} = p_j - y_j\n$$\n")
# the off-diagonal entries, under the words' condition
OFF_DIAGONAL = SOFTMAX.split("$$\n\\frac{\\partial L")[0] + (
    "When $i \\neq j$:\n\n$$\n\\frac{\\partial p_i}{\\partial z_j} = -p_i p_j\n$$\n")
# planted errors: the sign of the gradient, and the diagonal of the softmax's Jacobian
SOFTMAX_WRONG = SOFTMAX.replace("= p_j - y_j", "= y_j - p_j").replace(
    "p_i (\\delta_{ij} - p_j)", "p_i (1 - p_j)")
# a hidden unit's activation of a bare z: which layer z is, the statement does not say alone
NEURON = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half "
          "names=h:a^{(1)} -->\n\n$$\nh = \\sigma(z)\n$$\n")

# an activation function's definition with a bare argument is about any layer
GENERIC = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n\n"
           "$$\n\\sigma(z) = \\frac{1}{1 + e^{-z}}\n$$\n")


def test_bare_logits_beside_the_output_are_the_output_layers(tmp_path):
    assert _verdicts(tmp_path, SOFTMAX) == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED]


def test_wrong_output_layer_gradients_are_refuted(tmp_path):
    assert _verdicts(tmp_path, SOFTMAX_WRONG) == [Kind.VERIFIED, Kind.REFUTED, Kind.REFUTED]


def test_bare_sum_with_input_and_weights_keeps_its_error_and_names_the_key(tmp_path):
    found = _found(tmp_path, NEURON)
    assert len(found) == 1 and not found[0].translation
    assert "unmarked=" in (found[0].error or "")


def test_bare_activation_definition_is_not_taken_for_the_output_layers(tmp_path):
    found = _found(tmp_path, GENERIC)
    assert len(found) == 1 and not found[0].translation


def test_output_layer_reading_takes_the_words_condition(tmp_path):
    kinds = _verdicts(tmp_path, OFF_DIAGONAL)
    assert kinds == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED]
    wrong = OFF_DIAGONAL.replace("= -p_i p_j", "= p_i p_j")
    assert _verdicts(tmp_path, wrong)[-1] == Kind.REFUTED

# a letter that names both a layer (layers=h,o) and that layer's activations (names=h:...)
LETTER_LAYER = ("<!-- bpcheck-defaults: widths=2,3,1 activation=sigmoid loss=mse_half "
                "layers=h,o names=h:a^{(1)} -->\n\n"
                "$$\n\\delta^h = \\left((W^o)^T \\delta^o\\right) \\odot h \\odot (1 - h)\n$$\n")


def test_layer_letter_in_a_superscript_stays_the_layer_when_also_a_name(tmp_path):
    assert _verdicts(tmp_path, LETTER_LAYER) == [Kind.VERIFIED]
    wrong = LETTER_LAYER.replace("\\odot (1 - h)", "")
    assert _verdicts(tmp_path, wrong) == [Kind.REFUTED]

# the note's own letter for a layer's weights, with its entry's two digits (w_{12}: from input
# 1 to hidden unit 2)
NAMED_ENTRY = ("<!-- bpcheck-defaults: widths=2,3,1 activation=sigmoid loss=mse_half "
               "orientation=in_out loss_symbol=L names=w:W^{(1)} -->\n\n"
               "$$\n\\frac{\\partial L}{\\partial w_{12}} = \\delta^{(1)}_2 x_1\n$$\n")


def test_named_weight_with_two_digits_is_its_entry(tmp_path):
    assert _verdicts(tmp_path, NAMED_ENTRY) == [Kind.VERIFIED]
    wrong = NAMED_ENTRY.replace("\\delta^{(1)}_2 x_1", "\\delta^{(1)}_1 x_2")
    assert _verdicts(tmp_path, wrong) == [Kind.REFUTED]

# two index letters side by side (sample i, class j) on bare names: not one output vector's entry
TWO_LETTERS = ("<!-- bpcheck-defaults: widths=3,4,3 activation=relu output=softmax "
               "loss=cross_entropy target=onehot batch=4 reduction=mean samples=i "
               "loss_symbol=L -->\n\n"
               "$$\nL^{(i)} = -\\sum_{j=1}^{3} y_{ij} \\log a_{ij}\n$$\n")


def test_bare_names_with_two_index_letters_are_not_taken_for_the_output(tmp_path):
    found = _found(tmp_path, TWO_LETTERS)
    assert len(found) == 1 and not found[0].translation
