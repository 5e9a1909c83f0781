"""The LaTeX of real notes (issue 17, items 3 and 5): each construct's translation, the
misreads that were silent, and a fuzzer: every formula is translated or a LatexError."""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from bpcheck.notes.latex import (NETWORK, LatexError, TexContext, equations, macros_in,
                                 statements, translate)

NET = TexContext(True, NETWORK.names | {"l", "i", "j", "k", "lam", "eta"})
BATCH = replace(NET, batch=True)
SCALAR = TexContext(False, frozenset({"x", "y", "w", "u"}), sizes=(("w", (2, 3)),))


def texts(tex: str, ctx: TexContext = NET) -> list[list[str]]:
    return [[m.text for m in eq] for eq in equations(tex, ctx)]


def kinds(tex: str, ctx: TexContext = NET) -> list[tuple[str, list[str]]]:
    return [(s.kind, [m.text for m in s.members]) for s in statements(tex, ctx)]


def construct(tex: str, ctx: TexContext = NET) -> str:
    with pytest.raises(LatexError) as info:
        equations(tex, ctx)
    return info.value.construct


# ---- misreads the issue names ---------------------------------------------------------------

def test_capital_batch_matrix_with_a_layer_superscript_is_a_layer() -> None:
    assert texts(r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}", BATCH) == \
        [["z[l]", "W[l] * a[l - 1] + b[l]"]]
    assert texts(r"Z^L = W^L A^{L-1}", BATCH) == [["z[L]", "W[L] * a[L - 1]"]]


def test_capital_with_a_layer_superscript_is_never_silently_a_power() -> None:
    assert construct(r"Z^L = W^L A^{L-1}") == "Z"  # no batch declared: reported
    assert construct(r"h^{[l]} = a^{[l]}") == "h"  # no layered h
    assert construct(r"h^L = a^{(L)}") == "h"


def test_bracket_layers() -> None:
    assert texts(r"z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}") == [["z[l]", "W[l] * a[l - 1] + b[l]"]]


def test_time_step_is_not_a_product() -> None:
    assert construct(r"W^L(t+1) = W^L(t) - \eta g") == "W"
    assert construct(r"W^{(l)}(t) = 0") == "W"


def test_textrm_and_splits_and_drops_nothing() -> None:
    tex = r"a^{(l)} = \sigma(z^{(l)}) \textrm{and} z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}"
    assert texts(tex) == [["a[l]", "sigmoid(z[l])"], ["z[l]", "W[l] * a[l - 1] + b[l]"]]


@pytest.mark.parametrize("sep", [r"\text{and}", r"\text{ and }", r"\textrm{and}", r"\quad",
                                 r"\qquad", ",", ";", r"\\", r"\\\\"])
def test_separators_make_several_equations(sep: str) -> None:
    assert texts(rf"a^{{(1)}} = z^{{(1)}} {sep} a^{{(2)}} = z^{{(2)}}") == \
        [["a[1]", "z[1]"], ["a[2]", "z[2]"]]


@pytest.mark.parametrize("arrow", [r"\rightarrow", r"\to", r"\Rightarrow", r"\implies"])
def test_arrows_split_a_definition_from_what_follows(arrow: str) -> None:
    tex = rf"z^{{(l)}} = W^{{(l)}} a^{{(l-1)}} {arrow} \frac{{\partial z^{{(l)}}}}{{\partial a^{{(l-1)}}}} = W^{{(l)}}"
    assert texts(tex) == [["z[l]", "W[l] * a[l - 1]"], ["diff(z[l], a[l - 1])", "W[l]"]]


# ---- relations that are not equalities ----------------------------------------------------------

@pytest.mark.parametrize("rel", [r"\geq", ">=", r"\le", r"\neq", "≥", "<"])
def test_inequalities_are_reported_not_checked(rel: str) -> None:
    assert kinds(rf"J {rel} 0") == [("inequality", ["J", "0"])]
    assert construct(rf"J {rel} 0") != ""


def test_approx_takes_the_stated_digits_as_tolerance() -> None:
    (st,) = statements(r"\sigma(0) \approx 0.50", NET)
    assert (st.kind, [m.text for m in st.members], st.tolerance) == \
        ("approx", ["sigmoid(0)", "0.5"], 0.005)
    (st,) = statements(r"a^{(1)} \approx b^{(1)}", NET)
    assert st.kind == "approx" and st.tolerance is None and "no stated digits" in st.reason


def test_mixed_chain_keeps_every_link() -> None:
    assert kinds(r"J = \frac{1}{2} a^{(1)} \approx 0.3") == \
        [("equation", ["J", "1 / 2 * a[1]"]), ("approx", ["1 / 2 * a[1]", "0.3"])]


