"""Constructs of the fresh round e (issue 17, part n1): the names a note's set-up maps
(`L1`, `\\theta_1`, `\\Theta^{(1)}`, `\\hat y`, `\\mathbf{h}`, each wherever the note writes
it, with or without braces), `array` read as a matrix between `\\left[ ... \\right]` and as an
alignment when its rows hold relations, `\\ensuremath`, `\\textsc`, and `\\text` with no
argument.  Fixtures are our own formulas in the notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind
from note_checks import note_verdicts as _verdicts, note_sources as _sources, note_found as _found

NET = "widths=2,3,1 activation=sigmoid loss=mse_half loss_symbol=L"
# the output's delta for a sigmoid output and half squared error
DELTA = "(a^{(2)} - y) \\odot a^{(2)} \\odot (1 - a^{(2)})"


def _note(defaults: str, *displays: str) -> str:
    return f"<!-- bpcheck-defaults: {defaults} -->\n\n" + "".join(
        f"Some words.\n\n$$\n{d}\n$$\n\n" for d in displays)



# ---- names= ---------------------------------------------------------------------------------

# layers named L1, L2, L3 and weights \theta_1, \theta_2 (written \theta_{2} in a display)
LAYER_NAMES = _note(
    NET + " names=L1:a^{(0)},L2:a^{(1)},L3:a^{(2)},\\theta_1:W^{(1)},\\theta_2:W^{(2)}",
    "\\delta^{(2)} = (L3 - y) \\odot L3 \\odot (1 - L3)",
    "\\frac{\\partial L}{\\partial \\theta_{2}} = \\delta^{(2)} (L2)^T",
    "\\delta^{(1)} = (\\theta_2^T \\delta^{(2)}) \\odot L2 \\odot (1 - L2)")


def test_names_with_digits_and_greek_subscripts_are_accepted_and_used(tmp_path):
    assert _verdicts(tmp_path, LAYER_NAMES) == [Kind.VERIFIED] * 3
    wrong = LAYER_NAMES.replace("(L2)^T", "(L1)^T").replace("\\odot L2 \\odot", "\\odot L3 \\odot")
    assert _verdicts(tmp_path, wrong) == [Kind.VERIFIED, Kind.REFUTED, Kind.REFUTED]


# Greek capitals with a layer superscript, a hatted output, a bold hidden layer
STYLED_NAMES = _note(
    NET + " names=\\Theta^{(2)}:W^{(2)},\\hat{y}:a^{(2)},\\mathbf{h}:a^{(1)}",
    "\\delta^{(2)} = (\\hat y - y) \\odot \\hat{y} \\odot (1 - \\hat y)",
    "\\frac{\\partial L}{\\partial \\Theta^{(2)}} = \\delta^{(2)} \\mathbf{h}^T")


def test_greek_with_superscripts_hatted_and_bold_names_are_used(tmp_path):
    assert _verdicts(tmp_path, STYLED_NAMES) == [Kind.VERIFIED, Kind.VERIFIED]
    wrong = STYLED_NAMES.replace("(1 - \\hat y)", "(1 + \\hat y)")
    assert _verdicts(tmp_path, wrong) == [Kind.REFUTED, Kind.VERIFIED]


def test_a_bad_names_entry_is_named_and_the_good_ones_are_not(tmp_path):
    body = _note(NET + " names=L1:a^{(0)},2x:a^{(1)}", "\\delta^{(2)} = " + DELTA)
    errors = [e.message for e in _sources(tmp_path, body).errors]
    assert len(errors) == 1 and "'2x'" in errors[0] and "'L1" not in errors[0]
    missing = _note(NET + " names=L1:a^{(0)},L2", "\\delta^{(2)} = " + DELTA)
    errors = [e.message for e in _sources(tmp_path, missing).errors]
    assert len(errors) == 1 and "'L2'" in errors[0]

# ---- array ----------------------------------------------------------------------------------

# the output layer's weight gradient as a row written with array between \left[ and \right]
ARRAY_ROW = _note(NET, "\\frac{\\partial L}{\\partial W^{(2)}} = \\delta^{(2)} \\left[ "
                  "\\begin{array}{ccc} a^{(1)}_1 & a^{(1)}_2 & a^{(1)}_3 \\end{array} \\right]")


def test_array_between_brackets_is_a_matrix(tmp_path):
    assert _verdicts(tmp_path, ARRAY_ROW) == [Kind.VERIFIED]
    wrong = ARRAY_ROW.replace("a^{(1)}_1 & a^{(1)}_2", "a^{(1)}_2 & a^{(1)}_1")
    assert _verdicts(tmp_path, wrong) == [Kind.REFUTED]
    paren = ARRAY_ROW.replace("\\left[", "\\left(").replace("\\right]", "\\right)")
    assert _verdicts(tmp_path, paren) == [Kind.VERIFIED]


# a derivation aligned with array {rcl}: each row a member of the chain
ARRAY_CHAIN = _note(NET, "\\begin{array}{rcl} \\delta^{(2)} &=& (a^{(2)} - y) \\odot "
                    "\\sigma'(z^{(2)}) \\\\ &=& " + DELTA + " \\end{array}")


def test_array_whose_rows_hold_relations_is_an_alignment(tmp_path):
    assert _verdicts(tmp_path, ARRAY_CHAIN) == [Kind.VERIFIED]  # the chain is one claim
    wrong = ARRAY_CHAIN.replace("\\odot (1 - a^{(2)})", "")
    assert _verdicts(tmp_path, wrong) == [Kind.REFUTED]


# ---- \ensuremath, \textsc, \text ------------------------------------------------------------


def test_ensuremath_reads_as_its_body(tmp_path):
    body = _note(NET, "\\ensuremath{\\delta^{(2)}} = \\ensuremath{" + DELTA + "}")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]
    assert _verdicts(tmp_path, body.replace("(1 - a^{(2)})", "(1 + a^{(2)})")) == [Kind.REFUTED]


def test_textsc_is_a_word(tmp_path):
    relu = "widths=2,3,1 activation=relu output=sigmoid loss=mse_half loss_symbol=L"
    body = _note(relu, "\\delta^{(1)} = ((W^{(2)})^T \\delta^{(2)}) \\odot "
                 "\\textsc{ReLU}'(z^{(1)}) \\quad \\textsc{(hidden layer)}")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]
    assert _verdicts(tmp_path, body.replace("(W^{(2)})^T", "W^{(2)}")) == [Kind.REFUTED]


def test_text_with_no_argument_is_an_error_naming_it(tmp_path):
    for display in ("\\delta^{(2)} = " + DELTA + " \\text", "\\text", "\\left[\\text\\right]",
                    "\\delta^{(2)} = " + DELTA + " \\quad \\text"):
        found = _found(tmp_path, _note(NET, display))
        assert len(found) == 1 and "\\text" in (found[0].error or ""), display
