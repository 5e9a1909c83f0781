"""Fresh-notes round, part n1 (issue 17): the loss of one example written with a subscript
(`loss_symbol=C_0`; `E_n` with `example_index=n`), layout commands that carry no mathematics
(`\\boxed`, `\\colorbox`, `\\large`, `\\checkmark`, `\\xrightarrow`), and a starred name
(`y^*`, `\\vec y^*_n`, `t^*_1`) mapped with `names=` or refused with a hint.  Each fixture is
our own formula in the notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.notes.defaults import note_names
from bpcheck.notes.lexer import texts_of, tokenize
from note_checks import note_verdicts as _verdicts

C0 = ("<!-- bpcheck-defaults: widths=2,3,2 activation=sigmoid loss=mse_sum loss_symbol=C_0 -->\n\n"
      "$$C_0 = \\sum_{j=1}^{n_L}(a_j^{(L)}-y_j)^2$$\n\n"
      "$$\\frac{\\partial C_0}{\\partial a_j^{(L)}} = 2(a_j^{(L)}-y_j)$$\n\n"
      "$$\\frac{\\partial C_{0}}{\\partial b_j^{(L)}} = 2(a_j^{(L)}-y_j) a_j^{(L)}(1-a_j^{(L)})$$\n")
EN = ("<!-- bpcheck-defaults: widths=3,4,2 activation=tanh output=identity loss=mse_half "
      "loss_symbol=E example_index=n -->\n\n"
      "$$E_n = \\frac{1}{2} \\sum_k (a_k^{(2)} - y_k)^2$$\n\n"
      "$$\\frac{\\partial E_n}{\\partial z_k^{(2)}} = a_k^{(2)} - y_k$$\n")
EN_SUM = EN + "\n$$E = \\sum_n E_n$$\n"

BOXED = ("<!-- bpcheck-defaults: widths=2,3,2 activation=sigmoid loss=mse_half -->\n\n"
         "$$\\boxed{\\colorbox{yellow}{$\\frac{\\partial J}{\\partial b^{(2)}} = \\delta^{(2)}$}}$$\n\n"
         "$$\\frac{\\partial J}{\\partial W^{(2)}} = \\boxed{\\delta^{(2)} (a^{(1)})^T}$$\n\n"
         "$$\\large{\\frac{\\partial J}{\\partial z^{(2)}} = (a^{(2)} - y) \\odot a^{(2)} \\odot "
         "(1 - a^{(2)})} \\quad \\checkmark$$\n")

STAR = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half names=y^*:y -->\n\n"
        "$$\\delta_i^{(L)} = \\big(a_i^{(L)} - y_i^*\\big)\\, a_i^{(L)} (1 - a_i^{(L)})$$\n\n"
        "$$\\delta^{(L)} = \\big(a^{(L)} - \\vec{y}^*\\big) \\odot a^{(L)} \\odot (1 - a^{(L)})$$\n\n"
        "$$\\frac{\\partial J}{\\partial a_i^{(L)}} = a_i^{(L)} - y^{*}_i$$\n")


def _readings(tmp_path, body: str) -> list[tuple[str, str]]:
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    found = read_notes(note, Refs({}, {})).found
    return [(r.kind, r.translation or r.reason) for f in found for r in f.readings]


def _wrong(body: str, right: str, wrong: str) -> str:
    assert right in body
    return body.replace(right, wrong)


# ---- 1. the loss of one example ----------------------------------------------------------

def test_loss_symbol_with_a_subscript_is_the_loss(tmp_path):
    assert _verdicts(tmp_path, C0) == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED]
    planted = _wrong(C0, "= 2(a_j^{(L)}-y_j)$$", "= 3(a_j^{(L)}-y_j)$$")
    assert _verdicts(tmp_path, planted)[1] == Kind.REFUTED


def test_per_example_error_with_the_example_index_is_the_loss(tmp_path):
    assert _verdicts(tmp_path, EN) == [Kind.VERIFIED, Kind.VERIFIED]
    planted = _wrong(EN, "= a_k^{(2)} - y_k$$", "= y_k - a_k^{(2)}$$")
    assert _verdicts(tmp_path, planted)[1] == Kind.REFUTED


def test_a_sum_of_per_example_errors_is_not_read_as_copies_of_the_loss(tmp_path):
    kinds = [k for k, _ in _readings(tmp_path, EN_SUM)]
    assert kinds[-1] == "not understood"
    without_index = EN_SUM.replace(" example_index=n", "")
    assert all(k == "not understood" for k, _ in _readings(tmp_path, without_index))


# ---- 2. layout commands -----------------------------------------------------------------

def test_boxes_sizes_and_marks_are_read_through(tmp_path):
    assert _verdicts(tmp_path, BOXED) == [Kind.VERIFIED] * 3
    planted = _wrong(BOXED, "\\boxed{\\delta^{(2)} (a^{(1)})^T}", "\\boxed{(a^{(1)})^T \\delta^{(2)}}")
    assert Kind.VERIFIED not in _verdicts(tmp_path, planted)[1:2]
    planted = _wrong(BOXED, "(1 - a^{(2)})} \\quad", "(1 + a^{(2)})} \\quad")
    assert _verdicts(tmp_path, planted)[2] == Kind.REFUTED


def test_a_box_around_a_member_keeps_its_grouping():
    toks = texts_of(tokenize("a = \\boxed{b + c} d"))
    assert toks == ["a", "=", "{", "b", "+", "c", "}", "d"]
    assert texts_of(tokenize("\\boxed{a = b}")) == ["a", "=", "b"]


def test_labelled_arrow_is_an_arrow():
    assert texts_of(tokenize("w \\xrightarrow{\\times x} z")) == ["w", "\\to", "z"]
    assert texts_of(tokenize("p \\xrightarrow[n]{-\\log} L")) == ["p", "\\to", "L"]


# ---- 3. a starred name ------------------------------------------------------------------

def test_starred_target_mapped_with_names_is_the_target(tmp_path):
    assert note_names("y^*:y") == {"y^*": "y"}
    assert note_names("y^{*}:y") == {"y^*": "y"}
    assert _verdicts(tmp_path, STAR) == [Kind.VERIFIED] * 3
    planted = _wrong(STAR, "= a_i^{(L)} - y^{*}_i$$", "= y^{*}_i - a_i^{(L)}$$")
    assert _verdicts(tmp_path, planted)[2] == Kind.REFUTED


def test_unmapped_star_is_not_understood_never_a_power(tmp_path):
    readings = _readings(tmp_path, STAR.replace(" names=y^*:y", ""))
    assert [k for k, _ in readings] == ["not understood"] * 3
    assert all("names=" in why for _, why in readings)