def test_trailing_in_reals_is_a_shape() -> None:
    sts = statements(r"z^{(l)} = W^{(l)} a^{(l-1)} \in \mathbb{R}^{n_l \times 1}", NET)
    assert [(s.kind, [m.text for m in s.members], s.shape) for s in sts] == \
        [("equation", ["z[l]", "W[l] * a[l - 1]"], ()), ("shape", ["W[l] * a[l - 1]"], ("n[l]", "1"))]
    assert construct(r"z^{(l)} \in \mathbb{R}^{n_l}") == r"\in"  # not silently an equation


def test_ranges_and_remarks_are_statements() -> None:
    sts = statements(r"z^{(l)} = W^{(l)} a^{(l-1)}, \qquad l = 1, \dots, L", NET)
    assert [s.kind for s in sts] == ["equation", "range"]
    sts = statements(r"\delta^{(l)}_j = 0 \quad \text{for all } j", NET)
    assert [s.kind for s in sts] == ["equation", "remark"]


# ---- constructs ---------------------------------------------------------------------------

CASES = [
    (r"\frac{\partial J}{\partial W^{(l)}} = \textrm{prod}\left(\frac{\partial J}{\partial z^{(l)}}, (a^{(l-1)})^T\right)",
     NET, [["diff(J, W[l])", "diff(J, z[l]) * transpose(a[l - 1])"]]),
    (r"J(W, b) = l(\mathbf{y}, \hat{\mathbf{y}})", NET, [["J", "J"]]),
    (r"L(x^i, y^i, w)", NET, [["J"]]),
    (r"\sum W^{(l)}_{jk} a^{(l-1)}_k", NET,
     [["sum(W[l][j, k] * a[l - 1][k], (k, 1, n[l - 1]))"]]),
    (r"\sum_k W^{(l)}_{jk} a^{(l-1)}_k", NET,
     [["sum(W[l][j, k] * a[l - 1][k], (k, 1, n[l - 1]))"]]),
    (r"\lVert W^{(l)} \rVert_F^2", NET, [["sqnorm(W[l])"]]),
    (r"\frac{\lambda}{2}\|W^{(l)}\|_F^2", NET, [["lam / 2 * sqnorm(W[l])"]]),
    (r"\operatorname*{ReLU}(z^{(l)})", NET, [["relu(z[l])"]]),
    (r"u = \begin{cases} x & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}", SCALAR,
     [["u", "piecewise((x, x > 0), (0, True))"]]),
    (r"\underbrace{W^{(l)} a^{(l-1)}}_{\text{linear}} + b^{(l)}", NET,
     [["W[l] * a[l - 1] + b[l]"]]),
    (r"\frac{dy}{dx}", SCALAR, [["diff(y, x)"]]),
    (r"\frac{d\sigma(x)}{dx} = \sigma(x)(1-\sigma(x))", SCALAR,
     [["diff(sigmoid(x), x)", "sigmoid(x) * (1 - sigmoid(x))"]]),
    (r"\left.\frac{d\sigma(x)}{dx}\right|_{x=u}", SCALAR, [["subs(diff(sigmoid(x), x), x, u)"]]),
    (r"a^{(l)} = \sigma(z^{(l)}) \tag{3} \label{eq:a} \nonumber", NET, [["a[l]", "sigmoid(z[l])"]]),
    (r"a^{(l)} = \sigma(z^{(l)}) \tag*{(3)}", NET, [["a[l]", "sigmoid(z[l])"]]),
    (r"ŷ = σ(z^{(L)})", NET, [["yhat", "sigmoid(z[L])"]]),
    ("y\u0302_j - y_j", NET, [["yhat[j] - y[j]"]]),
    (r"δ^{(L)} = a^{(L)} - y", NET, [["delta[L]", "a[L] - y"]]),
    (r"\eta \lambda", NET, [["eta * lam"]]),
    (r"W\_{jk}^{(l)}", NET, [["W[l][j, k]"]]),  # Jekyll's escaped underscore
]


@pytest.mark.parametrize("tex, ctx, expected", CASES)
def test_constructs_translate(tex: str, ctx: TexContext, expected: list[list[str]]) -> None:
    assert texts(tex, ctx) == expected


