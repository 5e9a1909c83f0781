"""LaTeX notation beyond arithmetic: derivatives, sums, δ, indicators, norms, matrices.

Each handler reads the construct whose command `tok` the parser has just consumed
and returns its formula tree; `HANDLERS` maps commands to them.
"""
from __future__ import annotations

import ast
from typing import Any, Callable

from . import classes, constructs, dotted, gradvar, onesvector, samplesum, smallnet, styledname
from .context import size_of
from .lexer import LatexError, Tok, group_depth, match_group, split_top, texts_of
from .tree import binop, call, ident, subscript

# The parser (`notes.parser.Parser`), which calls these handlers with itself: not imported,
# since the parser imports this module.
Parser = Any

_INDICATOR = {"=": "eq", ">": "gt", r"\geq": "gt", r"\ge": "gt", "<": "lt", r"\leq": "lt",
              r"\le": "lt", r"\neq": "ne", r"\ne": "ne"}
_MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix"}
_STYLED = {r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathrm", "{", "}"}


def _differential(toks: list[Tok]) -> tuple[int, str] | None:
    """(tokens, kind) of a leading ∂ or d / \\mathrm{d} (also braced, `{\\mathrm{d}}`, as a
    note's `\\newcommand{\\dd}{{\\mathrm{d}}}` expands), or None."""
    texts = texts_of(toks[:6])
    if texts[:1] == ["{"] and texts[-1:] and len(toks) > 1:
        inner = _differential(toks[1:])
        close = 1 + inner[0] if inner else -1
        if inner and close < len(toks) and toks[close].text == "}":
            return close + 1, inner[1]
    texts = texts[:4]
    if texts[:1] == [r"\partial"]:
        return 1, "partial"
    if texts[:1] == ["d"]:
        return 1, "d"
    if texts[:1] in ([r"\mathrm"], [r"\operatorname"], [r"\text"]):
        if texts[1:4] == ["{", "d", "}"]:
            return 4, "d"
        if texts[1:2] == ["d"]:
            return 2, "d"
    return None


# ---- calculus -------------------------------------------------------------------------------

def frac(p: Parser, tok: Tok) -> ast.expr:
    num, den = p.arg(), p.arg()
    dn, dd = _differential(num), _differential(den)
    if dn is None or dd is None or dn[1] != dd[1]:
        slip = classes.bare_operator(p, num, den, tok) if dn and dd is None else None
        if slip is not None:
            return slip
        if "partial" in (dn and dn[1], dd and dd[1]):
            raise p.fail("\\partial in only one part of a fraction", tok)
        return binop(p.sub(num, tok), ast.Div(), p.sub(den, tok))
    n_rest, d_rest = num[dn[0]:], den[dd[0]:]
    if n_rest and n_rest[0].text == "^" or any(t.text == r"\partial" for t in d_rest):
        raise p.fail("higher or mixed derivatives are outside the subset", tok)
    x = p.sub(d_rest, tok)
    return call("diff", p.sub(n_rest, tok) if n_rest else p.product(), x)


def pdv(p: Parser, tok: Tok) -> ast.expr:
    """The physics package's `\\pdv{f}{x}` (∂f/∂x) and `\\pdv{}{x}` (∂/∂x of what follows)."""
    f, x = p.arg(), p.arg()
    if not x:
        raise p.fail("\\pdv{f}{x}: the variable is missing", tok)
    return call("diff", p.sub(f, tok) if f else p.product(), p.sub(x, tok))


def partial(p: Parser, tok: Tok) -> ast.expr:
    """`\\partial J / \\partial z` or `\\partial_x F`."""
    if p.at("_"):
        p.i += 1
        x = p.sub(p.arg(), tok)
        return call("diff", p.product(), x)
    if p.at("^"):
        raise p.fail("higher derivatives are outside the subset", tok)
    f = p.factor()
    if not p.at("/"):
        raise p.fail("\\partial outside a fraction: write \\frac{\\partial F}{\\partial X}", tok)
    p.i += 1
    if not p.at(r"\partial"):
        raise p.fail("expected \\partial after '/'", p.peek() or tok)
    p.i += 1
    return call("diff", f, p.factor())


def nabla(p: Parser, tok: Tok) -> ast.expr:
    if not p.at("_"):
        start = p.i
        try:
            target = p.factor() if p.ctx.network and p.peek() is not None else None
        except LatexError:
            target = None
        if _is_quantity(target):  # \nabla h^{(L)}: the loss's gradient by that quantity
            return call("diff", ident(p.ctx.loss), target)
        p.i = start
        return gradvar.bare_nabla(p, tok)
    p.i += 1
    arg = p.arg()
    if p.ctx.network and texts_of(arg) in (["a"], ["{", "a", "}"]) and not p.ctx.unmarked:
        # \nabla_a C: the gradient by the output activations a^L (the depth's layer)
        x: ast.expr = subscript(ident("a"), ident(p.ctx.depth))
    else:
        x = p.sub(arg, tok)
    nxt = p.peek()
    # `\nabla_s H \, J`: the gradient of the name that follows; `\nabla_x \frac12 \|x\|^2`:
    # of the product that follows
    body = p.factor() if nxt is not None and nxt.kind == "let" else p.product()
    return call("diff", body, x)


def _is_quantity(node: ast.expr | None) -> bool:
    """`z[l]`, `W[L]`, `a[l - 1]`: one of the network's layer quantities (not the loss)."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
        and node.value.id in ("W", "b", "z", "a")


def summation(p: Parser, tok: Tok) -> ast.expr:
    sub, sup, _ = p.scripts()
    if sub is None:
        if sup is not None:
            raise p.fail("\\sum with an upper limit but no index: write \\sum_{k=1}^{n}", tok)
        start = p.i
        body = p.hadamard()
        total = samplesum.over_samples(p, body, tok)  # db = 1/m \sum dZ: over the samples
        if total is not None:
            return total
        sub = [Tok("let", constructs.free_index(p, body, tok), tok.pos, tok.end)]
        p.i = start
    specs, excluded = [], []
    for part in split_top(sub, ","):
        eq = next((k for k, t in enumerate(part) if t.text == "="), None)
        ne = next((k for k, t in enumerate(part) if t.text in (r"\neq", r"\ne")), None)
        var = part[:eq] if eq is not None else part[:ne] if ne is not None else part
        if len(var) != 1 or var[0].kind != "let":
            raise p.fail(f"cannot read the summation index {''.join(texts_of(part))!r}", tok)
        if ne is not None:  # \sum_{k \neq i}: every k but i, as the factor (1 - δ_ki)
            excluded.append((var[0].text, p.sub(part[ne + 1:], tok)))
        specs.append((var[0].text, p.sub(part[eq + 1:], tok) if eq is not None else None))
    if sup is not None and len(specs) != 1:
        raise p.fail("one upper limit for several summation indices", tok)
    if sup is not None and p.ctx.network and smallnet.width_bound(p, sup):
        sup = None  # \sum_{i=1}^n, ^m: the size of what i indexes (a layer's width)
    body = p.hadamard()
    for var, other in excluded:
        body = binop(body, ast.Mult(), binop(ast.Constant(1), ast.Sub(),
                                             call("kdelta", ident(var), other)))
    for var, lo in reversed(specs):
        hi = p.sub(sup, tok) if sup is not None else size_of(body, var, p.ctx)
        if hi is None:
            raise p.fail(f"cannot tell the range of \\sum_{var}: write "
                         f"\\sum_{{{var}=1}}^{{n}}", tok)
        body = call("sum", body, ast.Tuple([ident(var), lo or ast.Constant(1), hi], ast.Load()))
    return body


# ---- notation -------------------------------------------------------------------------------

def delta(p: Parser, tok: Tok) -> ast.expr:
    sub, sup, primes = p.scripts()
    if sup is not None and p.ctx.network and not primes:
        return p.net_symbol("delta", sub, sup, tok)
    if p.ctx.network and not primes and constructs.layer_in_subscript(p, sub):
        return p.net_symbol("delta", sub, sup, tok)  # \delta_o, \delta_j of the unmarked layer
    if sub is not None and sup is None and not primes:
        pair = p.indices(sub, None)
        if isinstance(pair, ast.Tuple) or len(sub) == 2:
            i, j = pair.elts if isinstance(pair, ast.Tuple) else p.indices(sub, 2).elts
            return call("kdelta", i, j)
    if not p.ctx.network and "delta" in p.ctx.names:
        return p.scalar_symbol("delta", sub, sup, tok)
    raise p.fail("\\delta needs a layer superscript \\delta^{(l)} (or two indices: Kronecker "
                 "\\delta_{ij}; or the defaults' unmarked=l, when bare names mean one layer)", tok)


def wrapper(p: Parser, tok: Tok) -> ast.expr:
    """\\mathbf{W}, \\boldsymbol{\\delta}, \\vec{x}: the wrapper is ignored."""
    inner = p.arg()
    if texts_of(styledname.innermost(inner)) == ["1"]:
        return one(p, tok)
    if styledname.splice_name(p, inner):  # \boldsymbol{\mathbf{A}}^{(l)}: A^{(l)}
        return p.primary()
    return p.scripts_value(p.sub(inner, tok))


def blackboard(p: Parser, tok: Tok) -> ast.expr:
    inner = p.arg()
    if texts_of(inner) in (["1"], ["I"]):
        return one(p, tok)
    if len(inner) == 1 and inner[0].kind == "let" and inner[0].text.islower() or \
            inner and (inner[0].kind == "cmd" and inner[0].text[1:].islower()
                       or inner[0].text == "("):
        p.t[p.i:p.i] = inner  # \mathbb{w}, \mathbb{\theta}, \mathbb{\hat{y}}: bold, as written
        return p.primary()
    raise p.fail(f"unsupported LaTeX construct {tok.text}{{{''.join(texts_of(inner))}}}", tok)


def one(p: Parser, tok: Tok) -> ast.expr:
    """𝟙{i = j} (indicator) or a plain 1 (the ones vector, broadcast in sums)."""
    cond = None
    if p.at("_"):
        p.i += 1
        cond = [t for t in p.arg() if t.text not in (r"\{", r"\}")]
    elif p.at("(", "[", r"\{", "{"):
        j = match_group(p.t, p.i)
        inner = p.t[p.i + 1:j]
        if any(t.text in _INDICATOR for t in inner):
            cond, p.i = inner, j + 1
    if cond is None:
        if (ones := onesvector.batch_ones(p, tok)) is not None:
            return p.scripts_value(ones)  # a batch's ones over its samples
        if p.at("^"):
            raise p.fail("the ones vector 1^T: write the sum with \\sum", tok)
        return p.scripts_value(ast.Constant(1))
    k = next((j for j in range(len(cond)) if cond[j].text in _INDICATOR
              and group_depth(cond, j) == 0), None)
    if k is None:
        raise p.fail("an indicator needs a condition such as i = j or z > 0", tok)
    a, b, rel = p.sub(cond[:k], tok), p.sub(cond[k + 1:], tok), _INDICATOR[cond[k].text]
    if rel in ("eq", "ne"):
        value: ast.expr = call("kdelta", a, b)
        value = binop(ast.Constant(1), ast.Sub(), value) if rel == "ne" else value
    else:
        lhs, rhs = (a, b) if rel == "gt" else (b, a)
        zero = isinstance(rhs, ast.Constant) and rhs.value == 0
        value = call("step", lhs if zero else binop(lhs, ast.Sub(), rhs))
    return p.scripts_value(value)


def hat(p: Parser, tok: Tok) -> ast.expr:
    inner = [t for t in p.arg() if t.text not in _STYLED]  # \hat{\mathbf{y}}: ŷ
    if len(inner) > 2 and inner[0].kind == "let" and inner[1].text == "_":
        p.t[p.i:p.i] = inner[1:]  # \hat{y_i}: ŷ_i, the subscript after the hat
        inner = inner[:1]
    if len(inner) != 1 or inner[0].kind != "let":
        raise p.fail(f"{tok.text} of something other than one letter", tok)
    return p.symbol(inner[0].text + "hat", tok)


def loss(p: Parser, tok: Tok) -> ast.expr:
    if tok.text == r"\ell" and p.ctx.network and not p.ctx.ell_is_loss:
        return p.symbol("l", tok)  # the loss is stated as another symbol: \ell is the layer
    letter = "ell" if tok.text == r"\ell" else _one_letter(p, tok)
    if p.ctx.network:
        if p.at("_") and p.i + 1 < len(p.t) and p.t[p.i + 1].text == "{":
            close = match_group(p.t, p.i + 1)  # \mathcal{L}_{RSS}, _{\text{CE}}: the loss's name
            label = [t for t in p.t[p.i + 2:close] if t.text not in _STYLED | {r"\text"}]
            if len(label) > 1 and all(t.kind == "let" for t in label):
                p.i = close + 1
        value = p.scripts_value(ident(p.ctx.loss))
        constructs.loss_arguments(p, tok)  # \mathcal{L}(\hat{y}): what the loss depends on
        return value
    return p.symbol(letter, tok)


def _one_letter(p: Parser, tok: Tok) -> str:
    """The letter of `\\mathcal{L}`; anything else inside (`\\mathcal{L-1}`) is never dropped."""
    inner = [t for t in p.arg() if t.text not in _STYLED]
    if len(inner) != 1 or inner[0].kind != "let":
        raise p.fail(f"{tok.text} of something other than one letter", tok)
    return inner[0].text


def bars(p: Parser, tok: Tok) -> ast.expr:
    """|x| and ‖x‖ (‖x‖² -> sqnorm(x))."""
    norm = tok.text in (r"\|", r"\lVert", r"\Vert")
    closers = {"|": "|", r"\lvert": r"\rvert", r"\|": r"\|", r"\lVert": r"\rVert",
               r"\Vert": r"\Vert"}
    j = next((k for k in range(p.i, len(p.t)) if p.t[k].text == closers[tok.text]
              and group_depth(p.t[p.i:], k - p.i) == 0), None)
    if j is None:
        raise p.fail(f"unclosed {tok.text}", tok)
    inner, p.i = p.t[p.i:j], j + 1
    value = p.sub(inner, tok)
    if not norm:
        return p.scripts_value(call("abs", value))
    sub, sup, _ = p.scripts()
    if sub is not None and texts_of(sub) not in (["2"], ["F"]):
        raise p.fail("only the Euclidean norm ‖x‖, ‖x‖_2 or the Frobenius norm ‖X‖_F", tok)
    if sup is not None and texts_of(sup) == ["2"]:
        return call("sqnorm", value)
    return p.power(call("sqrt", call("sqnorm", value)), sup)


def matrix(p: Parser, tok: Tok) -> ast.expr:
    if tok.text in ("cases", "dcases"):
        return constructs.cases(p, tok)
    if tok.text not in _MATRICES:
        raise p.unsupported(tok)
    depth, j = 0, p.i
    while j < len(p.t):
        t = p.t[j]
        depth += (t.kind == "begin") - (t.kind == "end")
        if depth < 0:
            break
        j += 1
    if j == len(p.t):
        raise p.fail(f"unclosed \\begin{{{tok.text}}}", tok)
    rows = [r for r in split_top(p.t[p.i:j], "\\\\") if r]
    p.i = j + 1
    grid = [split_top(r, "&") for r in rows]
    if dotted.has_dots(grid):  # drawn entry by entry: the matrix of its general entry
        return dotted.read(p, tok, grid)
    cells = [[p.sub(c, tok) for c in r] for r in grid]
    if not cells or len({len(r) for r in cells}) != 1:
        raise p.fail("a matrix needs rows of equal length", tok)
    if len(cells[0]) == 1:
        return cells[0][0] if len(cells) == 1 else call("col", *(r[0] for r in cells))
    if len(cells) == 1:
        return call("row", *cells[0])
    return call("matrix", *(ast.Tuple(r, ast.Load()) for r in cells))


def constant_pi(p: Parser, tok: Tok) -> ast.expr:
    return p.scripts_value(ident("pi"))


HANDLERS: dict[str, Callable[[Parser, Tok], ast.expr]] = {
    r"\frac": frac, r"\dfrac": frac, r"\tfrac": frac, r"\partial": partial, r"\nabla": nabla,
    r"\pdv": pdv,
    r"\sum": summation, r"\delta": delta, r"\hat": hat, r"\widehat": hat,
    r"\mathcal": loss, r"\mathscr": loss, r"\ell": loss,
    r"\mathord": styledname.mathord, r"\mathbb": blackboard, r"\mathds": blackboard, r"\pi": constant_pi,
    **{c: wrapper for c in (r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathbfit", r"\pmb")},
}
