"""Constructs of the fresh corpus sample (issue 17, part n3), each on a fixture of our own in
the notation such notes use: TeX's `{a \\over b}`, alignment marks on either side of a relation
(`=&`, `&=`, `&&`, a term broken over rows), and worked numerical examples (`z_1 = x w_1 =
1.0 \\cdot 0.5 = 0.5`: the formula, the example's values put in, and its arithmetic)."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.context import TexContext
from bpcheck.notes.statements import statements
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

NET = "<!-- bpcheck-defaults: widths=2,3,2 activation=sigmoid loss=mse_half loss_symbol=C -->\n\n"
SMALL = ("<!-- bpcheck-defaults: widths=1,1,1 activation=sigmoid loss=mse_half loss_symbol=C bias=false "
         "layer_marks=subscript -->\n\n")


def _write(tmp_path: Path, body: str) -> Path:
    note = tmp_path / "n.md"
    note.write_text(body, encoding="utf-8")
    return note


def _verdicts(tmp_path: Path, body: str) -> list[Kind]:
    sources = load_sources([str(_write(tmp_path, body))], None, None)
    assert not sources.errors, [e.message for e in sources.errors]
    return [check_claim(c, Options(shrink=False, diagnose=False)).kind for c in sources.claims]


def _readings(tmp_path: Path, body: str) -> list[tuple[str, str]]:
    found = read_notes(_write(tmp_path, body)).found
    return [(r.kind, r.translation) for f in found for r in f.readings]


# ---- \over ----------------------------------------------------------------------------------

def test_over_in_a_group_is_a_fraction():
    ctx = TexContext()
    [st] = statements(r"{\partial C \over \partial b^{(2)}} = {1 \over 2} \delta^{(2)}", ctx)
    assert [m.text for m in st.members] == ["diff(C, b[2])", "1 / 2 * delta[2]"]


def test_over_alone_in_an_aligned_cell_divides_the_cell():
    ctx = TexContext()
    tex = r"\begin{aligned} \partial C \over \partial b^{(2)} &= \delta^{(2)} \end{aligned}"
    [st] = statements(tex, ctx)
    assert [m.text for m in st.members] == ["diff(C, b[2])", "delta[2]"]


def test_over_derivatives_are_checked(tmp_path):
    body = NET + ("$$ {\\partial C \\over \\partial b^{(2)}} = \\delta^{(2)} $$\n\n"
                  "$$ {\\partial C \\over \\partial W^{(2)}_{jk}} = \\delta^{(2)}_j a^{(1)}_k $$\n\n"
                  "$$ {\\partial C \\over \\partial b^{(2)}} = {1 \\over 2} \\delta^{(2)} $$\n")
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_two_over_in_one_group_are_not_understood(tmp_path):
    body = NET + "$$ {\\partial C \\over \\partial b^{(2)} \\over 2} = \\delta^{(2)} $$\n"
    assert [k for k, _ in _readings(tmp_path, body)] == ["not understood"]


# ---- alignment marks ------------------------------------------------------------------------

CHAIN = (r"\frac{\partial C}{\partial b^{(2)}} {A} \delta^{(2)} \\ {A} (a^{(2)} - y) \odot "
         r"\sigma'(z^{(2)})")


def test_alignment_marks_on_either_side_of_the_relation(tmp_path):
    for mark in ("=&", "&=", "& =", "= &"):
        tex = "\\begin{aligned}\n" + CHAIN.replace("{A}", mark) + "\n\\end{aligned}"
        assert _verdicts(tmp_path, NET + f"$$\n{tex}\n$$\n") == [Kind.VERIFIED], mark


def test_two_column_pairs_are_two_claims(tmp_path):
    tex = (r"\begin{aligned} \frac{\partial C}{\partial b^{(2)}} &= \delta^{(2)} && "
           r"\frac{\partial C}{\partial W^{(2)}} &= \delta^{(2)} (a^{(1)})^T \end{aligned}")
    assert _verdicts(tmp_path, NET + f"$$\n{tex}\n$$\n") == [Kind.VERIFIED, Kind.VERIFIED]


LOSS_ROWS = (r"\begin{aligned} C =& \frac{1}{2} \Big( (a^{(2)}_1 - y_1)^2 \\ +& "
             r"(a^{(2)}_2 - y_2)^2 \Big) \\ =& {1 \over 2} (a^{(2)}_1 - y_1)^2 \\ +& "
             r"{1 \over 2} (a^{(2)}_2 - y_2)^2 \end{aligned}")


def test_a_term_broken_over_rows_is_one_term(tmp_path):
    ctx = TexContext()
    [st] = statements(LOSS_ROWS, ctx)
    assert len(st.members) == 3 and all(m.text.count("y[") == 2 for m in st.members[1:])
    assert _verdicts(tmp_path, NET + f"$$\n{LOSS_ROWS}\n$$\n") == [Kind.VERIFIED]


# ---- worked numerical examples --------------------------------------------------------------

WORKED = SMALL + (
    "$$ z_1 = x \\cdot w_1 = 2.0 \\cdot 0.25 = {z1} $$\n\n"
    "$$ a_1 = \\sigma(z_1) = \\frac{{1}}{{1 + e^{{-0.5}}}} \\approx {a1} $$\n\n"
    "$$ \\frac{{\\partial C}}{{\\partial w_1}} = \\frac{{\\partial C}}{{\\partial z_1}} "
    "\\cdot x = 0.1 \\cdot 2.0 = 0.2 $$\n\n"
    "$$ w_1 = w_1 - \\eta \\cdot \\frac{{\\partial C}}{{\\partial w_1}} = 0.25 - 0.1 \\cdot 0.2 "
    "= {w1} $$\n")


def test_worked_example_keeps_the_formula_and_checks_the_arithmetic(tmp_path):
    body = WORKED.format(z1="0.5", a1="0.622", w1="0.23")
    kinds = [k for k, _ in _readings(tmp_path, body)]
    assert kinds == ["definition", "skipped", "claim", "definition", "skipped", "claim",
                     "claim", "skipped", "claim", "update", "skipped", "claim"]
    assert set(_verdicts(tmp_path, body)) == {Kind.VERIFIED}


def test_a_wrong_step_of_a_worked_example_is_refuted_at_its_line(tmp_path):
    for wrong, index in ((dict(z1="0.6", a1="0.622", w1="0.23"), 1),
                         (dict(z1="0.5", a1="0.631", w1="0.23"), 3),
                         (dict(z1="0.5", a1="0.622", w1="0.24"), 6)):  # ±0.005, not ±0.05
        verdicts = _verdicts(tmp_path, WORKED.format(**wrong))
        assert verdicts[index] == Kind.REFUTED, wrong
        assert verdicts.count(Kind.REFUTED) == 1, wrong


def test_value_at_the_example_point_is_skipped_only_beside_decimals(tmp_path):
    body = SMALL + "$$ \\frac{da_1}{dz_1} = 1 \\Rightarrow a_1 = \\sigma(0.5) $$\n"
    assert [k for k, _ in _readings(tmp_path, body)] == ["skipped", "skipped"]
    plain = SMALL + "$$ \\frac{\\partial z_1}{\\partial x} = w_1 $$\n"
    assert [k for k, _ in _readings(tmp_path, plain)] == ["claim"]


def test_a_function_word_may_be_capitalised():
    ctx = TexContext()
    [st] = statements(r"a^{(2)} = \text{Sigmoid}(z^{(2)})", ctx)
    assert [m.text for m in st.members] == ["a[2]", "sigmoid(z[2])"]


def test_the_loss_at_the_target_value_the_words_state_is_the_example(tmp_path):
    body = SMALL + ("The target is $y = 0$, so the loss is\n\n$$ C = \\frac{1}{2} (a_2)^2 $$\n\n"
                    "and in general\n\n$$ \\frac{\\partial C}{\\partial a_2} = a_2 - y $$\n")
    assert [k for k, _ in _readings(tmp_path, body)] == ["skipped", "claim"]
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED]
    general = body.replace("The target is $y = 0$, so the loss is", "The loss is")
    assert [k for k, _ in _readings(tmp_path, general)][0] == "definition"
