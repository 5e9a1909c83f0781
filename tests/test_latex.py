"""LaTeX of backprop notes -> formula text (latex.translate / equations) and back."""
from __future__ import annotations

import ast
import random

import pytest

from bpcheck.catalog.formula import parse
from bpcheck.notes.latex import (NETWORK, LatexError, TexContext, context_for, equations,
                                 formula_to_latex, infer_range, translate)
from bpcheck.model import Setting

NET = TexContext(True, NETWORK.names | {"l", "i", "j", "k"})
SCALAR = TexContext(False, frozenset({"u", "y", "z", "x", "w1", "h1", "A", "v", "g", "gprime"}),
                    functions=frozenset({"g"}),
                    sizes=(("z", (3,)), ("x", (2,)), ("v", (2,)), ("A", (2, 2))))


def same(text: str, expected: str) -> bool:
    return _canonical(text) == _canonical(expected)


class _PullMinus(ast.NodeTransformer):
    """(-a) * b and (-a) ⊙ b are -(a * b) and -(a ⊙ b): LaTeX writes both as -a b."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.Mult, ast.Mod)) and isinstance(node.left, ast.UnaryOp) \
                and isinstance(node.left.op, ast.USub):
            return ast.UnaryOp(ast.USub(), self.visit(ast.BinOp(node.left.operand, node.op,
                                                                node.right)))
        return node


def _canonical(text: str) -> str:
    return ast.dump(_PullMinus().visit(ast.parse(text, mode="eval")))


NETWORK_CASES = [
    # \frac, \partial, layer superscripts ^{(l)}, ^{(L)}, ^{(l+1)}
    (r"\frac{\partial J}{\partial W^{(l)}}", "diff(J, W[l])"),
    (r"\frac{\partial J}{\partial z^{(L)}}", "diff(J, z[L])"),
    (r"\dfrac{\partial J}{\partial b^{(l+1)}}", "diff(J, b[l + 1])"),
    (r"\frac{\partial a^{(l)}}{\partial z^{(l)}}", "diff(a[l], z[l])"),
    (r"\partial J / \partial z^{(l)}", "diff(J, z[l])"),
    (r"\frac{\partial}{\partial W^{(1)}} J", "diff(J, W[1])"),
    # \nabla_W
    (r"\nabla_{W^{(l)}} J", "diff(J, W[l])"),
    (r"\nabla_{a^{(L)}} J \odot f'(z^{(L)})", "diff(J, a[L]) % fprime(z[L])"),
    # entries: W^{(l)}_{ij} -> W[l][i, j], a_j^{(l-1)} -> a[l-1][j]
    (r"W^{(l)}_{ij}", "W[l][i, j]"),
    (r"W_{jk}^{(l)}", "W[l][j, k]"),
    (r"W^{(l)}_{j,k+1}", "W[l][j, k + 1]"),
    (r"W^{(2)}_{12}", "W[2][1, 2]"),
    (r"a_j^{(l-1)}", "a[l - 1][j]"),
    (r"\frac{\partial J}{\partial W^{(l)}_{jk}}", "diff(J, W[l][j, k])"),
    (r"w^{l}_{jk} a^{l-1}_k", "W[l][j, k] * a[l - 1][k]"),  # unparenthesised layers
    (r"y_j - \hat{y}_j", "y[j] - yhat[j]"),
    (r"x_j", "a[0][j]"),
    (r"x^{(l)}", "x[l]"),
    (r"n_{l-1} + n^{(l)}", "n[l - 1] + n[l]"),
    # transposes ^T, ^\top, ^{\mathsf T}, ^{(l)T}, {X}^T
    (r"(W^{(l+1)})^T \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"(W^{(l+1)})^\top \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"\left(W^{(l+1)}\right)^{\mathsf T} \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"(W^{(l+1)})^{\mathsf{T}} \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"W^{(l+1)\top} \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"{W^{(l+1)}}^{T} \delta^{(l+1)}", "transpose(W[l + 1]) * delta[l + 1]"),
    (r"\delta^{(l)} (a^{(l-1)})^{\intercal}", "delta[l] * transpose(a[l - 1])"),
    # \odot, \circ, \cdot, precedence: ⊙ binds more loosely than the matrix product
    (r"(W^{(l+1)})^T \delta^{(l+1)} \odot f'(z^{(l)})",
     "transpose(W[l + 1]) * delta[l + 1] % fprime(z[l])"),
    (r"f'(z^{(l)}) \circ (W^{(l+1)})^T \delta^{(l+1)}",
     "fprime(z[l]) % (transpose(W[l + 1]) * delta[l + 1])"),
    (r"a^{(L)} \cdot 2", "a[L] * 2"),
    (r"-(y - a^{(L)}) \odot f'(z^{(L)})", "-((y - a[L]) % fprime(z[L]))"),
    # f'(z), f^\prime, \sigma, \sigma'
    (r"f^\prime(z^{(l)})", "fprime(z[l])"),
    (r"f^{\prime}(z^{(l)})", "fprime(z[l])"),
    (r"\sigma(z^{(l)})", "sigmoid(z[l])"),
    (r"\sigma'(z^{(l)})", "sigmoid(z[l]) % (1 - sigmoid(z[l]))"),
    (r"g'(z^{(l)})", "gprime(z[l])"),
    # \delta: layer error and Kronecker
    (r"\delta^{(l)}", "delta[l]"),
    (r"\delta^{(L)}_j", "delta[L][j]"),
    (r"\boldsymbol{\delta}^{(l+1)}", "delta[l + 1]"),
    (r"\delta_{ij}", "kdelta(i, j)"),
    (r"\delta_{i,j}", "kdelta(i, j)"),
    # indicators
    (r"\mathbb{1}(z^{(l)} > 0)", "step(z[l])"),
    (r"\mathbb{1}_{\{i = j\}}", "kdelta(i, j)"),
    (r"\mathbb{1}\{i = k_t\}", "kdelta(i, kt)"),
    (r"\mathbf{1}[z^{(l)} < 0]", "step(-z[l])" if False else "step(0 - z[l])"),
    (r"\mathbb{1}_{i \neq j}", "1 - kdelta(i, j)"),
    (r"\mathbf{1} - a^{(l)}", "1 - a[l]"),
    # \mathrm{diag}, \left( \right), wrappers
    (r"\mathrm{diag}\left(f'(z^{(l)})\right) (W^{(l+1)})^T \delta^{(l+1)}",
     "diag(fprime(z[l])) * transpose(W[l + 1]) * delta[l + 1]"),
    (r"\operatorname{diag}(\sigma(z^{(l)}))", "diag(sigmoid(z[l]))"),
    (r"\mathbf{W}^{(l)} \mathbf{a}^{(l-1)} + \boldsymbol{b}^{(l)}", "W[l] * a[l - 1] + b[l]"),
    (r"\Big( a^{(L)} - y \Big) \bigl( 1 \bigr)", "(a[L] - y) * 1"),
    # sums with and without limits (range inferred from what the index indexes)
    (r"\sum_{k=1}^{n_{l+1}} W^{(l+1)}_{kj} \delta^{(l+1)}_k",
     "sum(W[l + 1][k, j] * delta[l + 1][k], (k, 1, n[l + 1]))"),
    (r"\sum_k W^{(l+1)}_{kj} \delta^{(l+1)}_k",
     "sum(W[l + 1][k, j] * delta[l + 1][k], (k, 1, n[l + 1]))"),
    (r"\sum_{j} W^{(l)}_{kj} a^{(l-1)}_j", "sum(W[l][k, j] * a[l - 1][j], (j, 1, n[l - 1]))"),
    (r"\sum_i (a^{(L)}_i - y_i)^2 + 1", "sum((a[L][i] - y[i]) ** 2, (i, 1, n[L])) + 1"),
    (r"\sum_{i,j} W^{(l)}_{ij}", "sum(sum(W[l][i, j], (j, 1, n[l - 1])), (i, 1, n[l]))"),
    # norms, fractions, numbers
    (r"\frac{1}{2}\|a^{(L)} - y\|^2", "1 / 2 * sqnorm(a[L] - y)"),
    (r"\frac12 \left\lVert a^{(L)} - y \right\rVert_2^2", "1 / 2 * sqnorm(a[L] - y)"),
    (r"\tfrac{1}{2} \left\| a^{(L)} - y \right\|^{2}", "1 / 2 * sqnorm(a[L] - y)"),
    (r"0.5 \|y\|", "0.5 * sqrt(sqnorm(y))"),
    # the loss under other names
    (r"\frac{\partial \mathcal{L}}{\partial z^{(L)}}", "diff(J, z[L])"),
    (r"\frac{\partial \ell}{\partial z^{(L)}}", "diff(J, z[L])"),
    # unicode as pasted from rendered notes
    (r"δ^{(l)} = 1", None),
    (r"∂J/∂z^{(l)}", "diff(J, z[l])"),
]


@pytest.mark.parametrize("tex, expected", [c for c in NETWORK_CASES if c[1]])
def test_network_constructs(tex: str, expected: str) -> None:
    text = translate(tex, NET)
    assert same(text, expected), text
    parse(text, set(NET.names))  # what comes out is valid formula language


SCALAR_CASES = [
    (r"\sigma(u)", "sigmoid(u)"),
    (r"e^{-u}", "exp(-u)"),
    (r"e^{u^2}", "exp(u ** 2)"),
    (r"\exp(u) + \exp u", "exp(u) + exp(u)"),
    (r"\log u + \ln(1 - u) + \log\sigma(u)", "log(u) + ln(1 - u) + log(sigmoid(u))"),
    (r"\frac{d}{du}\sigma(u)", "diff(sigmoid(u), u)"),
    (r"\frac{\mathrm{d}\,\sigma(u)}{\mathrm{d}u}", "diff(sigmoid(u), u)"),
    (r"\frac{d u}{2}", "d * u / 2"),  # no d in the denominator: a plain fraction
    (r"\tanh^2(u)", "tanh(u) ** 2"),
    (r"\tanh'(u)", "1 - tanh(u) ** 2"),
    (r"\sqrt{u}", "sqrt(u)"),
    (r"\max(0, u)", "max(0, u)"),
    (r"\mathrm{ReLU}(u)", "relu(u)"),
    (r"|u|", "abs(u)"),
    (r"\mathrm{softmax}(z)_i", "softmax(z)[i]"),
    (r"\sum_k e^{z_k}", "sum(exp(z[k]), (k, 1, 3))"),
    (r"\sum_{k=1}^{3} z_k", "sum(z[k], (k, 1, 3))"),
    (r"w_1 h_1", "w1 * h1"),
    (r"g'(u) \cdot g(u)", "gprime(u) * g(u)"),
    (r"A_{12} + A_{2,1}", "A[1, 2] + A[2, 1]"),
    (r"\nabla_x \tfrac{1}{2}\|x\|^2", "diff(1 / 2 * sqnorm(x), x)"),
    (r"\begin{bmatrix} x_1 \\ x_2 \end{bmatrix}", "col(x[1], x[2])"),
    (r"\begin{bmatrix} u & 1 \end{bmatrix}", "row(u, 1)"),
    (r"\begin{bmatrix} A_{11} & A_{12} \\ A_{21} & A_{22} \\ \end{bmatrix}",
     "matrix((A[1, 1], A[1, 2]), (A[2, 1], A[2, 2]))"),
    (r"\begin{pmatrix} u \end{pmatrix}", "u"),
    (r"\delta_{ij} - \mathrm{softmax}(z)_j", "kdelta(i, j) - softmax(z)[j]"),
    (r"2u\,e^{u^2}", "2 * u * exp(u ** 2)"),
]


@pytest.mark.parametrize("tex, expected", SCALAR_CASES)
def test_scalar_constructs(tex: str, expected: str) -> None:
    text = translate(tex, SCALAR)
    assert same(text, expected), text


def test_context_from_a_setting() -> None:
    net = context_for(Setting("n", "network", (("widths", (2, 3)), ("loss_symbol", "E"))))
    assert translate(r"\frac{\partial \mathcal{L}}{\partial a^{(1)}}", net) == "diff(E, a[1])"
    scalar = context_for(Setting("s", "scalar", (("vectors", (("z", 4),)),)), ("i",))
    assert translate(r"\sum_j z_j", scalar) == "sum(z[j], (j, 1, 4))"
    assert "i" in scalar.names


# ---- chains ---------------------------------------------------------------------------

def texts(tex: str, ctx: TexContext = NET) -> list[list[str]]:
    return [[m.text for m in eq] for eq in equations(tex, ctx)]


def test_a_chain_is_split_at_every_equals_sign() -> None:
    tex = r"\delta^{(L)} = \frac{\partial J}{\partial z^{(L)}} = (a^{(L)} - y) \odot f'(z^{(L)})"
    (eq,) = equations(tex, NET)
    assert [m.text for m in eq] == ["delta[L]", "diff(J, z[L])", "(a[L] - y) % fprime(z[L])"]
    assert [m.pos for m in eq] == [0, 15, 53]
    assert eq[1].latex == r"\frac{\partial J}{\partial z^{(L)}}"


def test_align_rows_continue_the_chain_and_remarks_are_cut() -> None:
    tex = ("\\begin{aligned}\n\\delta^{(L)} &= \\nabla_{a^{(L)}} J \\odot f'(z^{(L)}) \\\\\n"
           "  &= (a^{(L)} - y) \\odot f'(z^{(L)}), \\quad \\text{at the output} \\label{e}\n"
           "\\end{aligned}")
    (eq,) = equations(tex, NET)
    assert [m.text for m in eq] == ["delta[L]", "diff(J, a[L]) % fprime(z[L])",
                                    "(a[L] - y) % fprime(z[L])"]
    assert tex[eq[2].pos:].startswith("(a^{(L)}")


def test_rows_with_their_own_left_side_are_separate_equations() -> None:
    tex = r"J &= \frac12 \|a^{(L)} - y\|^2 \\ \frac{\partial J}{\partial b^{(L)}} &= \delta^{(L)} \tag{3}"
    assert texts(tex) == [["J", "1 / 2 * sqnorm(a[L] - y)"], ["diff(J, b[L])", "delta[L]"]]


def test_definitions_and_trailing_punctuation() -> None:
    assert texts(r"\delta^{(l)} := \frac{\partial J}{\partial z^{(l)}}.") == \
        [["delta[l]", "diff(J, z[l])"]]
    assert texts(r"\delta^{(l)} \equiv \frac{\partial J}{\partial z^{(l)}},") == \
        [["delta[l]", "diff(J, z[l])"]]


def test_a_formula_without_equals_sign_is_one_member() -> None:
    assert texts(r"\delta^{(l)} (a^{(l-1)})^\top") == [["delta[l] * transpose(a[l - 1])"]]


# ---- errors name the construct and its place ------------------------------------------------

@pytest.mark.parametrize("tex, construct", [
    (r"a^{(l)} = \int_0^1 f(t)", r"\int"),
    (r"a^{(l)} \approx b^{(l)}", r"\approx"),
    (r"J = a^{(1)}_1 + \dots + a^{(1)}_2 z^{(1)}_2", r"\dots"),  # the terms differ beyond the index
    (r"\frac{\partial^2 J}{\partial z^{(l)2}}", r"\frac"),
    (r"\begin{array}{c} 1 \end{array}", "array"),  # cases are read now (test_latex_constructs)
    (r"\mathbb{R}^n", r"\mathbb"),
    (r"\sum_i \mathbb{1}_{i=j}", r"\sum"),
    (r"z + 1", "z"),  # a network's z needs its layer
    (r"\delta_j", r"\delta"),
    (r"\mathbf{1}^\top a^{(l)}", r"\mathbf"),
    (r"\frac{\partial J}{W^{(l)}}", r"\frac"),
    (r"\sqrt[3]{a^{(l)}}", r"\sqrt"),
])
def test_unsupported_constructs_are_named(tex: str, construct: str) -> None:
    with pytest.raises(LatexError) as info:
        equations(tex, NET)
    assert info.value.construct == construct
    assert tex[info.value.pos:].startswith(construct) or construct in ("array",)


def test_error_position_points_into_the_formula() -> None:
    tex = "J = \\frac12 \\|a^{(L)} - y\\|^2\n  = \\oint a^{(L)}"
    with pytest.raises(LatexError) as info:
        equations(tex, NET)
    assert "\\oint" in str(info.value) and tex[info.value.pos:].startswith(r"\oint")


def test_unbalanced_groups() -> None:
    with pytest.raises(LatexError, match="unclosed"):
        translate(r"\frac{1}{2", NET)
    with pytest.raises(LatexError, match="unclosed"):
        translate(r"\left\| a^{(L)}", NET)


def test_no_code_is_run() -> None:
    for tex in (r"\mathrm{__import__}(os)", r"\operatorname{exec}(a)", r"\text{eval}(1)"):
        with pytest.raises(ValueError):  # LatexError, or text the formula language rejects
            parse(translate(tex, NET), set(NET.names))
    with pytest.raises(ValueError):
        formula_to_latex("__import__('os').system('false')")


# ---- index ranges -----------------------------------------------------------------------------

def test_ranges_follow_numbering_and_orientation() -> None:
    tree = [ast.parse("W[l][j, k] + b[l][j]", mode="eval")]
    assert infer_range(tree, "j", NET) == "n[l]"
    assert infer_range(tree, "k", NET) == "n[l - 1]"
    ufldl = TexContext(True, NET.names, numbering="ufldl")
    assert infer_range(tree, "j", ufldl) == "n[l + 1]"
    assert infer_range(tree, "k", ufldl) == "n[l]"
    in_out = TexContext(True, NET.names, orientation="in_out")
    assert infer_range(tree, "j", in_out) == "n[l - 1]"
    assert infer_range([ast.parse("y[i] + x[2][j]", mode="eval")], "j", NET) == "n[1]"
    assert infer_range([ast.parse("y[i]", mode="eval")], "i", NET) == "n[L]"
    assert infer_range([ast.parse("kdelta(i, j)", mode="eval")], "i", NET) is None


# ---- formula text -> LaTeX ------------------------------------------------------------------

@pytest.mark.parametrize("text, tex", [
    ("fprime(z[l]) % (transpose(W[l+1]) * delta[l+1])",
     r"f'(z^{(l)}) \odot (W^{(l+1)\top}\delta^{(l+1)})"),
    ("diff(J, W[l][i, j])", r"\frac{\partial J}{\partial W^{(l)}_{ij}}"),
    ("delta[l] * transpose(a[l-1])", r"\delta^{(l)}a^{(l-1)\top}"),
    ("-(y - a[L]) ⊙ fprime(z[L])", r"-(y-a^{(L)}) \odot f'(z^{(L)})"),
    ("sigmoid(x)*(1-sigmoid(x))", r"\sigma(x)(1-\sigma(x))"),
    ("softmax(z)[j] * (kdelta(i, j) - softmax(z)[i])",
     r"{\operatorname{softmax}(z)}_{j}(\delta_{ij}-{\operatorname{softmax}(z)}_{i})"),
    ("sum(W[l+1][k, j] * delta[l+1][k], (k, 1, n[l+1])) * 2",
     r"\left( \sum_{k=1}^{n_{l+1}}W^{(l+1)}_{kj}\delta^{(l+1)}_{k} \right) \cdot 2"),
    ("col(x, 2)", "\\begin{pmatrix}\nx \\\\\n2\n\\end{pmatrix}"),
    ("1/2 * sqnorm(a[L] - y)", r"\frac{1}{2}\lVert a^{(L)}-y\rVert^{2}"),
    ("step(z[l]) + exp(-u) + diag(v)", r"\operatorname{step}(z^{(l)})+e^{-u}+\operatorname{diag}(v)"),
    ("a - (b - c)", r"a-(b-c)"),
    ("piecewise((1, u > 0), (0, True))",
     "\\begin{cases}\n1 & u>0 \\\\\n0 & \\text{otherwise}\n\\end{cases}"),
])
def test_formula_to_latex(text: str, tex: str) -> None:
    assert formula_to_latex(text) == tex


@pytest.mark.parametrize("text", [
    "a[l] + (b[l] + z[l])", "a[l] % (b[l] % z[l])", "W[l] * (a[l] * x)",  # right-nested
    "sum(a[l][k], (k, 1, n[l])) * y", "y * diff(a[l] + x, x) * 2",  # bodies end before y, 2
    "sqnorm(sqnorm(a[l]) * y)", "abs(abs(x) - 1)", "transpose(transpose(W[l]))",  # nesting
    "onehot(n[l], i, a[l][j])", "eye(n[l]) - ones(n[l], 1) * transpose(a[l])", "sum(a[l])",
    "E_total + 1",  # notation the reader does not know is written by name
])
def test_formula_to_latex_reads_back(text: str) -> None:
    assert same(translate(formula_to_latex(text), NET), text)


def test_formula_to_latex_for_scalar_settings() -> None:
    assert formula_to_latex("z[i] * w1", layered=frozenset()) == "z_{i}w_{1}"
    scalar = Setting("s", "scalar", (("vectors", (("z", 3),)),))
    assert formula_to_latex("z[i] * a[2]", scalar) == "z_{i}a_{2}"


def _random_tree(r: random.Random, depth: int) -> ast.expr:
    if depth == 0 or r.random() < 0.25:
        leaf = r.choice(["x", "y", "J", "a[l]", "z[l - 1]", "W[l + 1]", "delta[l]", "a[l][j]",
                         "W[l][j, k]", "y[j]", "x[l]", "1", "2", "0.5", "b[L]", "delta[1]"])
        return ast.parse(leaf, mode="eval").body
    k = r.randrange(10)
    sub = lambda: _random_tree(r, depth - 1)  # noqa: E731
    if k < 5:
        return ast.BinOp(sub(), [ast.Add, ast.Sub, ast.Mult, ast.Mod, ast.Div][k](), sub())
    if k == 5:
        return ast.UnaryOp(ast.USub(), sub())
    if k == 6:
        return ast.BinOp(sub(), ast.Pow(), ast.Constant(r.choice([2, 3])))
    if k == 7:
        fn = r.choice(["transpose", "fprime", "sigmoid", "exp", "log", "tanh", "diag",
                       "softmax", "sqnorm", "step", "abs"])
        return ast.Call(ast.Name(fn), [sub()], [])
    if k == 8:
        return ast.Call(ast.Name("diff"), [sub(), ast.parse(r.choice(["W[l]", "x", "z[l][j]"]),
                                                             mode="eval").body], [])
    return ast.Call(ast.Name("sum"), [sub(), ast.parse("(k, 1, n[l])", mode="eval").body], [])


def test_latex_round_trip_gives_back_the_same_formula() -> None:
    """formula -> LaTeX -> formula is the identity on the syntax tree (2000 random formulas)."""
    r = random.Random(1)
    for _ in range(2000):
        text = ast.unparse(_random_tree(r, 4))
        back = translate(formula_to_latex(text), NET)
        assert same(back, text), (text, formula_to_latex(text), back)
