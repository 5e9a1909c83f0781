"""Constructs of the second fresh sample (issue 17, fresh round b, part n2), each on a fixture
of our own in the notation such notes use: a loss named f used bare (`\\frac{df}{dA}`), a
function applied with `\\circ`, a per-layer activation `g^{[l]}` beside a softmax output, a
formula under a "Hidden layers" heading, an indicator `(Z > 0)`, helper maps `G: X \\mapsto`,
an empty array display, and the chain rule through a generic variable u."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.notes.maps import GENERIC_MAP, MAP
from bpcheck.notes.remarks import EMPTY, GENERIC
from note_checks import note_verdicts as _verdicts

ROWS = ("<!-- bpcheck-defaults: widths=2,3,1 activation=tanh activation_symbol=g loss=mse_sum "
        "reduction=mean batch=3 samples=i row_vectors=true orientation=in_out bias=false "
        "loss_symbol=f -->\n\n")
SOFTMAX = ("<!-- bpcheck-defaults: widths=2,3,3 activation=relu activation_symbol=g "
           "output=softmax loss=cross_entropy target=onehot batch=3 reduction=mean samples=i "
           "gradient_prefix=d loss_symbol=L -->\n\n")


def _readings(tmp_path: Path, body: str) -> list[list[tuple[str, str]]]:
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    return [[(r.kind, r.reason) for r in f.readings]
            for f in read_notes(note, Refs({}, {})).found]


def test_a_loss_named_f_is_the_loss_when_written_bare(tmp_path):
    good = ROWS + "$$\n\\frac{df}{dW^{[2]}} = {A^{[1]}}^T \\cdot \\frac{df}{dZ^{[2]}}\n$$\n"
    assert _verdicts(tmp_path, good) == [Kind.VERIFIED]
    wrong = good.replace("{A^{[1]}}^T \\cdot \\frac{df}{dZ^{[2]}}", "\\frac{df}{dZ^{[2]}}")
    assert _verdicts(tmp_path, wrong) != [Kind.VERIFIED]


def test_a_function_applied_with_circ(tmp_path):
    body = ROWS + ("$$\n\\frac{df}{dZ^{[\\ell]}} = \\frac{df}{dA^{[\\ell]}} \\odot "
                   "(g' \\circ Z^{[\\ell]})\n$$\n")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]
    assert _verdicts(tmp_path, body.replace("g' \\circ", "g \\circ")) == [Kind.REFUTED]


def test_per_layer_activation_symbol_with_a_softmax_output(tmp_path):
    (kinds,) = _readings(tmp_path, SOFTMAX + "$$\nA^{[l]} = g^{[l]}(Z^{[l]})\n$$\n")
    assert kinds[0][0] == "definition"
    assert _verdicts(tmp_path, SOFTMAX + "$$\nA^{[l]} = g^{[l]}(Z^{[l]})\n$$\n") == \
        [Kind.VERIFIED, Kind.VERIFIED]  # the hidden layers' relu, the output's softmax
    assert Kind.VERIFIED not in _verdicts(
        tmp_path, SOFTMAX + "$$\nA^{[l]} = g^{[l]}(2 Z^{[l]})\n$$\n")


def test_a_formula_under_a_hidden_layers_heading_is_for_the_hidden_layers(tmp_path):
    body = SOFTMAX + ("#### Backward pass: hidden layers\n\n"
                      "$$\ndZ^{[l]} = dA^{[l]} \\odot g'^{[l]}(Z^{[l]})\n$$\n\n"
                      "$$\ndZ^{[l]} = dA^{[l]} \\odot (Z^{[l]} > 0)\n$$\n")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, body.replace("> 0)", "< 0)").replace("g'^", "g^")) != \
        [Kind.VERIFIED, Kind.VERIFIED]


def test_an_indicator_of_a_positive_batch_matrix(tmp_path):
    body = SOFTMAX + ("#### Hidden layers\n\n"
                      "$$\ng'^{[l]}(Z^{[l]}) = (Z^{[l]} > 0)\n$$\n")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]


def test_helper_maps_and_lemmas_about_them_are_skipped_with_the_reason(tmp_path):
    body = ROWS + ("$$\n\\begin{align*}\nH:X\\mapsto X\\cdot V\\\\\n"
                   "H:\\mathbb R^{p\\times q}\\to\\mathbb R^{p\\times r}\n\\end{align*}\n$$\n\n"
                   "$$\n\\frac{df}{dX}=\\frac{df}{dH}\\cdot V^T.\n$$\n\n"
                   "$$\n\\frac{df}{dW^{[2]}} = {A^{[1]}}^T \\cdot \\frac{df}{dZ^{[2]}}\n$$\n")
    first, second, third = _readings(tmp_path, body)
    assert first == [("skipped", MAP)]
    assert second == [("skipped", GENERIC_MAP.format("H"))]
    assert third[0][0] == "claim"


def test_an_empty_array_display_is_empty(tmp_path):
    body = ("<!-- bpcheck-defaults: widths=2,2 activation=sigmoid loss=mse_half -->\n\n"
            "$$\n\\tag{1}\n\\begin{array}{rcl}\n\\end{array}\n$$\n")
    assert _readings(tmp_path, body) == [[("skipped", EMPTY)]]


def test_the_chain_rule_through_a_generic_variable(tmp_path):
    body = ("<!-- bpcheck-defaults: widths=2,2 activation=sigmoid loss=mse_half loss_symbol=C "
            "-->\n\n$$\n\\frac{\\partial y}{\\partial x} = \\frac{\\partial y}{\\partial v}"
            "\\ \\frac{\\partial v}{\\partial x}\n$$\n")
    assert _readings(tmp_path, body) == [[("skipped", GENERIC)]]
