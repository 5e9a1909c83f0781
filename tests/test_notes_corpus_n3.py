"""Constructs of real notes (issue 17, part n3), each on a fixture of our own in the
notation such notes use: names with word subscripts, a batch of rows indexed by sample, a
scalar section of a row-vector note, the Leibniz chain rule through a function's name."""
from __future__ import annotations

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.defaults import note_names
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

ROWS = ("<!-- bpcheck-defaults: widths=1,1 activation=identity loss=mse_half reduction=mean "
        "batch=3 row_vectors=true orientation=in_out samples=n unmarked=1 loss_symbol=E "
        r"names=Y_{\text{out}}:A^{[1]},Y_{\text{target}}:Y,y_{\text{out}}:a,y_{\text{target}}:y"
        " -->\n\n")
SCALAR = (r"$$\frac{\partial E}{\partial w} = \frac{\partial E}{\partial y_{\text{out}}} \cdot "
          r"\frac{\partial y_{\text{out}}}{\partial w} = (y_{\text{out}} - y_{\text{target}}) x$$")
BATCH_W = r"$$\frac{\partial E}{\partial W} = \frac{1}{m} X^T (Y_{\text{out}} - Y_{\text{target}})$$"
BATCH_B = (r"$$\frac{\partial E}{\partial b} = \frac{1}{m} \sum_{n=1}^{m} "
           r"(y_{\text{out}}^{(n)} - y_{\text{target}}^{(n)})$$")


def _verdicts(tmp_path, body: str) -> list[Kind]:
    note = tmp_path / "n.md"
    note.write_text(body, encoding="utf-8")
    claims = load_sources([str(note)], None, None).claims
    return [check_claim(c, Options(shrink=False, diagnose=False)).kind for c in claims]


def _readings(tmp_path, body: str):
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    return [r for f in read_notes(note).found for r in f.readings]


def test_names_take_a_word_subscript():
    names = note_names(r"Y_{\text{pred}}:A,a_{\rm in}:a^{[0]},d_{\mathrm{out}}:n_2,y:a")
    assert names == {r"Y_{\text{pred}}": "A", r"a_{\rm in}": "a^{[0]}",
                     r"d_{\mathrm{out}}": "n_2", "y": "a"}
    assert note_names(r"Y_{\text{pred} x}:A") is None  # a word and more: not a name


def test_word_subscripted_names_read_in_a_batch_of_rows(tmp_path):
    assert _verdicts(tmp_path, ROWS + BATCH_W + "\n\n" + BATCH_B + "\n") == \
        [Kind.VERIFIED, Kind.VERIFIED]


def test_planted_errors_in_the_batch_of_rows_are_refuted(tmp_path):
    wrong_w = BATCH_W.replace(r"\frac{1}{m}", r"\frac{2}{m}")
    wrong_b = BATCH_B.replace(r"y_{\text{out}}^{(n)} - y_{\text{target}}^{(n)}",
                              r"y_{\text{target}}^{(n)} - y_{\text{out}}^{(n)}")
    assert _verdicts(tmp_path, ROWS + wrong_w + "\n\n" + wrong_b + "\n") == \
        [Kind.REFUTED, Kind.REFUTED]


def test_a_sample_of_a_wide_batch_of_rows_is_its_row(tmp_path):
    head = ("<!-- bpcheck-defaults: widths=3,2 activation=identity loss=mse_half reduction=mean "
            "batch=4 row_vectors=true orientation=in_out samples=n -->\n\n")
    right = (r"$$\frac{\partial J}{\partial b^{[1]}} = \frac{1}{m} \sum_{n=1}^{m} "
             r"(a^{[1](n)} - y^{(n)})$$")
    wrong = right.replace(r"\frac{1}{m}", "")
    assert _verdicts(tmp_path, head + right + "\n\n" + wrong + "\n") == \
        [Kind.VERIFIED, Kind.REFUTED]


