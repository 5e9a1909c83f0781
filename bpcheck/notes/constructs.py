"""More notation of real notes: `cases`, `\\underbrace`, d2l's `\\textrm{prod}`, evaluation
bars `\\left. ... \\right|_{x=a}`, `\\sum` with no index, a loss written with its
arguments (`J(W, b)`, `l(\\mathbf{y}, \\hat{\\mathbf{y}})`), and the hints for what stays
outside the language (`\\mid`, a time step `W(t+1)`).
"""
from __future__ import annotations

import ast
import re
from typing import Any

from . import casesrow, samplescripts, series
from ..catalog.formula import FUNCTIONS
from .lexer import LatexError, Tok, match_group, nesting, split_top, texts_of
from .tree import binop, call, subscript

Parser = Any  # notes.parser.Parser, which imports this module

_COMPARE = {"<": ast.Lt, ">": ast.Gt, r"\le": ast.LtE, r"\leq": ast.LtE, r"\ge": ast.GtE,
            r"\geq": ast.GtE, "=": ast.Eq, r"\neq": ast.NotEq, r"\ne": ast.NotEq}
_OTHERWISE = {"otherwise", "else", "sonst", "sinon"}
LOSS_NAMES = {"J", "C", "E", "L", "l", "ell"}


def cases(p: Parser, tok: Tok) -> ast.expr:
    """`\\begin{cases} v_1 & c_1 \\\\ v_2 & \\text{otherwise} \\end{cases}` -> piecewise."""
    j, depth = p.i, 0
    while j < len(p.t):
        depth += (p.t[j].kind == "begin") - (p.t[j].kind == "end")
        if depth < 0:
            break
        j += 1
    if j == len(p.t):
        raise p.fail("unclosed \\begin{cases}", tok)
    rows = [r for r in split_top(p.t[p.i:j], "\\\\") if r]
    p.i = j + 1
    pieces = []
    for row in rows:
        cells = casesrow.split_row(split_top(row, "&"))  # `v \text{ if } c`: no `&`
        if len(cells) == 2 and cells[0] and cells[0][-1].text == ",":
            cells[0] = cells[0][:-1]  # `1, & z > 0`: the comma ends the value
        if len(cells) != 2 or not cells[0]:
            raise p.fail("each row of cases needs a value & a condition", row[0])
        pieces.append(ast.Tuple([p.sub(cells[0], tok), _condition(p, cells[1], tok)], ast.Load()))
    if not pieces:
        raise p.fail("empty cases", tok)
    return p.scripts_value(call("piecewise", *pieces))


def _condition(p: Parser, toks: list[Tok], tok: Tok) -> ast.expr:
    toks = _drop_words(toks)
    while toks and toks[-1].text in (".", ","):
        toks = toks[:-1]  # the sentence's punctuation after the last condition
    if not toks or [t.lower() for t in texts_of(toks)] in ([w] for w in _OTHERWISE):
        return ast.Constant(True)
    rel = [k for k, t in enumerate(toks) if t.text in _COMPARE and _depth(toks, k) == 0]
    if len(rel) != 1:
        raise p.fail("a condition of cases must be one comparison such as z > 0, or "
                     "\\text{otherwise}", toks[0])
    k = rel[0]
    return ast.Compare(p.sub(toks[:k], tok), [_COMPARE[toks[k].text]()], [p.sub(toks[k + 1:], tok)])


def _drop_words(toks: list[Tok]) -> list[Tok]:
    """`\\text{if } z > 0`, `\\text{if } z > 0,`: the words if/for/when and commas go;
    `\\text{otherwise}` stays as one word token."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in (r"\text", r"\textrm", r"\mbox", r"\mathrm") and i + 1 < len(toks) \
                and toks[i + 1].text == "{":
            close = match_group(toks, i + 1)
            word = "".join(texts_of(toks[i + 2:close])).strip().lower().rstrip(".,")
            if word in _OTHERWISE:
                out.append(Tok("let", word, t.pos, toks[close].end))
            elif word not in ("if", "for", "when", "falls", "si", ""):
                raise LatexError(f"cannot read the condition \\text{{{word}}}", t.pos, t.text)
            i = close + 1
            continue
        if t.text not in (",", r"\quad", r"\qquad", "."):
            out.append(t)
        i += 1
    return out


def _depth(toks: list[Tok], k: int) -> int:
    return sum(nesting(t) for t in toks[:k])


def underbrace(p: Parser, tok: Tok) -> ast.expr:
    """`\\underbrace{body}_{label}`: the body; the label is a caption."""
    body = p.arg()
    if p.at("_", "^"):
        p.i += 1
        p.arg()
    return p.scripts_value(p.sub(body, tok))


def product_operator(p: Parser, tok: Tok) -> ast.expr:
    """d2l's `\\textrm{prod}(A, B)`: the product of its arguments, in the order written."""
    if not p.at("(", "["):
        raise p.fail("prod needs its arguments in parentheses: \\textrm{prod}(A, B)", tok)
    args = p.call_args(tok)
    value = args[0]
    for arg in args[1:]:
        value = binop(value, ast.Mult(), arg)
    return p.scripts_value(value)


