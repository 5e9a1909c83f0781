"""Constructs of the fresh corpus sample (issue 17, part n2: notes bpcheck had never seen),
each on a fixture of our own in the notation such notes use: the elementwise product written
\\otimes (named in the defaults line), and a loss called L beside the default depth L."""
from __future__ import annotations

from bpcheck.catalog.schema import conventions_problem
from bpcheck.model import Kind
from bpcheck.notes.implied import with_implied_keys
from note_checks import note_verdicts as _verdicts

OTIMES = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid activation_symbol=\\sigma "
          "loss=mse_half hadamard=\\otimes -->\n\n"
          "$$\n\\delta^{(1)} = \\Big( (W^{(2)})^\\top \\delta^{(2)} \\Big) \\otimes "
          "\\sigma'\\!\\left(z^{(1)}\\right)\n$$\n\n"
          "$$\n\\delta^{(2)} = \\big(a^{(2)} - y\\big) \\otimes \\sigma'(z^{(2)})\n$$\n")
# the same recurrence with the product's order swapped in the matrix: a wrong formula
OTIMES_WRONG = OTIMES.replace("(W^{(2)})^\\top \\delta^{(2)}", "\\delta^{(2)} (W^{(2)})^\\top")

LOSS_L = ("<!-- bpcheck-defaults: widths=2,3,1 activation=sigmoid loss=mse_half "
          "loss_symbol=L -->\n\n"
          "$$\n\\frac{\\partial L}{\\partial b^{(2)}} = \\delta^{(2)}\n$$\n\n"
          "$$\n\\frac{\\partial L}{\\partial W^{(2)}} = \\delta^{(2)} (a^{(1)})^T\n$$\n")


def test_hadamard_may_be_written_otimes():
    assert conventions_problem({"hadamard": "\\otimes"}) == ""
    assert conventions_problem({"hadamard": "*,\\otimes"}) == ""


def test_otimes_recurrence_is_checked_as_the_elementwise_product(tmp_path):
    assert _verdicts(tmp_path, OTIMES) == [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(tmp_path, OTIMES_WRONG)[0] == Kind.REFUTED


def test_loss_called_l_renames_the_default_depth():
    body = {"kind": "network", "widths": [2, 1], "loss_symbol": "L"}
    assert with_implied_keys(body)["depth_symbol"] == "D"
    named = {**body, "depth_symbol": "K"}
    assert with_implied_keys(named) == named  # a depth the line names is kept
    script = {**body, "loss_symbol": "\\mathcal{L}"}
    assert "depth_symbol" not in with_implied_keys(script)  # calL is not the letter L


def test_note_whose_loss_is_l_is_checked_without_naming_a_depth(tmp_path):
    assert _verdicts(tmp_path, LOSS_L) == [Kind.VERIFIED, Kind.VERIFIED]
