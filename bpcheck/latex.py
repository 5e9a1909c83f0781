"""LaTeX of backprop notes -> bpcheck's formula language (text), and back.

`equations(tex, ctx)` splits a display formula into chains (`A = B = C`, align
rows `&= ...`) and translates each member with a tokenizer and a recursive-
descent parser for the LaTeX that backprop notes use.  The parser builds a
Python `ast` tree that is only ever *unparsed* to text, never compiled or run;
`exprs.parse` then checks that text like any catalog formula.  A construct
outside the subset raises `LatexError` naming it and its offset.
`formula_to_latex(text)` goes the other way, for corrected forms.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

from .exprs import FUNCTIONS, normalise
from .model import Setting


class LatexError(ValueError):
    """LaTeX outside the subset; `pos` is the offset of the construct in the formula."""

    def __init__(self, message: str, pos: int = 0, construct: str = "") -> None:
        super().__init__(message)
        self.pos = pos
        self.construct = construct


class Tok(NamedTuple):
    kind: str  # "cmd", "num", "let", "sym", "begin", "end"
    text: str
    pos: int
    end: int


@dataclass(frozen=True)
class TexContext:
    """What symbols mean: a network's layered W, b, z, a, δ, or a scalar setting's names."""

    network: bool = True
    names: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()  # declared functions g (g' -> gprime)
    sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()  # scalar vectors and matrices
    numbering: str = "standard"
    orientation: str = "out_in"
    loss: str = "J"
    depth: str = "L"


@dataclass(frozen=True)
class Member:
    """One member of a chain: its formula text, its LaTeX and its offset in the display."""

    text: str
    latex: str
    pos: int


def context_for(setting: Setting, extra: tuple[str, ...] = ()) -> TexContext:
    from .catalog import setting_names
    names = frozenset(setting_names(setting)) | frozenset(extra)
    if setting.kind == "network":
        return TexContext(True, names, numbering=setting.get("numbering", "standard"),
                          orientation=setting.get("orientation", "out_in"),
                          loss=setting.get("loss_symbol", "J"), depth=setting.get("depth_symbol", "L"))
    sizes = [(n, (int(k),)) for n, k in setting.get("vectors", ()) or ()]
    sizes += [(n, tuple(int(d) for d in shape)) for n, shape in setting.get("matrices", ()) or ()]
    functions = (setting.get("functions", ()) or ()) + (setting.get("elementwise", ()) or ())
    return TexContext(False, names, frozenset(functions), tuple(sizes))


NETWORK = context_for(Setting("network", "network", ()))

# ---- tokens -----------------------------------------------------------------------------

_LEX = re.compile(r"(?P<skip>%[^\n]*|\s+|\\[,;:!> ]|~)"
                  r"|\\(?P<env>begin|end)\s*\{(?P<name>[A-Za-z]+\*?)\}"
                  r"|(?P<cmd>\\(?:[A-Za-z]+|.))|(?P<num>\d+(?:\.\d+)?)|(?P<let>[A-Za-z])"
                  r"|(?P<sym>.)", re.S)
_UNICODE = {"δ": r"\delta", "σ": r"\sigma", "∂": r"\partial", "∇": r"\nabla", "⊙": r"\odot",
            "∘": r"\circ", "·": r"\cdot", "×": r"\times", "−": "-", "′": "'", "⊤": r"\top",
            "∑": r"\sum", "ℓ": r"\ell", "…": r"\dots", "≈": r"\approx", "∫": r"\int"}
_SIZING = {r"\left", r"\right", r"\middle", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr",
           r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr"}
_IGNORED = {r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits", r"\nonumber", r"\notag"}
_TRANSPARENT = {"equation", "equation*", "align", "align*", "aligned", "split", "gather",
                "gather*", "gathered", "multline", "multline*", "alignat", "alignat*", "eqnarray"}


def tokenize(tex: str) -> list[Tok]:
    toks: list[Tok] = []
    for m in _LEX.finditer(tex):
        if m.group("skip"):
            continue
        if m.group("env"):
            toks.append(Tok(m.group("env"), m.group("name"), m.start(), m.end()))
            continue
        kind = next(k for k in ("cmd", "num", "let", "sym") if m.group(k))
        text = m.group(kind)
        if text in _UNICODE:
            text = _UNICODE[text]
            kind = "cmd" if text.startswith("\\") else "sym"
        toks.append(Tok(kind, text, m.start(), m.end()))
    return _clean(toks)


def _clean(toks: list[Tok]) -> list[Tok]:
    """Drop sizing (\\left, \\big), styling and labels: they carry no meaning here."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text in _SIZING:
            i += 2 if i + 1 < len(toks) and toks[i + 1].text == "." else 1
            continue
        if t.text in (r"\label", r"\tag") and i + 1 < len(toks) and toks[i + 1].text == "{":
            i = _match(toks, i + 1) + 1
            continue
        if t.text not in _IGNORED and not (t.kind in ("begin", "end") and t.text in _TRANSPARENT):
            out.append(t)
        i += 1
    return out


_PAIRS = {"{": "}", "(": ")", "[": "]", r"\{": r"\}"}


def _match(toks: list[Tok], i: int) -> int:
    """Index of the token closing the group opened at `i`."""
    open_, close = toks[i].text, _PAIRS[toks[i].text]
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j].text == open_) - (toks[j].text == close)
        if depth == 0:
            return j
    raise LatexError(f"unclosed {open_!r}", toks[i].pos, open_)


