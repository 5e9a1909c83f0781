"""Formula text -> LaTeX, for corrected forms: `translate` reads it back to the same formula.

The text is parsed with `ast.parse(mode="eval")` (nothing runs) and its tree printed
with explicit `\\left( \\right)` groups wherever the reader would otherwise group
differently (a `\\sum` body swallowing what follows, a sign before a product).
"""
from __future__ import annotations

import ast
import re

from .exprs import normalise
from .latex_parser import GREEK
from .latex_tree import ident
from .model import Setting

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
        if n in GREEK:
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
            head = self.tex(ident(fn[:-5]))[0] + "'"
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
