"""Formula text as a box tree: what every formula printer (LaTeX, MathML) typesets.

A side is rendered *as written*, never evaluated: the text is parsed with
`ast.parse(mode="eval")` (nothing runs) and its tree becomes a small box tree
(identifiers, operators, fractions, scripts, fences, tables); precedence and
parentheses are decided here, once, for the printers in `typeset.printers`.  Brackets
are kept wherever the notes' reader (`latex.translate`) would group differently,
so the LaTeX of a formula reads back as the same formula (`a + (b + c)` keeps its
brackets; a sum or ∂/∂x(…) is bracketed before a further factor).
"""
from __future__ import annotations

import ast
import re
import unicodedata
from typing import Any

from ..catalog.formula import normalise

Box = tuple  # ("i", latex, text, variant) | ("n", s) | ("o", latex, text) | ("t", s)
# | ("row", [boxes]) | ("frac", a, b) | ("sup", b, s) | ("sub", b, s) | ("subsup", b, s, p)
# | ("sqrt", a) | ("fence", open, close, a) | ("uo", op, under, over) | ("hat", a)
# | ("table", rows, kind) | ("space",)

NETWORK_LAYERED = frozenset({"W", "b", "B", "z", "a", "delta"})
GREEK = {g: unicodedata.lookup(f"GREEK {'CAPITAL' if g[0].isupper() else 'SMALL'} LETTER "
                               f"{g.upper().replace('LAMBDA', 'LAMDA')}")
         for g in ("alpha beta gamma delta epsilon zeta eta theta iota kappa mu nu xi pi rho "
                   "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
                   "Phi Psi Omega").split()}
ATOM, SCRIPTED, FRAC, POW, UNARY, MUL, ADD, CMP, BOOL = 100, 95, 90, 40, 30, 20, 10, 5, 3
PLAIN_FUNCS = {"log": r"\log", "ln": r"\ln", "tanh": r"\tanh", "sin": r"\sin", "cos": r"\cos",
               "max": r"\max", "min": r"\min"}
CMP_OPS = {ast.Lt: ("<", "<"), ast.LtE: (r"\le", "≤"), ast.Gt: (">", ">"),
           ast.GtE: (r"\ge", "≥"), ast.Eq: ("=", "="), ast.NotEq: (r"\ne", "≠")}
MUL_OPS = {ast.Mult: "mul", ast.MatMult: "mul", ast.Mod: "had"}


# ---- small box constructors ----------------------------------------------------------

def ident(name: str, upright: bool = False) -> Box:
    if name in GREEK:
        return ("i", "\\" + name, GREEK[name], "")
    if len(name) == 1:
        return ("i", name, name, "")
    cmd = r"\operatorname" if upright else r"\mathrm"
    return ("i", f"{cmd}{{{name}}}", name, "normal")


def op(latex: str, text: str | None = None) -> Box:
    return ("o", latex, latex if text is None else text)


def row(*items: Box) -> Box:
    return ("row", list(items))


def paren(b: Box, open_: str = "(", close: str = ")") -> Box:
    return ("fence", open_, close, b)


def sup(base: Box, s: Box) -> Box:
    """Add a superscript, merging with one already there (W⁽ˡ⁾ then ⊤ gives W⁽ˡ⁾ᵀ)."""
    if base[0] == "sup":
        return ("sup", base[1], row(base[2], s))
    if base[0] == "subsup":
        return ("subsup", base[1], base[2], row(base[3], s))
    return ("sup", base, s)


def sub(base: Box, s: Box) -> Box:
    if base[0] == "sup":
        return ("subsup", base[1], s, base[2])
    if base[0] == "sub":
        return ("sub", base[1], row(base[2], op(","), s))
    return ("sub", base, s)


def comma_list(boxes: list[Box]) -> Box:
    items: list[Box] = []
    for k, b in enumerate(boxes):
        items += [op(","), b] if k else [b]
    return row(*items)