def evaluation_bar(p: Parser, value: ast.expr, tok: Tok) -> ast.expr:
    """`F \\right|_{x = a}` -> subs(F, x, a)."""
    if not p.at("_"):
        raise p.fail("an evaluation bar needs the point below it: \\right|_{x=a}", tok)
    p.i += 1
    at = p.arg()
    eq = [k for k, t in enumerate(at) if t.text == "=" and _depth(at, k) == 0]
    if len(eq) != 1:
        raise p.fail("an evaluation bar needs one point, e.g. \\right|_{x=a}", tok)
    return call("subs", value, p.sub(at[:eq[0]], tok), p.sub(at[eq[0] + 1:], tok))


def free_index(p: Parser, body: ast.expr, tok: Tok) -> str:
    """The index a `\\sum` with none written runs over: the one entry index of its body
    (or the one written twice, as in W_{jk} a_k)."""
    counts: dict[str, int] = {}
    for node in ast.walk(body):
        if isinstance(node, ast.Subscript) and _is_entry(node, p):
            idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for e in idx:
                if isinstance(e, ast.Name) and len(e.id) == 1:
                    counts[e.id] = counts.get(e.id, 0) + 1
    repeated = [v for v, n in counts.items() if n > 1]
    found = repeated if repeated else list(counts)
    if len(found) != 1:
        raise p.fail("\\sum with no index: cannot tell which index it runs over; "
                     "write \\sum_k", tok)
    return found[0]


def _is_entry(node: ast.Subscript, p: Parser) -> bool:
    if p.ctx.network:
        return isinstance(node.value, ast.Subscript) or (
            isinstance(node.value, ast.Name) and node.value.id in ("y", "yhat", "a"))
    return isinstance(node.value, ast.Name)


def loss_arguments(p: Parser, tok: Tok) -> bool:
    """Skip `(W, b)` after a loss symbol (what it depends on, not a product): True if read.
    Each argument must still read as a formula, so none is silently ignored."""
    if not p.at("("):
        return False
    close = match_group(p.t, p.i)
    inner = p.t[p.i + 1:close]
    if len(split_top(inner, ",")) < 2 and not _one_name(inner):
        return False  # L(a - y): a product; L(a), J(\theta): what the loss depends on
    for t in p.t[p.i + 1:close]:
        if not (t.kind in ("let", "num") or t.text in _NAME_PARTS or t.text[1:].isalpha()
                and t.text not in _OPERATORS):
            raise p.fail(f"{tok.text}(...): the arguments of a loss must be the quantities it "
                         f"depends on, not {t.text}", t)
    p.i = close + 1
    return True


def _one_name(toks: list[Tok]) -> bool:
    """`a`, `\\theta`, `a^{[L]}`, `\\hat{y}`: one quantity's name, with its scripts."""
    return bool(toks) and (toks[0].kind == "let" or toks[0].text[1:].isalpha()) and all(
        t.kind in ("let", "num") or t.text in _NAME_PARTS - {","}
        or t.text in (r"\hat", r"\mathbf", r"\boldsymbol", r"\bm")
        for t in toks[1:]) and toks[0].text not in _OPERATORS


_NAME_PARTS = {",", "{", "}", "_", "^", "(", ")", "[", "]", "'", r"\top"}
_OPERATORS = {r"\frac", r"\cdot", r"\odot", r"\circ", r"\sum", r"\partial", r"\nabla", r"\times",
              r"\sqrt", r"\exp", r"\log", r"\sigma"}


