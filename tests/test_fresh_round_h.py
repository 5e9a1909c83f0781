"""Constructs of the fresh round h (issue 17, part n2): a sample and a layer in one
superscript (`x^{(p,3)}`, `a^{(3,p)}`), a mapped name given a sample (`\\hat y^{(p)}_k` with
names=\\hat y:a^{(3)}), a derivative by one sample's entry of a batch matrix; rows of cases
whose word parts value and condition with no `&`; `\\Delta^\\ell` as the note's δ only with
names=\\Delta:\\delta.  Fixtures are our own formulas in the notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind, Options
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

_BATCH = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid output=identity "
          "loss=mse_half batch=4 reduction=mean samples=p numbering=ufldl loss_symbol=E "
          "names=\\hat{y}:a^{(3)} -->\n\n")
# sample p and layer l in one superscript, either order; a mapped name with a sample
PAIRED = _BATCH + (
    "$$\n\\frac{\\partial (z^{(p,3)})_k}{\\partial (a^{(p,2)})_j} = W_{kj}^{(2)}\n$$\n\n"
    "$$\n\\frac{\\partial E}{\\partial z^{(3,p)}_k} = \\frac{1}{m} (\\hat{y}_k^{(p)} - "
    "y_k^{(p)})\n$$\n\n"
    "$$\n\\frac{\\partial E}{\\partial (a^{(p,2)})_j} = \\frac{1}{m} \\sum_{k=1}^{2} "
    "W^{(2)}_{kj} (\\hat{y}^{(p)}_k - y^{(p)}_k)\n$$\n\n"
    "$$\n\\frac{\\partial E}{\\partial W^{(2)}_{kj}} = \\frac{1}{m} \\sum_{p=1}^{m} "
    "(\\hat{y}^{(p)}_k - y^{(p)}_k) (a^{(p,2)})_j\n$$\n")
# planted errors: the 1/m dropped, the indices of W swapped (W^{(2)} is 2x4: kj vs jk)
PAIRED_WRONG = PAIRED.replace("\\frac{1}{m} (\\hat{y}_k^{(p)}", "(\\hat{y}_k^{(p)}").replace(
    "(a^{(p,2)})_j} = W_{kj}^{(2)}", "(a^{(p,2)})_j} = W_{kj}^{(2)} + W_{kj}^{(2)}")
# a pair with no sample letter in it stays unread (never a sample of anything)
NO_SAMPLE = _BATCH + "$$\n\\frac{\\partial E}{\\partial z^{(q,3)}_k} = 0\n$$\n"

_SOFTMAX = ("<!-- bpcheck-defaults: widths=2,4,3 activation=relu output=softmax "
            "loss=cross_entropy target=onehot layers=H,O loss_symbol=l -->\n\n")
CASES = _SOFTMAX + (
    "$$\n\\frac{\\partial a^{(O)}_i}{\\partial z^{(O)}_j} =\n\\begin{cases}\n"
    " a^{(O)}_i (1 - a^{(O)}_i) \\text{ if } i = j \\\\\n"
    " -a^{(O)}_i a^{(O)}_j \\text{ otherwise.}\n\\end{cases}\n$$\n\n"
    "$$\n\\frac{\\partial a^{(O)}_i}{\\partial z^{(O)}_j} =\n\\begin{cases}\n"
    " a^{(O)}_i (1 + a^{(O)}_i) \\text{ si } i = j \\\\\n"
    " -a^{(O)}_i a^{(O)}_j \\text{ sinon.}\n\\end{cases}\n$$\n")

_DELTA = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid activation_symbol=g "
          "loss=mse_half loss_symbol=C numbering=standard NAMES -->\n\n"
          "$$\n\\Delta_j^\\ell := \\frac{\\partial C}{\\partial z_j^\\ell}\n$$\n\n"
          "$$\n\\Delta^\\ell = \\left[ (W^{\\ell +1})^T \\Delta^{\\ell +1} \\right] "
          "\\odot g'(z^\\ell)\n$$\n")


def _load(tmp_path, body: str):
    note = tmp_path / "n.md"
    note.write_text(body, encoding="utf-8")
    return load_sources([str(note)], None, None)


def _verdicts(tmp_path, body: str) -> list[Kind]:
    sources = _load(tmp_path, body)
    assert not sources.errors, [e.message for e in sources.errors]
    return [check_claim(c, Options(shrink=False, diagnose=False)).kind for c in sources.claims]


def test_sample_and_layer_in_one_superscript_are_read_and_verified(tmp_path):
    assert _verdicts(tmp_path, PAIRED) == [Kind.VERIFIED] * 4


def test_planted_errors_in_sample_layer_superscripts_are_refuted(tmp_path):
    assert _verdicts(tmp_path, PAIRED_WRONG) == [Kind.REFUTED, Kind.REFUTED,
                                                 Kind.VERIFIED, Kind.VERIFIED]


def test_a_pair_without_a_sample_letter_is_not_read_as_a_sample(tmp_path):
    sources = _load(tmp_path, NO_SAMPLE)
    assert not sources.claims and [u.kind for u in sources.unchecked] == ["not understood"]


def test_cases_rows_parted_by_their_word_without_ampersand(tmp_path):
    assert _verdicts(tmp_path, CASES) == [Kind.VERIFIED, Kind.REFUTED]


def test_capital_delta_is_the_error_only_when_the_note_says_so(tmp_path):
    assert _verdicts(tmp_path, _DELTA.replace(" NAMES", " names=\\Delta:\\delta")) == \
        [Kind.VERIFIED] * 2
    unsaid = _load(tmp_path, _DELTA.replace(" NAMES", ""))
    assert not unsaid.claims and [u.kind for u in unsaid.unchecked] == ["not understood"] * 2
    assert all("names=\\Delta:\\delta" in u.reason for u in unsaid.unchecked)


def test_circled_circle_is_the_hadamard_product_when_the_note_declares_it(tmp_path):
    body = _DELTA.replace(" NAMES", " names=\\Delta:\\delta hadamard=\\circledcirc").replace(
        "\\odot", "\\circledcirc")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED] * 2
    wrong = body.replace("g'(z^\\ell)\n", "g(z^\\ell)\n")
    assert _verdicts(tmp_path, wrong) == [Kind.VERIFIED, Kind.REFUTED]