# ---- formula tree -> boxes ------------------------------------------------------------

class Builder:
    """Walks a checked formula tree; `layered` names take their index as ⁽ˡ⁾.

    What is outside the formula language is shown as verbatim text, or, when `strict`,
    refused with ValueError.  `strict` printing is for LaTeX that `latex.translate` reads
    back: notation it does not read (𝐞ᵢ, 𝟏, A⁻¹, E_total as E with a subscript, …) is
    written by name instead (onehot(…) as an operator name, E_total upright).
    """

    def __init__(self, layered: frozenset[str], strict: bool = False) -> None:
        self.layered = layered
        self.strict = strict

    def verbatim(self, node: ast.AST) -> tuple[Box, int]:
        if self.strict:
            raise ValueError(f"{ast.unparse(node)!r} is not in the formula language")
        return ("t", ast.unparse(node)), ATOM

    def box(self, node: ast.AST) -> Box:
        return self.prec(node)[0]

    def at_least(self, node: ast.AST, level: int) -> Box:
        b, p = self.prec(node)
        return b if p >= level else paren(b)

    def prec(self, node: ast.AST) -> tuple[Box, int]:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            return self.verbatim(node)
        return method(node)

    def _Expression(self, node: ast.Expression) -> tuple[Box, int]:
        return self.prec(node.body)

    def _Constant(self, node: ast.Constant) -> tuple[Box, int]:
        if node.value is True:
            return ("t", "otherwise"), ATOM
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            return self.verbatim(node)
        return ("n", repr(node.value)), ATOM

    def _Name(self, node: ast.Name) -> tuple[Box, int]:
        if node.id.startswith("_"):
            return self.verbatim(node)
        return self.name(node.id), ATOM

    def name(self, name: str, upright: bool = False) -> Box:
        if self.strict and "_" in name:
            return ident(name, upright)
        return name_box(name, upright)

    def _Tuple(self, node: ast.Tuple) -> tuple[Box, int]:
        return paren(comma_list([self.box(e) for e in node.elts])), ATOM

    def _List(self, node: ast.List) -> tuple[Box, int]:
        return self.verbatim(node) if self.strict else self._Tuple(node)

    def _Slice(self, node: ast.Slice) -> tuple[Box, int]:
        parts = [self.box(p) if p is not None else row() for p in (node.lower, node.upper)]
        return row(parts[0], op(":"), parts[1]), ATOM

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[Box, int]:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.verbatim(node)
        sign = op("-", "−") if isinstance(node.op, ast.USub) else op("+")
        return row(sign, self.at_least(node.operand, MUL + 1)), UNARY

    def _BinOp(self, node: ast.BinOp) -> tuple[Box, int]:
        kind = type(node.op)
        if kind in (ast.Add, ast.Sub):
            sign = op("+") if kind is ast.Add else op("-", "−")
            return row(self.at_least(node.left, ADD), sign, self._term(node.right)), ADD
        if kind is ast.Div:
            return ("frac", self.box(node.left), self.box(node.right)), FRAC
        if kind is ast.Pow:
            return sup(self.at_least(node.left, ATOM), self.box(node.right)), POW
        if kind in MUL_OPS:
            return self._product(node, MUL_OPS[kind]), MUL
        return self.verbatim(node)

    def _term(self, node: ast.AST) -> Box:
        """The right operand of + or −: a sign or a sum (a + (b + c)) needs parentheses."""
        b, p = self.prec(node)
        return paren(b) if p == UNARY or p <= ADD else b

    def _factor(self, node: ast.AST, family: str, right: bool) -> Box:
        """A factor keeps its parentheses unless it is the same product on the left
        ((a b) c, not a (b c)) or a leading sign."""
        b, p = self.prec(node)
        left_same = not right and isinstance(node, ast.BinOp) \
            and MUL_OPS.get(type(node.op)) == family
        return b if p > UNARY or left_same or (p == UNARY and not right) else paren(b)

    def _product(self, node: ast.BinOp, family: str) -> Box:
        left = self._factor(node.left, family, False)
        right = self._factor(node.right, family, True)
        if family == "had":
            return row(left, op(r"\odot", "⊙"), right)
        dot = _starts_with_number(right)
        return row(left, op(r"\cdot", "⋅") if dot else op("", "\u2062"), right)

    def _Compare(self, node: ast.Compare) -> tuple[Box, int]:
        if not all(type(o) in CMP_OPS for o in node.ops):
            return self.verbatim(node)
        items = [self.at_least(node.left, ADD)]
        for o, c in zip(node.ops, node.comparators):
            items += [op(*CMP_OPS[type(o)]), self.at_least(c, ADD)]
        return row(*items), CMP

    def _BoolOp(self, node: ast.BoolOp) -> tuple[Box, int]:
        sym = op(r"\wedge", "∧") if isinstance(node.op, ast.And) else op(r"\vee", "∨")
        items: list[Box] = []
        for k, v in enumerate(node.values):
            items += ([sym] if k else []) + [self.at_least(v, CMP)]
        return row(*items), BOOL

    def _Subscript(self, node: ast.Subscript) -> tuple[Box, int]:
        base, index = node.value, node.slice
        if isinstance(base, ast.Name) and base.id in self.layered:
            return sup(name_box(base.id), paren(self.box(index))), SCRIPTED
        return sub(self.at_least(base, SCRIPTED), self._index(index)), SCRIPTED

    def _index(self, node: ast.AST) -> Box:
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        boxes = [self.box(p) for p in parts]
        short = all(len(ast.unparse(p)) == 1 for p in parts)
        return row(*boxes) if short else comma_list(boxes)

    def _Call(self, node: ast.Call) -> tuple[Box, int]:
        if not isinstance(node.func, ast.Name) or node.keywords or node.func.id.startswith("_"):
            return self.verbatim(node)
        name = node.func.id
        special = CALLS.get(name)
        if special is not None and not (self.strict and _not_read_back(name, node.args)):
            made = special(self, node.args)
            if made is not None:
                return made
        if name.endswith("prime") and len(name) > 5:
            return self.apply(prime(name[:-5]), node.args), ATOM
        return self.apply(self.name(name, upright=len(name) > 1), node.args), ATOM

    def apply(self, fn: Box, args: list[ast.AST]) -> Box:
        return row(fn, op("", "\u2061"), paren(comma_list([self.box(a) for a in args])))


