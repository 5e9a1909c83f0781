"""A note's definition that disagrees with its declared setting leaves not judged only the
claims that depend on what it defines; worked examples and one-term shorthands are no
definitions; a sample letter that is also the widths' name is an index; n_x, n_y are the
input's and output's widths."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.owndefs import WORKED_EXAMPLE
from bpcheck.run.runner import run_claims

HEAD = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
# the loss written as a cross-entropy (disagrees with mse_half); then claims that depend on
# the loss, one that does not (the activation's derivative), one about no network quantity
LOSS_NOTE = HEAD + r"""# Loss

$$ J = -\sum_k y_k \log a^{(L)}_k $$

$$ \frac{\partial J}{\partial a^{(L)}} = a^{(L)} - y $$

$$ \delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)}) $$

# Activation

$$ \frac{\partial a^{(l)}_j}{\partial z^{(l)}_j} = \sigma(z^{(l)}_j)(1 - \sigma(z^{(l)}_j)) $$

$$ \frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)} $$
"""


def verdicts(tmp: Path, text: str) -> dict[int, Kind]:
    path = tmp / "n.md"
    path.write_text(text, encoding="utf-8")
    nf = read_notes(path)
    return {c.line: v.kind for c, v in run_claims(nf.claims, Options(), jobs=1)}


def test_a_wrong_loss_definition_blocks_only_claims_that_depend_on_the_loss(tmp_path: Path) -> None:
    got = verdicts(tmp_path, LOSS_NOTE)
    assert got[4] is Kind.ERROR  # the loss definition itself
    assert got[6] is Kind.ERROR and got[8] is Kind.ERROR  # ∂J/∂a and δ: not judged
    assert got[12] is Kind.VERIFIED and got[14] is Kind.VERIFIED  # no loss in them: decided


def test_a_wrong_forward_pass_still_blocks_every_network_claim(tmp_path: Path) -> None:
    text = HEAD + r"""# F

$$ z^{(l)} = (W^{(l)})^T a^{(l-1)} + b^{(l)} $$

# Elsewhere

$$ \frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)} $$

$$ \frac{\partial J}{\partial b^{(l)}} = \delta^{(l)} $$
"""
    got = verdicts(tmp_path, text)
    assert set(got.values()) == {Kind.ERROR}  # another network: nothing judged in it


def test_an_alternative_form_confirmed_elsewhere_blocks_only_its_section(tmp_path: Path) -> None:
    text = HEAD + r"""# Ours

$$ z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)} $$

$$ \frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)} $$

# The other convention

$$ z^{(l)} = (W^{(l)})^T a^{(l-1)} + b^{(l)} $$

$$ \frac{\partial J}{\partial b^{(l)}} = \delta^{(l)} $$
"""
    got = verdicts(tmp_path, text)
    assert got[4] is Kind.VERIFIED and got[6] is Kind.VERIFIED
    assert got[10] is Kind.ERROR and got[12] is Kind.ERROR  # its own section: not judged


def test_a_worked_example_with_numbers_is_skipped_not_an_error(tmp_path: Path) -> None:
    text = HEAD + r"""# Example

$$ a^{(1)} = \sigma\left( \begin{pmatrix} 1 \\ -1 \\ 2 \\ 0 \end{pmatrix} x \right) $$

$$ \frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)} $$
"""
    path = tmp_path / "e.md"
    path.write_text(text, encoding="utf-8")
    nf = read_notes(path)
    kinds = [(r.kind, r.reason) for f in nf.found for r in f.readings]
    assert kinds[0] == ("skipped", WORKED_EXAMPLE)
    assert [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)] == [Kind.VERIFIED]


def test_a_one_term_shorthand_is_no_definition(tmp_path: Path) -> None:
    text = HEAD + r"""# Term

$$ z^{(l)}_i = W^{(l)}_{i,j} a^{(l-1)}_j $$

$$ \frac{\partial z^{(l)}}{\partial a^{(l-1)}} = W^{(l)} $$
"""
    path = tmp_path / "t.md"
    path.write_text(text, encoding="utf-8")
    nf = read_notes(path)
    assert [r.kind for f in nf.found for r in f.readings] == ["skipped", "claim"]
    assert [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)] == [Kind.VERIFIED]


def test_a_sample_letter_that_is_also_the_widths_name_is_an_index(tmp_path: Path) -> None:
    head = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_sum batch=3 " \
           "samples=n -->\n"
    text = head + r"""# Batch

$$ A^{(l)}_{i,n} = \sigma(Z^{(l)}_{i,n}) $$
"""
    got = verdicts(tmp_path, text)
    assert got == {4: Kind.VERIFIED}  # was EvalError: 'n' has no value


def test_n_x_and_n_y_are_the_input_and_output_widths(tmp_path: Path) -> None:
    text = HEAD + r"""# Shapes

$$ \frac{\partial J}{\partial a^{(L)}} \in \mathbb{R}^{n_y \times 1} $$

$$ W^{(1)} \in \mathbb{R}^{n_1 \times n_x} $$
"""
    got = verdicts(tmp_path, text)
    assert set(got.values()) == {Kind.VERIFIED}
