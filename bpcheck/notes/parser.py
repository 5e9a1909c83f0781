"""A recursive-descent parser for the LaTeX of backprop notes, building a formula tree.

The tree is a Python `ast` expression that is only ever *unparsed* to text, never
compiled or run; `catalog.formula.parse` then checks that text like any catalog formula.
Arithmetic, scripts, symbols and functions are read here; derivatives, sums and
other notation by the handlers of `notes.notation`.
"""
from __future__ import annotations

import ast
import re
from typing import Callable

from . import capitals, constructs, iowidths, layersub, notation, samplescripts, series
from .context import TexContext
from .lexer import PAIRS, LatexError, Tok, match_group, split_top, texts_of
from .tree import binop, call, ident, number, subscript

RELATIONS = {"=", r"\coloneqq", r"\equiv", r"\triangleq", r"\eqqcolon"}
OTHER_RELATIONS = {"<", ">", r"\approx", r"\neq", r"\ne", r"\le", r"\leq", r"\ge", r"\geq",
                   r"\propto", r"\sim", r"\to", r"\rightarrow", r"\Rightarrow", r"\implies",
                   r"\iff", r"\mapsto", r"\in", r"\leftarrow", r"\gets"}
_LAYERED = {"W": 2, "w": 2, "a": 1, "z": 1, "b": 1, "delta": 1}
_ENTRIES = {"y", "yhat"}
_FUNC_CMDS = {r"\exp": "exp", r"\log": "log", r"\ln": "ln", r"\tanh": "tanh", r"\sin": "sin",
              r"\cos": "cos", r"\sigma": "sigmoid", r"\max": "max", r"\min": "min",
              r"\sqrt": "sqrt"}
GREEK = {"alpha", "beta", "gamma", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "rho", "tau", "phi", "varphi", "chi", "psi",
         "omega", "Gamma", "Delta", "Theta", "Lambda", "Phi", "Psi", "Omega", "upsilon",
         "vartheta", "varrho", "varsigma", "varpi", "Xi", "Pi", "Sigma", "Upsilon", "varkappa"}
STYLE = {r"\mathsf", r"\mathrm", r"\rm", r"\sf", r"\mathbf", r"\text", r"\textsf", "{", "}"}
_TRANSPOSE = {"T", r"\top", r"\intercal"}
_NOT_FACTOR = {r"\odot", r"\circ", r"\cdot", r"\times", "\\\\", r"\}", r"\rVert", r"\rvert",
               r"\evalbar"}
_CAPITALS = {"Z": "z", "A": "a", "B": "b", "Delta": "delta"}  # a batch's (samples as columns)


def is_transpose(toks: list[Tok]) -> bool:
    return [t for t in texts_of(toks) if t not in STYLE] in ([s] for s in _TRANSPOSE)