def name_box(name: str, upright: bool = False) -> Box:
    """x, δ, ŷ, w₅, E_total, net_h1: a name as the notes would typeset it."""
    if name.startswith("_"):
        return ("t", name)
    if name.endswith("hat") and len(name) > 3:
        return ("hat", name_box(name[:-3]))
    if "_" in name.strip("_"):
        base, rest = name.split("_", 1)
        return sub(name_box(base), ident(rest) if len(rest) == 1 or rest in GREEK
                   else ("i", rf"\mathrm{{{rest}}}", rest, "normal"))
    m = re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    if m and (len(m.group(1)) == 1 or m.group(1) in GREEK):
        return sub(ident(m.group(1)), ("n", m.group(2)))
    return ident(name, upright)


def prime(name: str) -> Box:
    return row(name_box(name), op("'", "′"))


def _starts_with_number(b: Box) -> bool:
    while b[0] in ("row", "sup", "sub", "subsup"):
        if b[0] == "row":
            if not b[1]:
                return False
            b = b[1][0]
        else:
            b = b[1]
    return b[0] == "n" or (b[0] == "o" and b[2] == "−")


# ---- special calls: each returns (box, precedence) or None for the generic form ----------

NOT_READ_BACK = frozenset({"onehot", "ones", "zeros", "eye", "inv", "dot", "outer", "kron",
                           "subs"})