def _split(toks: list[Tok], sep: str) -> list[list[Tok]]:
    """Split at `sep` outside any group."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.text in _PAIRS or t.kind == "begin":
            depth += 1
        elif t.text in _PAIRS.values() or t.kind == "end":
            depth -= 1
        if depth == 0 and t.text == sep:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


# ---- chains ---------------------------------------------------------------------------

_RELATIONS = {"=", r"\coloneqq", r"\equiv", r"\triangleq", r"\eqqcolon"}
_OTHER_RELATIONS = {"<", ">", r"\approx", r"\neq", r"\ne", r"\le", r"\leq", r"\ge", r"\geq",
                    r"\propto", r"\sim", r"\to", r"\rightarrow", r"\Rightarrow", r"\implies",
                    r"\iff", r"\mapsto", r"\in", r"\leftarrow", r"\gets"}
_REMARKS = {r"\quad", r"\qquad", r"\forall", r"\mbox", ",", ";", "."}


def equations(tex: str, ctx: TexContext = NETWORK) -> list[list[Member]]:
    """Each equation of a display (a chain `A = B = C`) as translated members."""
    result = []
    for eq in _chains(tokenize(tex), len(tex)):
        result.append([Member(ast.unparse(_Parser(m, ctx, m[-1].end).parse_all()),
                              tex[m[0].pos:m[-1].end], m[0].pos) for m in eq])
    return result


def translate(tex: str, ctx: TexContext = NETWORK) -> str:
    """One LaTeX expression (no `=`) as formula text."""
    toks = [t for t in tokenize(tex) if t.text not in (r"\quad", r"\qquad")]
    return ast.unparse(_Parser(toks, ctx, len(tex)).parse_all())


def _chains(toks: list[Tok], end: int) -> list[list[list[Tok]]]:
    eqs: list[list[list[Tok]]] = []
    for row in _rows(toks):
        members = _members(row)
        if not row:
            continue
        if not members[0]:  # a row `&= ...` continues the chain above
            if not eqs:
                raise LatexError("the formula starts with '='", row[0].pos, "=")
            eqs[-1].extend(members[1:])
        else:
            eqs.append(members)
        for m in members[1:]:
            if not m:
                raise LatexError("an '=' with nothing after it", row[-1].pos, "=")
    return eqs


def _rows(toks: list[Tok]) -> list[list[Tok]]:
    """Rows split at top-level `\\\\`; `&` dropped; a trailing remark (\\quad ..., ', ...') cut."""
    rows: list[list[Tok]] = [[]]
    depth, skipping = 0, False
    for i, t in enumerate(toks):
        if t.text in _PAIRS or t.kind == "begin":
            depth += 1
        elif t.text in _PAIRS.values() or t.kind == "end":
            depth -= 1
        elif depth == 0 and t.text == "\\\\":
            rows.append([])
            skipping = False
            continue
        if skipping or (depth == 0 and t.text == "&"):
            continue
        if depth == 0 and (t.text in _REMARKS or _is_text_remark(toks, i)):
            skipping = True
            continue
        if depth > 0 and t.text in (r"\quad", r"\qquad"):
            continue
        rows[-1].append(t)
    return rows


def _is_text_remark(toks: list[Tok], i: int) -> bool:
    if toks[i].text not in (r"\text", r"\textrm") or i + 1 >= len(toks):
        return False
    word = "".join(t.text for t in toks[i + 2:_match(toks, i + 1)]) if toks[i + 1].text == "{" else ""
    return _WORD_FUNCS.get(word, word) not in FUNCTIONS


def _members(row: list[Tok]) -> list[list[Tok]]:
    members: list[list[Tok]] = [[]]
    depth = 0
    for k, t in enumerate(row):
        if t.text in _PAIRS or t.kind == "begin":
            depth += 1
        elif t.text in _PAIRS.values() or t.kind == "end":
            depth -= 1
        if depth == 0 and t.text in _OTHER_RELATIONS:
            raise LatexError(f"relation {t.text}: only '=' chains can be checked", t.pos, t.text)
        if depth == 0 and t.text == ":" and k + 1 < len(row) and row[k + 1].text == "=":
            continue  # :=
        if depth == 0 and t.text in _RELATIONS:
            members.append([])
        else:
            members[-1].append(t)
    return members


# ---- the parser ---------------------------------------------------------------------------

_LAYERED = {"W": 2, "w": 2, "a": 1, "z": 1, "b": 1, "delta": 1}
_ENTRIES = {"y", "yhat"}
_FUNC_CMDS = {r"\exp": "exp", r"\log": "log", r"\ln": "ln", r"\tanh": "tanh", r"\sin": "sin",
              r"\cos": "cos", r"\sigma": "sigmoid", r"\max": "max", r"\min": "min",
              r"\sqrt": "sqrt"}
_WORD_FUNCS = {"diag": "diag", "softmax": "softmax", "sigmoid": "sigmoid", "ReLU": "relu",
               "relu": "relu", "Relu": "relu", "tanh": "tanh", "exp": "exp", "log": "log"}
_GREEK = {"alpha", "beta", "gamma", "epsilon", "varepsilon", "zeta", "eta", "theta", "iota",
          "kappa", "lambda", "mu", "nu", "xi", "rho", "tau", "phi", "varphi", "chi", "psi",
          "omega", "Gamma", "Delta", "Theta", "Lambda", "Phi", "Psi", "Omega"}
_STYLE = {r"\mathsf", r"\mathrm", r"\rm", r"\sf", r"\mathbf", r"\text", r"\textsf", "{", "}"}
_TRANSPOSE = {"T", r"\top", r"\intercal"}
_NOT_FACTOR = {r"\odot", r"\circ", r"\cdot", r"\times", "\\\\", r"\}", r"\rVert", r"\rvert"}
_INDICATOR = {"=": "eq", ">": "gt", r"\geq": "gt", r"\ge": "gt", "<": "lt", r"\leq": "lt",
              r"\le": "lt", r"\neq": "ne", r"\ne": "ne"}
_MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix"}


def _name(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def _call(fn: str, *args: ast.expr) -> ast.Call:
    return ast.Call(_name(fn), list(args), [])


def _bin(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.BinOp:
    return ast.BinOp(left, op, right)


def _sub(value: ast.expr, index: ast.expr) -> ast.Subscript:
    return ast.Subscript(value, index, ast.Load())


def _num(text: str) -> ast.Constant:
    return ast.Constant(int(text) if text.isdigit() else float(text))


def _depth(toks: list[Tok], j: int) -> int:
    """Group depth at token `j`."""
    return sum((t.text in _PAIRS) - (t.text in _PAIRS.values()) for t in toks[:j])


def _texts(toks: list[Tok]) -> list[str]:
    return [t.text for t in toks]


def _is_transpose(toks: list[Tok]) -> bool:
    return [t for t in _texts(toks) if t not in _STYLE] in ([s] for s in _TRANSPOSE)


class _Parser:
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
        j = _match(self.t, self.i - 1)
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
        if tok.text in _STYLE and self.at("{"):
            return [tok, self.t[self.i]] + self.group(self.next()) + [self.t[self.i - 1]]
        return [tok]

    def sub(self, toks: list[Tok], at: Tok) -> ast.expr:
        if not toks:
            raise LatexError(f"empty group after {at.text}", at.pos, at.text)
        return _Parser(toks, self.ctx, toks[-1].end).parse_all()

    def fail(self, message: str, tok: Tok) -> LatexError:
        return LatexError(message, tok.pos, tok.text)

    def unsupported(self, tok: Tok) -> LatexError:
        if tok.text in (r"\dots", r"\cdots", r"\ldots", r"\vdots", r"\ddots"):
            return self.fail(f"{tok.text}: an elided sum cannot be checked; write it with \\sum", tok)
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
        value = self.hadamard()
        if neg:
            value = ast.UnaryOp(ast.USub(), value)
        while self.at("+", "-"):
            op = ast.Add() if self.next().text == "+" else ast.Sub()
            value = _bin(value, op, self.hadamard())
        return value

    def hadamard(self) -> ast.expr:
        value = self.product()
        while self.at(r"\odot", r"\circ"):
            self.i += 1
            value = _bin(value, ast.Mod(), self.product())
        return value

    def product(self) -> ast.expr:
        value = self.factor()
        while (tok := self.peek()) is not None:
            if tok.text in (r"\cdot", r"\times", "*", "/"):
                self.i += 1
                value = _bin(value, ast.Div() if tok.text == "/" else ast.Mult(), self.factor())
            elif self.starts_factor(tok):
                value = _bin(value, ast.Mult(), self.factor())
            else:
                break
        return value

    def starts_factor(self, tok: Tok) -> bool:
        if tok.kind in ("let", "num", "begin"):
            return True
        if tok.kind == "cmd":
            return tok.text not in _NOT_FACTOR | _RELATIONS | _OTHER_RELATIONS
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
            return self.scripts_value(_num(tok.text))
        if tok.kind == "let":
            return self.symbol(tok.text, tok)
        if tok.kind == "begin":
            return self.scripts_value(self.matrix(tok))
        if tok.text in _PAIRS:
            return self.scripts_value(self.sub(self.group(tok), tok))
        if tok.text in ("|", r"\lvert", r"\|", r"\lVert", r"\Vert"):
            return self.bars(tok)
        if tok.text in _FUNC_CMDS:
            return self.function_cmd(tok)
        handler = _HANDLERS.get(tok.text)
        if handler is not None:
            return handler(self, tok)
        if tok.text[1:] in _GREEK:
            return self.symbol(tok.text[1:], tok)
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
            if tok.text == "^" and set(_texts(arg)) - {"{", "}"} == {r"\prime"}:
                primes += _texts(arg).count(r"\prime")
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
        if sub is not None:
            value = _sub(value, self.indices(sub, None))
        return self.power(value, sup)

    def power(self, value: ast.expr, sup: list[Tok] | None) -> ast.expr:
        if sup is None:
            return value
        if _is_transpose(sup):
            return _call("transpose", value)
        return _bin(value, ast.Pow(), self.sub(sup, sup[0]))

    def indices(self, sub: list[Tok], expected: int | None) -> ast.expr:
        """`_{jk}`, `_{j,k}`, `_{12}` (two indices), or `_{k+1}` (one)."""
        parts = _split(sub, ",")
        if len(parts) == 1 and expected == 2 and all(t.kind in ("let", "num") for t in sub):
            chars = [Tok(t.kind, c, t.pos, t.end) for t in sub for c in t.text]
            parts = [[c] for c in chars] if len(chars) == 2 else parts
        if expected is not None and len(parts) != expected:
            raise self.fail(f"expected {expected} index(es) in this subscript", sub[0])
        items = [self.sub(p, sub[0]) for p in parts]
        return items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())

    # -- symbols ------------------------------------------------------------------------------
    def symbol(self, name: str, tok: Tok) -> ast.expr:
        if name == "e" and self.at("^"):
            self.i += 1
            return self.scripts_value(_call("exp", self.sub(self.arg(), tok)))
        sub, sup, primes = self.scripts()
        if name in self.ctx.functions or (name in ("f", "g") and self.ctx.network):
            return self.apply(name, sub, sup, primes, tok)
        if primes:
            raise self.fail(f"a prime on {name}: only functions (f', \\sigma') take one", tok)
        if self.ctx.network:
            return self.net_symbol(name, sub, sup, tok)
        return self.scalar_symbol(name, sub, sup, tok)

    def net_symbol(self, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                   tok: Tok) -> ast.expr:
        shown = "\\delta" if name == "delta" else name
        if name in _LAYERED and not (name == "w" and sub is None and sup is None):
            layer, transpose, sup = self.layer(sup, tok, True)
            if layer is None:
                raise self.fail(f"{shown} needs a layer superscript, e.g. {shown}^{{(l)}}", tok)
            value: ast.expr = _sub(_name("W" if name == "w" else name), layer)
            if sub is not None:
                value = _sub(value, self.indices(sub, _LAYERED[name]))
        elif name == "x" and (sup is None or _is_transpose(sup) or sup[0].text != "("):
            layer, transpose, sup = self.layer(sup, tok, False)
            value = _name("x")  # the input; its entries are a^{(0)}_j
            if sub is not None:
                first = ast.Constant(0 if self.ctx.numbering == "standard" else 1)
                value = _sub(_sub(_name("a"), first), self.indices(sub, 1))
        elif name == "x" and self.ctx.numbering == "standard":
            layer, transpose, sup = self.layer(sup, tok, True)
            value = _sub(_name("x"), layer)  # x^{(l)}: the input of layer l
            if sub is not None:
                value = _sub(value, self.indices(sub, 1))
        elif name == "n":
            layer, transpose, sup = self.layer(sup, tok, True)
            if (layer is None) == (sub is None):
                raise self.fail("write a layer's width as n_l or n^{(l)}", tok)
            value = _sub(_name("n"), layer if layer is not None else self.indices(sub, 1))
        else:
            layer, transpose, sup = self.layer(sup, tok, False)
            value = self.plain(name, sub, tok, name in _ENTRIES)
        if transpose:
            value = _call("transpose", value)
        return self.power(value, sup)

    def layer(self, sup: list[Tok] | None, tok: Tok,
              layered: bool) -> tuple[ast.expr | None, bool, list[Tok] | None]:
        """A superscript as (layer, transposed, remaining power superscript)."""
        if sup is None or _is_transpose(sup):
            return None, sup is not None, None
        if sup[0].text == "(":
            close = _match(sup, 0)
            rest = sup[close + 1:]
            if rest and not _is_transpose(rest):
                raise self.fail("unexpected text after the layer superscript", rest[0])
            if not layered:
                raise self.fail(f"{tok.text}^{{(...)}}: only W, b, z, a, x, \\delta and n have "
                                "layer superscripts here", tok)
            return self.sub(sup[1:close], sup[0]), bool(rest), None
        depth = {"l", "L", self.ctx.depth}
        if layered and set(_texts(sup)) & depth and all(
                t.text in depth | {"+", "-"} or t.kind == "num" for t in sup):
            return self.sub(sup, sup[0]), False, None  # a^l, a^{l+1} (no parentheses)
        return None, False, sup

    def plain(self, name: str, sub: list[Tok] | None, tok: Tok, entries: bool) -> ast.expr:
        if sub is None:
            return _name(name)
        if entries:
            return _sub(_name(name), self.indices(sub, 1))
        joined = name + "".join(_texts(sub))
        if re.fullmatch(r"\w+", joined) and joined in self.ctx.names:
            return _name(joined)  # w_1 -> w1, k_t -> kt
        raise self.fail(f"{name}_{{{''.join(_texts(sub))}}}: no symbol {joined!r} here", tok)

    def scalar_symbol(self, name: str, sub: list[Tok] | None, sup: list[Tok] | None,
                      tok: Tok) -> ast.expr:
        dims = dict(self.ctx.sizes).get(name)
        if dims is not None and sub is not None:
            value: ast.expr = _sub(_name(name), self.indices(sub, len(dims)))
        else:
            value = self.plain(name, sub, tok, False)
        return self.power(value, sup)

    # -- functions ------------------------------------------------------------------------------
    def apply(self, fn: str, sub: list[Tok] | None, sup: list[Tok] | None, primes: int,
              tok: Tok) -> ast.expr:
        if sub is not None or primes > 1:
            raise self.fail(f"{tok.text} with a subscript or several primes", tok)
        if primes:
            fn = _PRIMES.get(fn, fn + "prime")
        args = self.call_args(tok)
        value = fn(*args) if callable(fn) else _call(fn, *args)
        if sup is not None and _texts(sup) == ["-", "1"]:
            raise self.fail(f"inverse function {tok.text}^{{-1}}", tok)
        return self.scripts_value(self.power(value, sup))

    def function_cmd(self, tok: Tok) -> ast.expr:
        fn = _FUNC_CMDS[tok.text]
        if fn == "sigmoid" and "sigma" in self.ctx.names and not self.at("(", "{", "'", "^"):
            return self.symbol("sigma", tok)
        if fn == "sqrt" and self.at("["):
            raise self.fail("\\sqrt[n]: only square roots", tok)
        sub, sup, primes = self.scripts()
        return self.apply(fn, sub, sup, primes, tok)

    def call_args(self, tok: Tok) -> list[ast.expr]:
        nxt = self.peek()
        if nxt is None:
            raise self.fail(f"{tok.text} needs an argument", tok)
        if nxt.text in ("(", "[", "{"):
            self.i += 1
            inner = self.group(nxt)
            return [self.sub(p, nxt) for p in _split(inner, ",")]
        return [self.factor()]

    def word(self, tok: Tok) -> ast.expr:
        """\\mathrm{diag}, \\operatorname{softmax}, \\text{ReLU}, or a named symbol."""
        inner = self.arg()
        word = "".join(_texts(inner))
        fn = _WORD_FUNCS.get(word, word if word in FUNCTIONS else None)
        if fn is not None and word not in self.ctx.names:
            sub, sup, primes = self.scripts()
            return self.apply(fn, sub, sup, primes, tok)
        if re.fullmatch(r"[A-Za-z]\w*", word) and word != "d":
            return self.symbol(word, tok)
        raise self.fail(f"unsupported LaTeX construct {tok.text}{{{word}}}", tok)

    # -- calculus -------------------------------------------------------------------------------
    def frac(self, tok: Tok) -> ast.expr:
        num, den = self.arg(), self.arg()
        dn, dd = _differential(num), _differential(den)
        if dn is None or dd is None or dn[1] != dd[1]:
            if "partial" in (dn and dn[1], dd and dd[1]):
                raise self.fail("\\partial in only one part of a fraction", tok)
            return _bin(self.sub(num, tok), ast.Div(), self.sub(den, tok))
        n_rest, d_rest = num[dn[0]:], den[dd[0]:]
        if n_rest and n_rest[0].text == "^" or any(t.text == r"\partial" for t in d_rest):
            raise self.fail("higher or mixed derivatives are outside the subset", tok)
        x = self.sub(d_rest, tok)
        return _call("diff", self.sub(n_rest, tok) if n_rest else self.product(), x)

    def partial(self, tok: Tok) -> ast.expr:
        """`\\partial J / \\partial z` or `\\partial_x F`."""
        if self.at("_"):
            self.i += 1
            x = self.sub(self.arg(), tok)
            return _call("diff", self.product(), x)
        if self.at("^"):
            raise self.fail("higher derivatives are outside the subset", tok)
        f = self.factor()
        if not self.at("/"):
            raise self.fail("\\partial outside a fraction: write \\frac{\\partial F}{\\partial X}", tok)
        self.i += 1
        if not self.at(r"\partial"):
            raise self.fail("expected \\partial after '/'", self.peek() or tok)
        self.i += 1
        return _call("diff", f, self.factor())

    def nabla(self, tok: Tok) -> ast.expr:
        if not self.at("_"):
            raise self.fail("\\nabla needs the variable below it, e.g. \\nabla_{W^{(l)}} J", tok)
        self.i += 1
        x = self.sub(self.arg(), tok)
        return _call("diff", self.product(), x)

    def sum(self, tok: Tok) -> ast.expr:
        sub, sup, _ = self.scripts()
        if sub is None:
            raise self.fail("\\sum needs its index below it, e.g. \\sum_{k}", tok)
        specs = []
        for part in _split(sub, ","):
            eq = next((k for k, t in enumerate(part) if t.text == "="), None)
            var = part[:eq] if eq is not None else part
            if len(var) != 1 or var[0].kind != "let":
                raise self.fail(f"cannot read the summation index {''.join(_texts(part))!r}", tok)
            specs.append((var[0].text, self.sub(part[eq + 1:], tok) if eq is not None else None))
        if sup is not None and len(specs) != 1:
            raise self.fail("one upper limit for several summation indices", tok)
        body = self.hadamard()
        for var, lo in reversed(specs):
            hi = self.sub(sup, tok) if sup is not None else _size(body, var, self.ctx)
            if hi is None:
                raise self.fail(f"cannot tell the range of \\sum_{var}: write "
                                f"\\sum_{{{var}=1}}^{{n}}", tok)
            body = _call("sum", body, ast.Tuple([_name(var), lo or ast.Constant(1), hi], ast.Load()))
        return body

    # -- notation -------------------------------------------------------------------------------
    def delta(self, tok: Tok) -> ast.expr:
        sub, sup, primes = self.scripts()
        if sup is not None and self.ctx.network and not primes:
            return self.net_symbol("delta", sub, sup, tok)
        if sub is not None and sup is None and not primes:
            pair = self.indices(sub, None)
            if isinstance(pair, ast.Tuple) or len(sub) == 2:
                i, j = pair.elts if isinstance(pair, ast.Tuple) else self.indices(sub, 2).elts
                return _call("kdelta", i, j)
        if not self.ctx.network and "delta" in self.ctx.names:
            return self.scalar_symbol("delta", sub, sup, tok)
        raise self.fail("\\delta needs a layer superscript \\delta^{(l)} "
                        "(or two indices: Kronecker \\delta_{ij})", tok)

    def wrapper(self, tok: Tok) -> ast.expr:
        """\\mathbf{W}, \\boldsymbol{\\delta}, \\vec{x}: the wrapper is ignored."""
        inner = self.arg()
        if _texts(inner) == ["1"]:
            return self.one(tok)
        if len(inner) == 1:
            self.t.insert(self.i, inner[0])
            return self.primary()
        return self.scripts_value(self.sub(inner, tok))

    def blackboard(self, tok: Tok) -> ast.expr:
        inner = self.arg()
        if _texts(inner) in (["1"], ["I"]):
            return self.one(tok)
        raise self.fail(f"unsupported LaTeX construct {tok.text}{{{''.join(_texts(inner))}}}", tok)

    def one(self, tok: Tok) -> ast.expr:
        """𝟙{i = j} (indicator) or a plain 1 (the ones vector, broadcast in sums)."""
        cond = None
        if self.at("_"):
            self.i += 1
            cond = [t for t in self.arg() if t.text not in (r"\{", r"\}")]
        elif self.at("(", "[", r"\{", "{"):
            j = _match(self.t, self.i)
            inner = self.t[self.i + 1:j]
            if any(t.text in _INDICATOR for t in inner):
                cond, self.i = inner, j + 1
        if cond is None:
            if self.at("^"):
                raise self.fail("the ones vector 1^T: write the sum with \\sum", tok)
            return self.scripts_value(ast.Constant(1))
        k = next((j for j in range(len(cond)) if cond[j].text in _INDICATOR
                  and _depth(cond, j) == 0), None)
        if k is None:
            raise self.fail("an indicator needs a condition such as i = j or z > 0", tok)
        a, b, rel = self.sub(cond[:k], tok), self.sub(cond[k + 1:], tok), _INDICATOR[cond[k].text]
        if rel in ("eq", "ne"):
            value: ast.expr = _call("kdelta", a, b)
            value = _bin(ast.Constant(1), ast.Sub(), value) if rel == "ne" else value
        else:
            lhs, rhs = (a, b) if rel == "gt" else (b, a)
            zero = isinstance(rhs, ast.Constant) and rhs.value == 0
            value = _call("step", lhs if zero else _bin(lhs, ast.Sub(), rhs))
        return self.scripts_value(value)

    def hat(self, tok: Tok) -> ast.expr:
        inner = self.arg()
        if len(inner) != 1 or inner[0].kind != "let":
            raise self.fail(f"{tok.text} of something other than one letter", tok)
        return self.symbol(inner[0].text + "hat", tok)

    def loss(self, tok: Tok) -> ast.expr:
        letter = "ell" if tok.text == r"\ell" else "".join(_texts(self.arg()))
        if self.ctx.network:
            return self.scripts_value(_name(self.ctx.loss))
        return self.symbol(letter, tok)

    def bars(self, tok: Tok) -> ast.expr:
        """|x| and ‖x‖ (‖x‖² -> sqnorm(x))."""
        norm = tok.text in (r"\|", r"\lVert", r"\Vert")
        closers = {"|": "|", r"\lvert": r"\rvert", r"\|": r"\|", r"\lVert": r"\rVert",
                   r"\Vert": r"\Vert"}
        j = next((k for k in range(self.i, len(self.t)) if self.t[k].text == closers[tok.text]
                  and _depth(self.t[self.i:], k - self.i) == 0), None)
        if j is None:
            raise self.fail(f"unclosed {tok.text}", tok)
        inner, self.i = self.t[self.i:j], j + 1
        value = self.sub(inner, tok)
        if not norm:
            return self.scripts_value(_call("abs", value))
        sub, sup, _ = self.scripts()
        if sub is not None and _texts(sub) != ["2"]:
            raise self.fail("only the Euclidean norm ‖x‖ (or ‖x‖_2)", tok)
        if sup is not None and _texts(sup) == ["2"]:
            return _call("sqnorm", value)
        return self.power(_call("sqrt", _call("sqnorm", value)), sup)

    def matrix(self, tok: Tok) -> ast.expr:
        if tok.text not in _MATRICES:
            raise self.unsupported(tok)
        depth, j = 0, self.i
        while j < len(self.t):
            t = self.t[j]
            depth += (t.kind == "begin") - (t.kind == "end")
            if depth < 0:
                break
            j += 1
        if j == len(self.t):
            raise self.fail(f"unclosed \\begin{{{tok.text}}}", tok)
        rows = [r for r in _split(self.t[self.i:j], "\\\\") if r]
        self.i = j + 1
        cells = [[self.sub(c, tok) for c in _split(r, "&")] for r in rows]
        if not cells or len({len(r) for r in cells}) != 1:
            raise self.fail("a matrix needs rows of equal length", tok)
        if len(cells[0]) == 1:
            return cells[0][0] if len(cells) == 1 else _call("col", *(r[0] for r in cells))
        if len(cells) == 1:
            return _call("row", *cells[0])
        return _call("matrix", *(ast.Tuple(r, ast.Load()) for r in cells))

    def constant_pi(self, tok: Tok) -> ast.expr:
        return self.scripts_value(_name("pi"))


def _sigma_prime(u: ast.expr) -> ast.expr:
    return _bin(_call("sigmoid", u), ast.Mod(), _bin(ast.Constant(1), ast.Sub(), _call("sigmoid", u)))


def _tanh_prime(u: ast.expr) -> ast.expr:
    return _bin(ast.Constant(1), ast.Sub(), _bin(_call("tanh", u), ast.Pow(), ast.Constant(2)))


_PRIMES: dict[str, Callable[[ast.expr], ast.expr] | str] = {
    "sigmoid": _sigma_prime, "tanh": _tanh_prime, "exp": "exp", "f": "fprime"}


def _differential(toks: list[Tok]) -> tuple[int, str] | None:
    """(tokens, kind) of a leading ∂ or d / \\mathrm{d}, or None."""
    texts = _texts(toks[:4])
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


_HANDLERS: dict[str, Callable[[_Parser, Tok], ast.expr]] = {
    r"\frac": _Parser.frac, r"\dfrac": _Parser.frac, r"\tfrac": _Parser.frac,
    r"\partial": _Parser.partial, r"\nabla": _Parser.nabla, r"\sum": _Parser.sum,
    r"\delta": _Parser.delta, r"\hat": _Parser.hat, r"\widehat": _Parser.hat,
    r"\mathcal": _Parser.loss, r"\mathscr": _Parser.loss, r"\ell": _Parser.loss,
    r"\mathbb": _Parser.blackboard, r"\mathds": _Parser.blackboard, r"\pi": _Parser.constant_pi,
    **{c: _Parser.word for c in (r"\mathrm", r"\operatorname", r"\text", r"\textrm",
                                 r"\mathit", r"\rm")},
    **{c: _Parser.wrapper for c in (r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathbfit",
                                    r"\pmb")},
}


# ---- index ranges --------------------------------------------------------------------------

def infer_range(trees: list[ast.AST], var: str, ctx: TexContext) -> str | None:
    """Upper end of index `var` (text), from where it indexes a sized quantity."""
    for tree in trees:
        hi = _size(tree, var, ctx)
        if hi is not None:
            return ast.unparse(hi)
    return None


def _size(tree: ast.AST, var: str, ctx: TexContext) -> ast.expr | None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Subscript):
            continue
        idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        pos = next((k for k, e in enumerate(idx) if isinstance(e, ast.Name) and e.id == var), None)
        dims = _dims(node.value, ctx) if pos is not None else None
        if dims and pos < len(dims):
            return dims[pos]
    return None


def _dims(base: ast.expr, ctx: TexContext) -> list[ast.expr] | None:
    if isinstance(base, ast.Call) and len(base.args) == 1 and isinstance(base.func, ast.Name) \
            and base.func.id in ("softmax", "sigmoid", "exp", "tanh", "fprime", "f", "relu"):
        return _dims(base.args[0], ctx)
    if not ctx.network:
        if isinstance(base, ast.Name):
            return [ast.Constant(d) for d in dict(ctx.sizes).get(base.id, ())] or None
        return None
    first = 0 if ctx.numbering == "standard" else 1
    if isinstance(base, ast.Name) and base.id in ("y", "yhat", "x"):
        return [_sub(_name("n"), _name(ctx.depth) if base.id != "x" else ast.Constant(first))]
    if not (isinstance(base, ast.Subscript) and isinstance(base.value, ast.Name)):
        return None

    def n(shift: int) -> ast.expr:
        layer = base.slice
        if isinstance(layer, ast.Constant) and isinstance(layer.value, int):
            layer = ast.Constant(layer.value + shift)
        elif shift:
            layer = _bin(layer, ast.Add() if shift > 0 else ast.Sub(), ast.Constant(abs(shift)))
        return _sub(_name("n"), layer)
    name, ufldl = base.value.id, ctx.numbering == "ufldl"
    if name in ("a", "z", "delta"):
        return [n(0)]
    if name == "x":  # x^{(l)} = a^{(l-1)}
        return [n(-1)]
    if name in ("b", "B"):
        return [n(1 if ufldl else 0)]
    if name == "W":
        rows, cols = (n(1), n(0)) if ufldl else (n(0), n(-1))
        return [cols, rows] if ctx.orientation == "in_out" else [rows, cols]
    return None


# ---- formula text -> LaTeX --------------------------------------------------------------------

_PREC = {ast.Add: 1, ast.Sub: 1, ast.Mod: 2, ast.Mult: 3, ast.MatMult: 3, ast.Div: 8, ast.Pow: 5}
_ATOM, _SCRIPTED = 9, 8
LAYERED = frozenset({"W", "b", "B", "z", "a", "x", "delta"})
_CALL_TEX = {"sigmoid": r"\sigma", "exp": r"\exp", "log": r"\log", "ln": r"\ln", "tanh": r"\tanh",
             "sin": r"\sin", "cos": r"\cos", "max": r"\max", "min": r"\min", "f": "f",
             "fprime": "f'", "df": "f'", "relu": r"\mathrm{ReLU}", "softmax": r"\mathrm{softmax}",
             "diag": r"\mathrm{diag}"}


def formula_to_latex(text: str, setting: Setting | None = None,
                     layered: frozenset[str] = LAYERED) -> str:
    """LaTeX for formula text (corrected forms), read by `translate` back to the same formula.

    `layered`: names whose first subscript is a layer (`W[l]` -> W^{(l)}); in a scalar
    `setting` there are none, and `z[i]` is an entry (z_{i}).
    """
    if setting is not None and setting.kind != "network":
        layered = frozenset()
    tree = ast.parse(normalise(text).strip(), mode="eval")  # parsed only, never evaluated
    return _Tex(layered).tex(tree.body)[0]


class _Tex:
    def __init__(self, layered: frozenset[str]) -> None:
        self.layered = layered

    def tex(self, node: ast.AST) -> tuple[str, float, bool]:
        """(LaTeX, precedence, open) — open: ends in a \\sum body that would swallow more."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ValueError(f"{type(node).__name__} has no LaTeX form")
        return method(node)

    def wrap(self, node: ast.AST, prec: float, strict: bool = False, closed: bool = False) -> str:
        s, p, open_ = self.tex(node)
        if p < prec or (strict and p == prec) or (closed and open_) \
                or (isinstance(node, ast.UnaryOp) and strict):
            return rf"\left({s}\right)"
        return s

    def _Constant(self, node: ast.Constant) -> tuple[str, float, bool]:
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ValueError(f"constant {node.value!r} is not a number")
        return repr(node.value), _ATOM, False

    def _Name(self, node: ast.Name) -> tuple[str, float, bool]:
        n = node.id
        if n.startswith("__"):
            raise ValueError(f"name {n!r} is not allowed")
        special = {"delta": r"\delta", "yhat": r"\hat{y}", "pi": r"\pi", "kt": "k_t"}
        if n in special:
            return special[n], _ATOM, False
        if n in _GREEK:
            return "\\" + n, _ATOM, False
        m = re.fullmatch(r"([A-Za-z])(\d+)", n)
        if m:
            return f"{m.group(1)}_{{{m.group(2)}}}", _ATOM, False
        return (n if len(n) == 1 else rf"\mathrm{{{n}}}"), _ATOM, False

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[str, float, bool]:
        s, p, open_ = self.tex(node.operand)
        if isinstance(node.op, ast.UAdd):
            return s, p, open_
        if p == 2 and not open_ and not isinstance(node.operand, ast.UnaryOp):
            return "-" + s, 2, False  # -a ⊙ b reads as -(a ⊙ b)
        if p < 3 or isinstance(node.operand, ast.UnaryOp):
            s, open_ = rf"\left({s}\right)", False
        return "-" + s, 3.5, open_

    def _BinOp(self, node: ast.BinOp) -> tuple[str, float, bool]:
        op = type(node.op)
        prec = _PREC[op]
        if op is ast.Div:
            return rf"\frac{{{self.tex(node.left)[0]}}}{{{self.tex(node.right)[0]}}}", prec, False
        if op is ast.Pow:
            return f"{self.wrap(node.left, _ATOM)}^{{{self.tex(node.right)[0]}}}", prec, False
        left = self.wrap(node.left, prec, closed=op is not ast.Add and op is not ast.Sub)
        right = self.wrap(node.right, prec, strict=True)
        _, _, open_ = self.tex(node.right)
        if op in (ast.Mult, ast.MatMult):
            glue = r" \cdot " if right[:1].isdigit() or right.startswith("-") else " "
            return left + glue + right, prec, open_
        sym = {ast.Add: "+", ast.Sub: "-", ast.Mod: r"\odot"}[op]
        return f"{left} {sym} {right}", prec, open_

    def _Compare(self, node: ast.Compare) -> tuple[str, float, bool]:
        ops = {ast.Lt: "<", ast.LtE: r"\le", ast.Gt: ">", ast.GtE: r"\ge", ast.Eq: "=",
               ast.NotEq: r"\ne"}
        parts = [self.tex(node.left)[0]]
        for op, comp in zip(node.ops, node.comparators):
            parts += [ops[type(op)], self.tex(comp)[0]]
        return " ".join(parts), 0, False

    def _Tuple(self, node: ast.Tuple) -> tuple[str, float, bool]:
        return rf"\left({', '.join(self.tex(e)[0] for e in node.elts)}\right)", _ATOM, False

    def _Subscript(self, node: ast.Subscript) -> tuple[str, float, bool]:
        base, idx = node.value, node.slice
        if self._layered(node):
            return f"{self.tex(base)[0]}^{{({self.tex(idx)[0]})}}", _SCRIPTED, False
        if self._layered(base) or isinstance(base, ast.Name):
            head = self.tex(base)[0]
        else:
            head = self.wrap(base, _ATOM)
        items = idx.elts if isinstance(idx, ast.Tuple) else [idx]
        texts = [self.tex(e)[0] for e in items]
        joined = "".join(texts) if all(len(t) == 1 for t in texts) else ",".join(texts)
        return f"{head}_{{{joined}}}", _SCRIPTED, False

    def _layered(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id in self.layered | {"n"})

    def _Call(self, node: ast.Call) -> tuple[str, float, bool]:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ValueError("only named functions may be called")
        fn = node.func.id
        args = node.args
        special = getattr(self, "_call_" + fn, None)
        if special is not None and not (fn in ("sum", "Sum") and len(args) != 2):
            return special(*args)
        inner = ", ".join(self.tex(a)[0] for a in args)
        if fn in _CALL_TEX:
            head = _CALL_TEX[fn]
        elif fn.endswith("prime") and len(fn) > 5:
            head = self.tex(_name(fn[:-5]))[0] + "'"
        elif len(fn) == 1:
            head = fn
        else:
            head = rf"\operatorname{{{fn}}}"
        return rf"{head}\left({inner}\right)", _ATOM, False

    def _call_diff(self, f: ast.expr, x: ast.expr) -> tuple[str, float, bool]:
        fs, fp, _ = self.tex(f)
        if fp >= _SCRIPTED:
            return rf"\frac{{\partial {fs}}}{{\partial {self.tex(x)[0]}}}", _SCRIPTED, False
        return rf"\frac{{\partial}}{{\partial {self.tex(x)[0]}}}\left({fs}\right)", 3.5, True

    def _call_transpose(self, x: ast.expr) -> tuple[str, float, bool]:
        if isinstance(x, ast.Name):
            return f"{self.tex(x)[0]}^{{\\top}}", _SCRIPTED, False
        return rf"\left({self.tex(x)[0]}\right)^{{\top}}", _SCRIPTED, False

    _call_T = _call_transpose

    def _call_hadamard(self, a: ast.expr, b: ast.expr) -> tuple[str, float, bool]:
        return self._BinOp(ast.BinOp(a, ast.Mod(), b))

    def _call_sum(self, body: ast.expr, spec: ast.expr) -> tuple[str, float, bool]:
        var, lo, hi = spec.elts if isinstance(spec, ast.Tuple) else (spec, spec, spec)
        head = rf"\sum_{{{self.tex(var)[0]}={self.tex(lo)[0]}}}^{{{self.tex(hi)[0]}}}"
        return f"{head} {self.wrap(body, 2)}", 3.5, True

    _call_Sum = _call_sum

    def _call_kdelta(self, i: ast.expr, j: ast.expr) -> tuple[str, float, bool]:
        a, b = self.tex(i)[0], self.tex(j)[0]
        return rf"\delta_{{{a + b if len(a) == len(b) == 1 else a + ',' + b}}}", _SCRIPTED, False

    _call_KroneckerDelta = _call_kdelta

    def _call_step(self, u: ast.expr) -> tuple[str, float, bool]:
        return rf"\mathbb{{1}}\left({self.tex(u)[0]} > 0\right)", _ATOM, False

    def _call_sqnorm(self, u: ast.expr) -> tuple[str, float, bool]:
        s = self.tex(u)[0]
        if "|" in s:  # nested bars would be ambiguous
            return rf"\operatorname{{sqnorm}}\left({s}\right)", _ATOM, False
        return rf"\left\|{s}\right\|^{{2}}", _SCRIPTED, False

    def _call_abs(self, u: ast.expr) -> tuple[str, float, bool]:
        s = self.tex(u)[0]
        if "|" in s:
            return rf"\operatorname{{abs}}\left({s}\right)", _ATOM, False
        return rf"\left|{s}\right|", _ATOM, False

    def _call_sqrt(self, u: ast.expr) -> tuple[str, float, bool]:
        return rf"\sqrt{{{self.tex(u)[0]}}}", _ATOM, False

    def _matrix(self, rows: list[list[ast.expr]]) -> tuple[str, float, bool]:
        body = r" \\ ".join(" & ".join(self.tex(c)[0] for c in r) for r in rows)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}", _ATOM, False

    def _call_matrix(self, *rows: ast.expr) -> tuple[str, float, bool]:
        return self._matrix([r.elts if isinstance(r, ast.Tuple) else [r] for r in rows])

    def _call_col(self, *xs: ast.expr) -> tuple[str, float, bool]:
        return self._matrix([[x] for x in xs])

    def _call_row(self, *xs: ast.expr) -> tuple[str, float, bool]:
        return self._matrix([list(xs)])

    def _call_piecewise(self, *pieces: ast.expr) -> tuple[str, float, bool]:
        rows = []
        for p in pieces:
            value, cond = p.elts if isinstance(p, ast.Tuple) else (p, ast.Constant(True))
            c = r"\text{otherwise}" if isinstance(cond, ast.Constant) else self.tex(cond)[0]
            rows.append(f"{self.tex(value)[0]} & {c}")
        body = r" \\ ".join(rows)
        return rf"\begin{{cases}} {body} \end{{cases}}", _ATOM, False


__all__ = ["LatexError", "TexContext", "Member", "NETWORK", "context_for", "equations",
           "translate", "infer_range", "formula_to_latex", "tokenize"]