class Parser:
    """expr := ±hadamard (± hadamard)*; hadamard := product (⊙ product)*;
    product := factor ((\\cdot | / | juxtaposition) factor)*; factor := -factor | primary."""

    def __init__(self, toks: list[Tok], ctx: TexContext, end: int) -> None:
        self.t, self.i, self.ctx, self.end = list(toks), 0, ctx, end

    # -- plumbing ---------------------------------------------------------------------------
    def peek(self) -> Tok | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text in texts

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise LatexError("the formula ends too early", self.end)
        self.i += 1
        return tok

    def group(self, open_tok: Tok) -> list[Tok]:
        """Tokens up to the partner of `open_tok` (already consumed)."""
        j = match_group(self.t, self.i - 1)
        inner, self.i = self.t[self.i:j], j + 1
        return inner

    def arg(self) -> list[Tok]:
        """A macro argument: a braced group or one token (`\\frac12` takes "1")."""
        tok = self.next()
        if tok.text == "{":
            return self.group(tok)
        if tok.kind == "num" and len(tok.text) > 1 and tok.text.isdigit():
            self.t.insert(self.i, Tok("num", tok.text[1:], tok.pos + 1, tok.end))
            return [Tok("num", tok.text[0], tok.pos, tok.pos + 1)]
        if tok.text in STYLE and self.at("{"):
            return [tok, self.t[self.i]] + self.group(self.next()) + [self.t[self.i - 1]]
        return [tok]

    def sub(self, toks: list[Tok], at: Tok) -> ast.expr:
        if not toks:
            raise LatexError(f"empty group after {at.text}", at.pos, at.text)
        return Parser(toks, self.ctx, toks[-1].end).parse_all()

    def fail(self, message: str, tok: Tok) -> LatexError:
        return LatexError(message, tok.pos, tok.text)

    def unsupported(self, tok: Tok) -> LatexError:
        if tok.text in (r"\dots", r"\cdots", r"\ldots", r"\vdots", r"\ddots"):
            return self.fail(f"{tok.text}: an elided sum cannot be checked; write it with \\sum", tok)
        if tok.text == r"\mid":
            return self.fail("\\mid: a conditional probability P(y \\mid x) is outside the "
                             "formula language; write the model's output, e.g. \\hat{y}_k", tok)
        what = f"environment {tok.text}" if tok.kind in ("begin", "end") else tok.text
        return self.fail(f"unsupported LaTeX construct {what}", tok)

    # -- grammar ----------------------------------------------------------------------------
    def parse_all(self) -> ast.expr:
        value = self.expression()
        if self.i < len(self.t):
            tok = self.t[self.i]
            if tok.kind in ("cmd", "begin", "end") and tok.text not in _NOT_FACTOR:
                raise self.unsupported(tok)
            raise self.fail(f"unexpected {tok.text!r}", tok)
        return value

    def expression(self) -> ast.expr:
        neg = self.at("-")
        if self.at("-", "+"):
            self.i += 1
        first = self.hadamard()
        terms = [(None, ast.UnaryOp(ast.USub(), first) if neg else first)]
        while self.at("+", "-"):
            op = ast.Add() if self.next().text == "+" else ast.Sub()
            terms.append((op, series.elision(self) or self.hadamard()))
        return constructs.sum_of_terms(self, terms)

    def hadamard(self) -> ast.expr:
        value = self.product()
        while self.at(r"\odot", r"\circ"):
            self.i += 1
            right = self.product()
            if constructs.closes_with_outer(right):  # δ ⊙ f'(z) a^T: the outer product of all δ
                value = binop(binop(value, ast.Mod(), right.left), ast.Mult(), right.right)
            else:
                value = binop(value, ast.Mod(), right)
        return value

    def product(self) -> ast.expr:
        value = self.factor()
        while (tok := self.peek()) is not None:
            if tok.text == r"\evalbar":
                self.i += 1
                value = constructs.evaluation_bar(self, value, tok)
            elif tok.text in self.ctx.hadamard:  # hadamard=*: as the note says, like NumPy
                self.i += 1
                value = binop(value, ast.Mod(), self.factor())
            elif tok.text in (r"\cdot", r"\times", "*", "/"):
                self.i += 1
                value = binop(value, ast.Div() if tok.text == "/" else ast.Mult(), self.factor())
            elif self.starts_factor(tok):
                value = binop(value, ast.Mult(), self.factor())
            else:
                break
        return value

    def starts_factor(self, tok: Tok) -> bool:
        if tok.kind in ("let", "num", "begin"):
            return True
        if tok.kind == "cmd":
            return tok.text not in _NOT_FACTOR | RELATIONS | OTHER_RELATIONS
        return tok.text in ("(", "[", "{", "|")

    def factor(self) -> ast.expr:
        if self.at("-", "+"):
            neg = self.next().text == "-"
            value = self.factor()
            return ast.UnaryOp(ast.USub(), value) if neg else value
        return self.primary()

    def primary(self) -> ast.expr:
        tok = self.next()
        if tok.kind == "num":
            return self.scripts_value(number(tok.text))
        if tok.kind == "let":
            return self.symbol(tok.text, tok)
        if tok.kind == "begin":
            return self.scripts_value(notation.matrix(self, tok))
        if tok.text in PAIRS:
            inner = self.group(tok)
            if tok.text == "(" and len(split_top(inner, ",")) > 1:
                raise self.fail("(a, b): a function of several arguments that the setting "
                                "does not declare (declare it with functions=)", tok)
            return self.scripts_value(constructs.comparison_value(self, inner, tok))  # (Z > 0)
        if tok.text in ("|", r"\lvert", r"\|", r"\lVert", r"\Vert"):
            return notation.bars(self, tok)
        if tok.text in _FUNC_CMDS:
            return self.function_cmd(tok)
        handler = _HANDLERS.get(tok.text)
        if handler is not None:
            return handler(self, tok)
        if tok.text[1:] in GREEK:  # \lambda is `lam`: lambda is a keyword of the formula text
            return self.symbol("lam" if tok.text == r"\lambda" else tok.text[1:], tok)
        raise self.unsupported(tok)

    # -- scripts ------------------------------------------------------------------------------
    def scripts(self) -> tuple[list[Tok] | None, list[Tok] | None, int]:
        sub = sup = None
        primes = 0
        while (tok := self.peek()) is not None and tok.text in ("_", "^", "'"):
            self.i += 1
            if tok.text == "'":
                primes += 1
                continue
            arg = self.arg()
            if not arg:  # `f^{}(z)`, `x_{}`: nothing to read, never silently nothing
                raise self.fail(f"an empty {'subscript' if tok.text == '_' else 'superscript'}",
                                tok)
            if tok.text == "^" and set(texts_of(arg)) - {"{", "}"} <= {r"\prime", "'"}:
                primes += sum(t in (r"\prime", "'") for t in texts_of(arg))  # f^{'}, f^{\prime}
            elif tok.text == "^" and sup is not None and samplescripts.is_sample(self, arg):
                sup = sup + arg  # names=\hat p:a^{(3)} then ^{(p)}: layer 3 of sample p
            elif (sub if tok.text == "_" else sup) is not None:
                raise self.fail(f"double {'subscript' if tok.text == '_' else 'superscript'}", tok)
            elif tok.text == "_":
                sub = arg
            else:
                sup = arg
        return sub, sup, primes

    def scripts_value(self, value: ast.expr) -> ast.expr:
        """Scripts after a value: `_i` an entry, `^T` a transpose, `^k` a power."""
        start = self.peek()
        sub, sup, primes = self.scripts()
        if primes:
            raise self.fail("a prime here: only functions (f', \\sigma') take one", start)
        value, sup = samplescripts.sample_of(self, value, sup)  # (a^{(3)})^{(p)}_k
        if sub is not None:
            value = subscript(value, self.indices(sub, None))
        return self.power(value, sup)

    def power(self, value: ast.expr, sup: list[Tok] | None) -> ast.expr:
        if sup is None:
            return value
        if is_transpose(sup):
            return call("transpose", value)
        return binop(value, ast.Pow(), self.sub(sup, sup[0]))

    def indices(self, sub: list[Tok], expected: int | None) -> ast.expr:
        """`_{jk}`, `_{j,k}`, `_{12}` (two indices), or `_{k+1}` (one)."""
        parts = split_top(sub, ",")
        if len(parts) == 1 and expected == 2 and all(t.kind in ("let", "num") for t in sub):
            chars = [Tok(t.kind, c, t.pos, t.end) for t in sub for c in t.text]
            parts = [[c] for c in chars] if len(chars) == 2 else parts
        if expected is not None and len(parts) != expected:
            raise self.fail(f"expected {expected} index(es) in this subscript", sub[0])
        items = [series.bound_index(self, p, sub[0]) for p in parts]
        return items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())

    # -- symbols ------------------------------------------------------------------------------
    def symbol(self, name: str, tok: Tok) -> ast.expr:
        if name == "e" and self.at("^"):
            self.i += 1
            return self.scripts_value(call("exp", self.sub(self.arg(), tok)))
        if name == "d" and self.ctx.network and constructs.is_gradient_name(self, tok):
            return constructs.gradient_name(self, tok)
        sub, sup, primes = self.scripts()
        if name in self.ctx.functions or (name in ("f", "g") and self.ctx.network and name != self.ctx.loss):
            return self.apply(name, sub, sup, primes, tok)
        if self.ctx.network and name == self.ctx.activation_symbol:  # \phi(z): the note's f
            return self.apply("f", sub, sup, primes, tok)
        if self.ctx.network and sub is None and sup is None and not primes and \
                name in constructs.LOSS_NAMES | {self.ctx.loss} and \
                constructs.loss_arguments(self, tok):
            return ident(self.ctx.loss)  # J(W, b), l(y, yhat): the loss, by what it depends on
        special = constructs.named_operator(self, name, sub, sup, tok)
        if special is not None:
            return special
        if primes:
            raise self.fail(f"a prime on {name}: only functions (f', \\sigma') take one", tok)
        batch = constructs.batch_symbol(self, name, sub, sup, tok) if self.ctx.batch_size \
            else None
        if batch is not None:
            return batch
        if self.ctx.network:
            return self.net_symbol(name, sub, sup, tok)
        return self.scalar_symbol(name, sub, sup, tok)

    def net_symbol(self, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                   tok: Tok) -> ast.expr:
        shown = "\\delta" if name == "delta" else name
        if name in _CAPITALS and sup is not None and self.layer_like(sup):
            if not self.ctx.batch:
                raise self.fail(capitals.unbatched_capital(name, "".join(texts_of(sup))), tok)
            name = _CAPITALS[name]
        if name in _LAYERED and not (name == "w" and sub is None and sup is None
                                     and not self.ctx.unmarked):
            layer, transpose, sup = self.layer(sup, tok, True)
            if layer is None:
                layer, sub = constructs.unsuperscripted_layer(self, sub)
            if layer is None:
                raise self.fail(f"{shown} needs a layer superscript, e.g. {shown}^{{(l)}} (or the "
                                "defaults' unmarked=l, when bare names mean one layer)", tok)
            value: ast.expr = subscript(ident("W" if name == "w" else name), layer)
            if sub is not None:  # W^{(2)}_i: one index, for a W that is one row or column
                one = 1 if name in ("W", "w") and len(split_top(sub, ",")) == 1 and len(sub) == 1 \
                    and sub[0].kind == "let" else _LAYERED[name] + (shown in _CAPITALS)  # Z_{i,n}
                value = subscript(value, self.indices(sub, one))
        elif name == "x" and (sup is None or is_transpose(sup) or sup[0].text != "("):
            layer, transpose, sup = self.layer(sup, tok, False)
            value = ident("x")  # the input; its entries are a^{(0)}_j
            if sub is not None:
                first = ast.Constant(0 if self.ctx.numbering == "standard" else 1)
                value = subscript(subscript(ident("a"), first), self.indices(sub, 1))
        elif name == "x" and self.ctx.numbering == "standard":
            layer, transpose, sup = self.layer(sup, tok, True)
            value = subscript(ident("x"), layer)  # x^{(l)}: the input of layer l
            if sub is not None:
                value = subscript(value, self.indices(sub, 1))
        elif name == "n" and name not in self.ctx.samples or name == self.ctx.width_symbol:
            layer, transpose, sup = self.layer(sup, tok, True)
            if (layer is None) == (sub is None):
                raise self.fail("write a layer's width as n_l or n^{(l)}", tok)
            value = subscript(ident("n"), layer if layer is not None else iowidths.io_width(sub, self.ctx)
                              or self.indices(sub, 1))  # n_x, n_y: the input's, output's
        else:
            if sup is not None and self.layer_like(sup) and not is_transpose(sup):
                raise self.fail(f"{tok.text}^{{{''.join(texts_of(sup))}}}: a layer superscript on "
                                f"{tok.text}, which has no layers in this setting (not a power)", tok)
            layer, transpose, sup = self.layer(sup, tok, False)
            value = self.plain(name, sub, tok, name in _ENTRIES)
        if transpose:
            value = call("transpose", value)
        constructs.time_step(self, tok)
        return self.power(value, sup)

    def layer(self, sup: list[Tok] | None, tok: Tok,
              layered: bool) -> tuple[ast.expr | None, bool, list[Tok] | None]:
        """A superscript as (layer, transposed, remaining power superscript)."""
        if sup is None or is_transpose(sup):
            return None, sup is not None, None
        if sup[0].text in ("(", "["):
            close = match_group(sup, 0)
            rest = sup[close + 1:]
            if rest and rest[0].text == "^" and is_transpose(rest[1:]):
                rest = rest[1:]  # W^{[l]^T}: the layer's matrix, transposed
            if rest and not is_transpose(rest):
                raise self.fail("unexpected text after the layer superscript", rest[0])
            if not layered:
                raise self.fail(f"{tok.text}^{{(...)}}: only W, b, z, a, x, \\delta and n have "
                                "layer superscripts here", tok)
            return self.layer_value(sup[1:close], sup[0]), bool(rest), None
        depth = self.layer_letters()
        if layered and set(texts_of(sup)) & depth and all(
                t.text in depth | {"+", "-"} or t.kind == "num" for t in sup):
            return self.layer_value(sup, sup[0]), False, None  # a^l, a^{l+1}, W^h
        return None, False, sup

    def layer_letters(self) -> set[str]:
        """What a layer superscript without brackets may hold: l, L, the depth symbol,
        the layers' names, and \\ell when the loss is another symbol."""
        letters = {"l", "L", self.ctx.depth} | {n for n, _ in self.ctx.layer_names}
        return letters if self.ctx.ell_is_loss else letters | {r"\ell"}

    def layer_value(self, toks: list[Tok], at: Tok) -> ast.expr:
        """A layer as formula text: a layer's name is its number (layers=h,o: h is 1)."""
        named = dict(self.ctx.layer_names)
        if len(toks) == 1 and toks[0].text in named:
            return ast.Constant(named[toks[0].text])
        if self.ctx.loss == "L" != self.ctx.depth:  # the loss is L: in a layer's place, L is
            toks = [t._replace(text=self.ctx.depth) if t.text == "L" else t for t in toks]  # the depth
        return self.sub(toks, at)

    def layer_like(self, sup: list[Tok]) -> bool:
        """`^{(l)}`, `^{[l]}`, `^L`, `^{l+1}`: a layer, never a power."""
        if sup[0].text in ("(", "["):
            rest = sup[match_group(sup, 0) + 1:]
            if rest and rest[0].text == "^":
                rest = rest[1:]
            if not rest or is_transpose(rest):
                return True
        depth = self.layer_letters()
        return bool(set(texts_of(sup)) & depth) and all(
            t.text in depth | {"+", "-"} or t.kind == "num" for t in sup)

    def plain(self, name: str, sub: list[Tok] | None, tok: Tok, entries: bool) -> ast.expr:
        if sub is None:
            return ident(name)
        if entries:
            return subscript(ident(name), self.indices(sub, 1))
        joined = name + "".join(texts_of(sub))
        if re.fullmatch(r"\w+", joined) and joined in self.ctx.names:
            return ident(joined)  # w_1 -> w1, k_t -> kt
        raise self.fail(f"{name}_{{{''.join(texts_of(sub))}}}: no symbol {joined!r} here", tok)

    def scalar_symbol(self, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                      tok: Tok) -> ast.expr:
        dims = dict(self.ctx.sizes).get(name)
        if dims is not None and sub is not None:
            value: ast.expr = subscript(ident(name), self.indices(sub, len(dims)))
        else:
            value = self.plain(name, sub, tok, False)
        return self.power(value, sup)

    # -- functions ------------------------------------------------------------------------------
    def apply(self, fn: str, sub: list[Tok] | None, sup: list[Tok] | None, primes: int,
              tok: Tok) -> ast.expr:
        if sub is not None and self.ctx.network:  # \phi_l(z_l): layer l's activation
            return layersub.layer_subscript(self, fn, sub, sup, primes, tok)
        if sub is not None or primes > 1:
            raise self.fail(f"{tok.text} with a subscript or several primes", tok)
        if sup is not None and self.ctx.network and not is_transpose(sup) and self.layer_like(sup):
            sup = constructs.layer_activation(self, fn, sup, tok)
        if primes:
            fn = constructs.PRIMES.get(fn, fn + "prime")
        args = self.call_args(tok)
        value = fn(*args) if callable(fn) else call(fn, *args)
        if sup is not None and texts_of(sup) == ["-", "1"]:
            raise self.fail(f"inverse function {tok.text}^{{-1}}", tok)
        return self.scripts_value(self.power(value, sup))

    def function_cmd(self, tok: Tok) -> ast.expr:
        fn = _FUNC_CMDS[tok.text]
        if fn == "sigmoid" and "sigma" in self.ctx.names and not self.at("(", "{", "'", "^"):
            return self.symbol("sigma", tok)
        if fn == "sigmoid" and self.ctx.activation_symbol == "sigma":
            fn = "f"  # activation_symbol=\sigma: the note's σ is its activation, whatever it is
        if fn == "sqrt" and self.at("["):
            raise self.fail("\\sqrt[n]: only square roots", tok)
        sub, sup, primes = self.scripts()
        return self.apply(fn, sub, sup, primes, tok)

    def call_args(self, tok: Tok) -> list[ast.expr]:
        nxt = self.peek()
        if nxt is None:
            raise self.fail(f"{tok.text} needs an argument", tok)
        if nxt.text == r"\circ":  # g \circ Z: g applied to (each entry of) Z
            self.i += 1
            return [self.factor()]
        if nxt.text in ("(", "[", "{"):
            self.i += 1
            inner = self.group(nxt)
            return [constructs.comparison_value(self, p, nxt) for p in split_top(inner, ",")]
        return [self.factor()]


_HANDLERS: dict[str, Callable[[Parser, Tok], ast.expr]] = {
    **notation.HANDLERS,
    r"\underbrace": constructs.underbrace, r"\overbrace": constructs.underbrace,
    **{c: constructs.word for c in (r"\mathrm", r"\operatorname", r"\text", r"\textrm",
                                r"\mathit", r"\rm")},
}


def to_text(toks: list[Tok], ctx: TexContext, end: int) -> str:
    """Tokens of one expression as formula text (the parser's entry point)."""
    try:
        return series.no_loose_bound(ast.unparse(Parser(toks, ctx, end).parse_all()), toks)
    except RecursionError:  # thousands of nested groups or signs: input, not a bug
        raise LatexError("the formula nests too deeply to read", toks[0].pos if toks else 0,
                         toks[0].text if toks else "") from None