def _not_read_back(name: str, args: list[ast.AST]) -> bool:
    """Is the call's notation one `latex.translate` does not read (𝐞ᵢ, 𝟏, A⁻¹, ∑x, …)?"""
    return name in NOT_READ_BACK or (name in ("sum", "Sum") and len(args) != 2)


def _diff(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
    if len(args) != 2:
        return None
    f, x = args
    d = ("i", r"\partial", "∂", "normal")
    den = row(d, bd.box(x))
    if isinstance(f, (ast.Name, ast.Subscript, ast.Call)):
        called = isinstance(f, ast.Call) or isinstance(getattr(f, "value", None), ast.Call)
        return ("frac", row(d, *[("space",)] * called, bd.box(f)), den), FRAC
    return row(("frac", d, den), paren(bd.box(f))), MUL


def _transpose(bd: Builder, args: list[ast.AST]) -> tuple[Box, int]:
    b, p = bd.prec(args[0])
    if p < SCRIPTED or (b[0] in ("sup", "subsup") and b[-1][0] != "fence"):
        b = paren(b)  # ⊤ joins a layer's ⁽ˡ⁾ only: (x^⊤)^⊤, not x^{⊤⊤}
    return sup(b, ("i", r"\top", "⊤", "normal")), SCRIPTED


def _sum(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
    sigma = op(r"\sum", "∑")
    if len(args) == 1:
        return row(sigma, bd.at_least(args[0], MUL)), MUL
    spec = args[1]
    if len(args) != 2 or not (isinstance(spec, ast.Tuple) and len(spec.elts) == 3):
        return None
    var, lo, hi = (bd.box(e) for e in spec.elts)
    under = row(var, op("="), lo)
    return row(("uo", sigma, under, hi), bd.at_least(args[0], MUL)), MUL


def _bars(bar: str, power: Box | None):
    """|u| and ‖u‖²; inside bars of the same kind, abs(u) and sqnorm(u) as functions
    (|a + |b|| cannot be read back unambiguously)."""
    name = "abs" if power is None else "sqnorm"

    def make(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
        if len(args) != 1:
            return None
        inner = bd.box(args[0])
        if contains(inner, lambda b: b[0] == "fence" and bar in (b[1], b[2])):
            return bd.apply(ident(name, upright=True), args), ATOM
        fenced = paren(inner, bar, bar)
        return (fenced, ATOM) if power is None else (("sup", fenced, power), POW)
    return make


def contains(b: Box, test: Any) -> bool:
    """Does `test` hold for a box or any box inside it?"""
    if test(b):
        return True
    if b[0] == "table":
        return any(contains(c, test) for r in b[1] for c in r)
    return any(contains(x, test) for x in (b[1] if b[0] == "row" else b[1:])
               if isinstance(x, tuple))


def _fn(latex: str, text: str):
    def make(bd: Builder, args: list[ast.AST]) -> tuple[Box, int]:
        fn = ("i", latex, text, "normal" if len(text) > 1 else "")
        return bd.apply(fn, args), ATOM
    return make


def _binary(latex: str, text: str):
    def make(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
        if len(args) != 2:
            return None
        return row(bd.at_least(args[0], MUL + 1), op(latex, text),
                   bd.at_least(args[1], MUL + 1)), MUL
    return make


def _kdelta(bd: Builder, args: list[ast.AST]) -> tuple[Box, int]:
    return sub(ident("delta"), bd._index(ast.Tuple(elts=list(args)))), SCRIPTED


def _const(latex: str, text: str):
    def make(bd: Builder, args: list[ast.AST]) -> tuple[Box, int]:
        return sub(("i", latex, text, ""), comma_list([bd.box(a) for a in args])), SCRIPTED
    return make


def _onehot(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
    if len(args) < 2:
        return None
    e = sub(("i", r"\mathbf{e}", "𝐞", ""), bd.box(args[1]))
    return (row(bd.at_least(args[2], MUL + 1), op("", "\u2062"), e), MUL) if len(args) > 2 \
        else (e, SCRIPTED)


def _table(kind: str):
    def make(bd: Builder, args: list[ast.AST]) -> tuple[Box, int]:
        if kind == "col":
            rows = [[bd.box(a)] for a in args]
        elif kind == "row":
            rows = [[bd.box(a) for a in args]]
        else:
            rows = [[bd.box(e) for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
                    for a in args]
        return ("table", rows, "pmatrix"), ATOM
    return make


def _subs(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
    """subs(F, x, v): F evaluated at x = v, written F|_{x=v}."""
    if len(args) != 3:
        return None
    at = row(bd.box(args[1]), op("="), bd.box(args[2]))
    return sub(("fence", "", "|", bd.box(args[0])), at), SCRIPTED


def _piecewise(bd: Builder, args: list[ast.AST]) -> tuple[Box, int] | None:
    if not all(isinstance(a, ast.Tuple) and len(a.elts) == 2 for a in args):
        return None
    return ("table", [[bd.box(a.elts[0]), bd.box(a.elts[1])] for a in args], "cases"), ATOM


CALLS: dict[str, Any] = {
    "diff": _diff, "transpose": _transpose, "T": _transpose, "sum": _sum, "Sum": _sum,
    "hadamard": _binary(r"\odot", "⊙"), "kron": _binary(r"\otimes", "⊗"),
    "kdelta": _kdelta, "KroneckerDelta": _kdelta,
    "exp": lambda bd, a: (("sup", ident("e"), bd.box(a[0])), POW),
    "abs": _bars("|", None),
    "sqrt": lambda bd, a: (("sqrt", bd.box(a[0])), ATOM),
    "sqnorm": _bars("‖", ("n", "2")),
    "inv": lambda bd, a: (sup(bd.at_least(a[0], SCRIPTED), row(op("-", "−"), ("n", "1"))),
                          SCRIPTED),
    "dot": lambda bd, a: (row(_transpose(bd, a[:1])[0], op("", "\u2062"),
                              bd.at_least(a[1], SCRIPTED)), MUL),
    "outer": lambda bd, a: (row(bd.at_least(a[0], SCRIPTED), op("", "\u2062"),
                                _transpose(bd, a[1:])[0]), MUL),
    "sigmoid": _fn(r"\sigma", "σ"), "relu": _fn(r"\operatorname{ReLU}", "ReLU"),
    "leaky_relu": _fn(r"\operatorname{LeakyReLU}", "LeakyReLU"),
    "elu": _fn(r"\operatorname{ELU}", "ELU"),
    "softplus": _fn(r"\operatorname{softplus}", "softplus"),
    "swish": _fn(r"\operatorname{swish}", "swish"),
    "fprime": lambda bd, args: (bd.apply(prime("f"), args), ATOM),
    "df": lambda bd, args: (bd.apply(prime("f"), args), ATOM),
    "ones": _const(r"\mathbf{1}", "𝟏"), "zeros": _const(r"\mathbf{0}", "𝟎"),
    "eye": _const("I", "I"), "onehot": _onehot, "matrix": _table("matrix"),
    "col": _table("col"), "row": _table("row"), "piecewise": _piecewise, "subs": _subs,
    **{k: _fn(v, k) for k, v in PLAIN_FUNCS.items()},
}


def formula_box(text: str, layered: frozenset[str] = frozenset(), strict: bool = False) -> Box:
    """The box tree of a formula; unparsable text becomes a verbatim text box, or, when
    `strict`, raises (SyntaxError, ValueError)."""
    try:
        tree = ast.parse(normalise(text).strip(), mode="eval")  # parsed only, never run
        return Builder(layered, strict).box(tree)
    except (IndexError, TypeError) as exc:  # a special call with the wrong arguments
        if strict:
            raise ValueError(f"{text.strip()!r} is not in the formula language") from exc
        return ("t", text.strip())
    except (SyntaxError, ValueError, RecursionError):
        if strict:
            raise
        return ("t", text.strip())  # not in the formula language: shown verbatim