def time_step(p: Parser, tok: Tok) -> None:
    """`W(t+1)`, `W^{[l]}(t)`: a quantity at a training step, not a product (raises)."""
    if not p.at("(") or "t" in p.ctx.names:
        return
    inner = p.t[p.i + 1:match_group(p.t, p.i)]
    texts = texts_of(inner)
    if "t" in texts and all(t in ("t", "+", "-") or t.isdigit() for t in texts):
        raise p.fail(f"{tok.text}(...{''.join(texts)}...): a value at training step "
                     f"{''.join(texts)}, not a product; an update rule is not a claim", tok)


# ---- conventions stated in the defaults line ---------------------------------------------------

_GRADIENT_OF = {"W", "w", "b", "z", "a", "Z", "A"}


def is_gradient_name(p: Parser, tok: Tok) -> bool:
    """`dW`, `db`, `dZ` written as one word (no space): a gradient name, or d times W."""
    nxt = p.peek()
    return nxt is not None and nxt.kind == "let" and nxt.text in _GRADIENT_OF \
        and nxt.pos == tok.end and "d" not in p.ctx.names


def gradient_name(p: Parser, tok: Tok) -> ast.expr:
    """`dW^{[l]}` -> diff(J, W[l]) when the defaults say gradient_prefix=d; never d * W.
    In a batch whose J is the mean over the N samples (reduction=mean), dZ and dA are the
    per-example gradients stacked, N·∂J/∂Z (so that dW = (1/N) dZ A^T), as in the course
    notes that write them."""
    nxt = p.next()
    if p.ctx.gradient_prefix != "d":
        raise p.fail(f"d{nxt.text}: if it names the gradient ∂{p.ctx.loss}/∂{nxt.text}, give "
                     f"gradient_prefix=d in the defaults; a product is written d \\cdot {nxt.text}",
                     tok)
    value = p.symbol(nxt.text, nxt)
    transposed = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
        and value.func.id == "transpose"
    inner = value.args[0] if transposed else value
    sample = None
    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) \
            and inner.func.id == "column":  # dZ^{[l](i)}: sample i of the gradient
        inner, sample = inner.args
    if not isinstance(inner, ast.Subscript):
        raise p.fail(f"d{nxt.text}: a gradient name needs a layer's quantity, e.g. "
                     f"d{nxt.text}^{{[l]}}", tok)
    grad = call("diff", ast.Name(p.ctx.loss, ast.Load()), inner)
    if p.ctx.per_example and _base_name(inner) in ("z", "a"):
        grad = binop(ast.Constant(p.ctx.per_example), ast.Mult(), grad)
    if sample is not None:
        grad = call("column", grad, sample)
    return call("transpose", grad) if transposed else grad


def batch_symbol(p: Parser, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                 tok: Tok) -> ast.expr | None:
    """In a batch: `m` (or N, batch_symbol=) is its size, and `y^{(i)}`, `a^{[L](i)}` with a
    sample letter (samples=i) are sample i, a column of the batch matrix; else None."""
    if not p.ctx.network:
        return None
    if name in p.ctx.batch_symbols and sub is None and name not in p.ctx.names:
        return p.power(ast.Constant(p.ctx.batch_size), sup)
    if name in ("X", "Y") and name not in p.ctx.names and sub is None:
        return p.power(ast.Name(name.lower(), ast.Load()), sup)  # the batch's inputs, targets
    if name in ("Z", "A") and p.ctx.unmarked and name not in p.ctx.names and sub is None and (
            sup is None or {t for t in texts_of(sup) if t not in ("{", "}")} <= _TRANSPOSES):
        # bare Z, A (or A^T): the batch matrices of the layer that bare names mean (A_{ik}
        # with indices may be a note's own matrix)
        return p.net_symbol(name.lower(), None, sup, tok)
    if p.ctx.samples and sup is not None:
        sup, sample = sample_superscript(p, sup)
        if sample is not None:
            value = call("column", p.net_symbol(name, None, sup, tok), sample)
            return subscript(value, p.indices(sub, 1)) if sub is not None else value
    return None


_TRANSPOSES = {"T", r"\top", r"\intercal", r"\mathsf", r"\mathrm", r"\rm"}