def test_macros_the_note_defines_are_expanded() -> None:
    note = (r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}} \def\vz{\mathbf{z}} "
            r"\gdef\act#1{\sigma(#1)} \renewcommand{\lay}[1][l]{^{(#1)}} "
            r"\DeclareMathOperator{\relu}{ReLU}")
    ctx = replace(NET, macros=tuple(macros_in(note).items()))
    assert texts(r"\pd{J}{\vz\lay} = \act{z\lay[L]} + \relu(z\lay)", ctx) == \
        [["diff(J, z[l])", "sigmoid(z[L]) + relu(z[l])"]]
    assert texts(r"\newcommand{\e}{a^{(1)}} \e = \e") == [["a[1]", "a[1]"]]


def test_a_macro_that_calls_itself_is_an_error() -> None:
    assert construct(r"\def\x{\x + 1} \x = 0") == r"\x"


@pytest.mark.parametrize("tex, construct_", [
    (r"\nabla C = 0", r"\nabla"),
    (r"P(y \mid x) = \hat{y}", r"\mid"),
    (r"\sum a^{(l)}_j b^{(l)}_k", r"\sum"),  # two free indices: which one?
])
def test_reported_with_the_construct(tex: str, construct_: str) -> None:
    assert construct(tex) == construct_


# ---- never a crash --------------------------------------------------------------------------

_ATOMS = [r"W^{(l)}", r"a^{[l-1]}", r"z_j^{(L)}", r"\delta^{(l+1)}", r"\hat{y}", "y_j", "x_k",
          r"\sigma(z^{(l)})", r"f'(z^{(l)})", r"(W^{(l+1)})^T", r"\frac{\partial J}{\partial z^{(l)}}",
          r"\sum_k", r"\sum", r"\odot", r"\cdot", "+", "-", "=", ",", r"\quad", r"\text{and}",
          r"\approx 0.5", r"\geq", r"\in \mathbb{R}^{n}", r"\to", r"\\", "&", "(", ")", "{", "}",
          "^", "_", r"\left(", r"\right)", r"\right|_{x=1}", r"\mid", r"\lVert", r"\rVert_F",
          r"\begin{cases}", r"\end{cases}", r"\textrm{prod}(", r"\underbrace{", "}_{x}",
          r"\newcommand{\q}[1]{#1 #1}", r"\q{a}", r"\def", "#1", r"\frac", r"\partial", "ŷ", "δ",
          r"\operatorname*{ReLU}", r"\tag{1}", r"\begin{bmatrix}", r"\end{bmatrix}", "Z^L", "A^{[l]}",
          "(t+1)", r"\nabla_{W^{(l)}}", r"\lambda", "J(W, b)", "0.25", "12", r"\dots", "'", r"\prime"]


def _soups(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 9))) for _ in range(n)]


@pytest.mark.parametrize("ctx", [NET, BATCH, SCALAR])
def test_fuzz_translated_or_latex_error(ctx: TexContext) -> None:
    for tex in _soups(1500, seed=17):
        try:
            for st in statements(tex, ctx):
                assert st.error is not None or st.kind in ("range", "remark") or st.members
            equations(tex, ctx)
            translate(tex, ctx)
        except LatexError:
            pass


def test_derivative_by_an_entry_the_formula_does_not_depend_on(tmp_path: Path) -> None:
    """∂z_i/∂w_ij with z independent of w raised ValueError in the finite differences."""
    from bpcheck.decide.claim import verify_claim
    from bpcheck.model import Kind
    from bpcheck.notes.readmany import load_notes
    note = tmp_path / "n.md"
    note.write_text("<!-- bpcheck-defaults: kind=scalar vectors=z:2,x:3 matrices=w:2x3 -->\n\n"
                    "<!-- bpcheck: -->\n$$\n\\frac{\\partial z_i}{\\partial w_{ij}} = x_j\n$$\n",
                    encoding="utf-8")
    (claim,) = load_notes([note]).claims
    assert verify_claim(claim).kind == Kind.REFUTED  # ∂z_i/∂w_ij is 0 here, not x_j


@pytest.mark.parametrize("tex", ["(" * 400 + "a^{(1)}" + ")" * 400, "{" * 400 + "J" + "}" * 400,
                                 r"\frac{" * 200 + "1" + "}{2}" * 200, "-" * 2000 + "J"])
def test_deep_nesting_is_a_latex_error(tex: str) -> None:
    with pytest.raises(LatexError):
        equations(tex, NET)


def test_an_empty_text_is_a_space_not_a_remark_that_drops_the_rest():
    found = statements(r"W^{[l]} = W^{[l]} - \alpha \text{ } b^{[l]}", NET)
    assert [st.kind for st in found] == ["equation"]
    assert found[0].error is None and found[0].members[-1].text == "W[l] - alpha * b[l]"