def test_a_scalar_section_of_a_row_note_is_checked_not_a_tensor(tmp_path):
    wrong = SCALAR.replace("y_{\\text{out}} - y_{\\text{target}}) x",
                           "y_{\\text{out}} + y_{\\text{target}}) x")
    assert _verdicts(tmp_path, ROWS + SCALAR + "\n\n" + wrong + "\n") == \
        [Kind.VERIFIED, Kind.REFUTED]


def test_a_vector_derivative_by_a_matrix_stays_a_tensor(tmp_path):
    head = ("<!-- bpcheck-defaults: widths=3,2 activation=identity loss=mse_half "
            "row_vectors=true orientation=in_out unmarked=1 -->\n\n")
    body = r"$$\frac{\partial J}{\partial W} = \frac{\partial J}{\partial a} \frac{\partial a}{\partial W}$$" + "\n"
    [r] = _readings(tmp_path, head + body)
    assert r.kind == "skipped" and "tensor" in r.reason


def test_the_chain_rule_through_a_function_name_is_generic(tmp_path):
    body = ROWS + "For $u = f(g(t))$:\n\n" + \
        r"$$\frac{dz}{dt} = \frac{dz}{dg} \cdot \frac{dg}{dt}$$" + "\n"
    [r] = _readings(tmp_path, body)
    assert r.kind == "skipped"


def test_a_chain_rule_of_the_loss_or_the_networks_letters_is_no_generic_skip(tmp_path):
    by_loss = r"$$\frac{dE}{dt} = \frac{dE}{dg} \cdot \frac{dg}{dt}$$" + "\n"
    by_network = r"$$\frac{dz}{dx} = \frac{dz}{da} \cdot \frac{da}{dx}$$" + "\n"
    for body in (by_loss, by_network):
        assert all(r.kind != "skipped" or "generic" not in r.reason
                   for r in _readings(tmp_path, ROWS + body))


INOUT = ("<!-- bpcheck-defaults: widths=3,4,2 activation=tanh loss=mse_half "
         "numbering={numbering} orientation={orientation} -->\n\n")
WORDS = r"$$\frac{\partial J}{\partial w} = a_{\text{in}} \, \delta_{\mathrm{out}}$$" + "\n"


def test_a_weights_ends_in_words_are_the_component_form(tmp_path):
    for numbering in ("standard", "ufldl"):
        for orientation in ("out_in", "in_out"):
            head = INOUT.format(numbering=numbering, orientation=orientation)
            swapped = WORDS.replace(r"\text{in}", r"\text{OUT}").replace(
                r"\mathrm{out}", r"\mathrm{in}").replace("OUT", "out")
            assert _verdicts(tmp_path, head + WORDS + "\n" + swapped) == \
                [Kind.VERIFIED, Kind.REFUTED], (numbering, orientation)
            assert _verdicts(tmp_path, head + WORDS.replace(r"\, ", "2 ")) == [Kind.REFUTED]


def test_in_out_words_beside_other_indices_are_left_as_written(tmp_path):
    head = INOUT.format(numbering="standard", orientation="out_in")
    body = r"$$\frac{\partial J}{\partial w} = \sum_k a_{\rm in} \delta_{\rm out}$$" + "\n"
    [r] = _readings(tmp_path, head + body)
    assert r.kind == "not understood"


def test_rows_of_pseudo_code_with_brackets_in_words_stay_rows(tmp_path):
    head = "<!-- bpcheck-defaults: widths=2,1 activation=identity loss=mse_half unmarked=1 -->\n\n"
    body = ("$$\\begin{array}{l}\n\\text{1) repeat } k \\text{ times (epochs):} \\\\\n"
            "\\quad \\text{a) forward [one sample]} \\\\\n"
            "\\quad W_{\\text{new}} = W_{\\text{old}} - \\eta \\frac{\\partial J}{\\partial W_{\\text{old}}}"
            "\n\\end{array}$$\n")
    kinds = [r.kind for r in _readings(tmp_path, head + body)]
    assert kinds == ["skipped", "skipped", "update"]