def sample_superscript(p: Parser, sup: list[Tok]) -> tuple[list[Tok] | None, ast.expr | None]:
    """`(i)` at the end of a superscript, with i one of the note's sample letters
    (samples=i): (what remains of the superscript, the sample index); else (sup, None)."""
    sup = samplescripts.layer_then_sample(p, sup) or sup  # x^{(p,3)}: layer 3 of sample p
    texts = texts_of(sup)
    if len(texts) >= 3 and texts[-3] == "(" and texts[-1] == ")" and texts[-2] in p.ctx.samples:
        rest = sup[:-3]
        return (rest or None), ast.Name(texts[-2], ast.Load())
    return sup, None

def _base_name(node: ast.expr) -> str:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def unsuperscripted_layer(p: Parser, sub: list[Tok] | None) -> tuple[ast.expr | None,
                                                                      list[Tok] | None]:
    """(layer, entry subscript) of a layered name with no layer superscript: the layer in
    the subscript (layer_marks=subscript: W_h, z_{o,j}), else the layer bare names mean
    (unmarked=...), else None."""
    if p.ctx.layer_marks == "subscript" and sub:
        comma = next((k for k, t in enumerate(sub) if t.text == "," and _depth(sub, k) == 0),
                     len(sub))
        first = sub[:comma]
        if _is_layer(p, first):
            return p.layer_value(first, first[0]), sub[comma + 1:] or None
    if p.ctx.unmarked:
        text = p.ctx.unmarked
        layer = ast.Constant(int(text)) if text.isdigit() else ast.Name(text, ast.Load())
        return layer, sub
    return None, sub


def layer_in_subscript(p: Parser, sub: list[Tok] | None) -> bool:
    """Whether `\\delta` with no superscript is a layer's δ (its layer in the subscript, or
    the unmarked layer with at most one entry index), not Kronecker's δ_{ij}."""
    if p.ctx.layer_marks == "subscript" and sub and _is_layer(p, split_top(sub, ",")[0]):
        return True
    return bool(p.ctx.unmarked) and (sub is None or len(sub) == 1)


def _is_layer(p: Parser, toks: list[Tok]) -> bool:
    letters = p.layer_letters()
    return bool(toks) and (set(texts_of(toks)) & letters or len(toks) == 1
                           and toks[0].kind == "num") \
        and all(t.text in letters | {"+", "-"} or t.kind == "num" for t in toks)


def layer_activation(p: Parser, fn: str, sup: list[Tok], tok: Tok) -> None:
    """`f^{(l)}`, `\\sigma^{[l]}`: layer l's activation, which is the function itself when
    every layer has the same one (the superscript is dropped); otherwise an error."""
    if fn in ("f", "g") and p.ctx.activation or fn == p.ctx.activation:
        return None
    if fn in ("f", "g"):
        return None  # each layer's own: split per layer by its argument (notes.perlayer)
    raise p.fail(f"{tok.text}^{{{''.join(texts_of(sup))}}}: a layer's activation, but the "
                 "setting's layers do not all have this one (not a power)", tok)


# ---- products and primes -------------------------------------------------------------------

def closes_with_outer(node: ast.expr) -> bool:
    """`f'(z) a^T`: a product whose last factor is a transposed activation or input."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)):
        return False
    last = node.right
    if not (isinstance(last, ast.Call) and isinstance(last.func, ast.Name)
            and last.func.id == "transpose" and len(last.args) == 1):
        return False
    inner = last.args[0]
    base = inner.value if isinstance(inner, ast.Subscript) else inner
    return isinstance(base, ast.Name) and base.id in ("a", "x")


def _sigma_prime(u: ast.expr) -> ast.expr:
    return binop(call("sigmoid", u), ast.Mod(), binop(ast.Constant(1), ast.Sub(), call("sigmoid", u)))


def _tanh_prime(u: ast.expr) -> ast.expr:
    return binop(ast.Constant(1), ast.Sub(), binop(call("tanh", u), ast.Pow(), ast.Constant(2)))


PRIMES: dict[str, Any] = {
    "sigmoid": _sigma_prime, "tanh": _tanh_prime, "exp": "exp", "f": "fprime",
    "relu": "step"}  # ReLU'(z): the unit step (its kink at 0 is excluded where it matters)


def sum_of_terms(p: Parser, terms: list[tuple[Any, ast.expr]]) -> ast.expr:
    """`t1 ± t2 ± ...` (the first term's sign is the caller's).  In a batch, a bias added to
    the batch's matrices is broadcast over the samples, as NumPy and the notes do:
    `W A + b` is `W * a + b * ones(1, N)`."""
    terms = series.elided_sums(p, terms)
    broadcast = p.ctx.batch_size and len(terms) > 1
    value: ast.expr | None = None
    for op, term in terms:
        if broadcast and is_bias(term.operand if isinstance(term, ast.UnaryOp) else term):
            term = binop(term, ast.Mult(), call("ones", ast.Constant(1),
                                                ast.Constant(p.ctx.batch_size)))
        value = term if value is None else binop(value, op, term)
    assert value is not None
    return value


def is_bias(node: ast.expr) -> bool:
    """`b[l]`, a layer's bias (not one of its entries)."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
        and node.value.id == "b"


def comparison_value(p: Parser, toks: list[Tok], at: Tok) -> ast.expr:
    """A function's argument; `h > 0` (or `\\geq 0`) there is its indicator, the unit step
    (`\\text{diag}(h > 0)`, the ReLU's derivative as notes write it)."""
    k = next((j for j, t in enumerate(toks) if t.text in (">", r"\geq", r"\ge")
              and _depth(toks, j) == 0), None)
    if k is not None and texts_of(toks[k + 1:]) == ["0"]:
        return call("step", p.sub(toks[:k], at))
    return p.sub(toks, at)


def named_operator(p: Parser, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                   tok: Tok) -> ast.expr | None:
    """`I_{n}` (the identity of size n) and `J_x(s)` (a Jacobian, when J is not the loss)."""
    if not p.ctx.network or sub is None or sup is not None or name in p.ctx.names - {"J"}:
        return None
    if name == "I":
        return call("eye", p.sub(sub, tok))
    if name == "J" and p.ctx.loss != "J" and p.at("("):
        return jacobian(p, sub, tok)
    return None


def jacobian(p: Parser, sub: list[Tok], tok: Tok) -> ast.expr:
    """`\\mathbf J_{\\mathbf x}(\\mathbf s)`: ∂s/∂x, the Jacobian of s by x (when J is not
    the loss)."""
    args = p.call_args(tok)
    if len(args) != 1:
        raise p.fail("J_x(...): the Jacobian of one quantity", tok)
    return call("diff", args[0], p.sub(sub, tok))


WORD_FUNCS = {"diag": "diag", "softmax": "softmax", "sigmoid": "sigmoid", "ReLU": "relu",
              "relu": "relu", "Relu": "relu", "tanh": "tanh", "exp": "exp", "log": "log",
              "Sigmoid": "sigmoid", "Softmax": "softmax", "Tanh": "tanh"}  # capitalised as a word


def is_remark_word(word: str) -> bool:
    """A word in `\\text{...}` that is no function and no single letter: prose."""
    return WORD_FUNCS.get(word, word) not in FUNCTIONS and word not in ("prod", "d") \
        and not re.fullmatch(r"[A-Za-z]", word)


NO_WORD = "needs an argument (the word it writes)"  # `\\text` at the end: said, never skipped


def word(p: Parser, tok: Tok) -> ast.expr:
    """\\mathrm{diag}, \\operatorname{softmax}, \\text{ReLU}, or a named symbol."""
    if p.at("*"):
        p.i += 1  # \operatorname*: limits placement only
    if p.i >= len(p.t) or p.t[p.i].text in ("}", "&", "\\\\", "=", ")", "]"):
        raise p.fail(f"{tok.text} {NO_WORD}", tok)
    inner = p.arg()
    text = "".join(texts_of(inner))
    if text == "prod":
        return product_operator(p, tok)
    fn = WORD_FUNCS.get(text, text if text in FUNCTIONS else None)
    if fn is not None and text not in p.ctx.names:
        sub, sup, primes = p.scripts()
        return p.apply(fn, sub, sup, primes, tok)
    if re.fullmatch(r"[A-Za-z]\w*", text) and text != "d":
        return p.symbol(text, tok)
    raise p.fail(f"unsupported LaTeX construct {tok.text}{{{text}}}", tok)
