"""A corrected formula in the notation of the note it corrects, ready to paste back.

The reports' printer writes layers as `W^{(l)}`, the entrywise product as `\\odot`, the
transpose as `^\\top` and the loss by its name in formula text.  A note that writes
`W^{[l]}`, `W^h`, `\\circ`, `^T`, `\\mathcal{L}` or `\\sigma'` gets its correction written the
same way: the box tree of the strict printer (`typeset.roundtrip`) is restyled, so what the
notes' reader reads back is still the corrected formula (tests hold the round trip).

The note's notation is a few (key, value) pairs found by `notes.style`:
  layers: "paren" | "bracket" | "plain"   (letter names come from the setting's `layers`)
  product: "\\odot" | "\\circ";  transpose: "\\top" | "T" | "\\intercal" | "\\mathsf{T}"
  prime: "f" | "\\sigma"  (how the note writes the activation's derivative)
  depth: "L"  (the note writes its last layer L, also where the loss is L and the depth D)
"""
from __future__ import annotations

import ast
from typing import Any

from ..catalog.formula import normalise
from ..catalog.schema import layer_names
from ..model import Setting
from .boxes import Box, formula_box, paren
from .printers import latex_of
from .roundtrip import LAYERED

TOP = ("i", r"\top", "⊤", "normal")


def note_latex(text: str, setting: Setting, notation: dict[str, str]) -> str:
    """LaTeX for formula text in a note's notation (ValueError outside the language)."""
    if setting.kind != "network":
        return latex_of(_restyle(formula_box(text, frozenset(), strict=True),
                                 _Style(notation, {}, ("", ""))))
    tree = ast.parse(normalise(text).strip(), mode="eval")
    depth = str(setting.get("depth_symbol", "L"))
    if notation.get("depth") == "L" != depth:  # the note writes its last layer L (loss L too)
        tree = _Renamed(depth, "L").visit(tree)
    if notation.get("prime") == r"\sigma" and setting.get("activation", "sigmoid") == "sigmoid":
        tree = _Primes().visit(tree)
    box = formula_box(ast.unparse(tree), LAYERED, strict=True)
    return latex_of(_restyle(box, _Style(notation, _letters(setting), _loss(setting))))


class _Style:
    def __init__(self, notation: dict[str, str], letters: dict[str, str],
                 loss: tuple[str, str]) -> None:
        self.layers = "letters" if letters else notation.get("layers", "paren")
        self.product = notation.get("product", r"\odot")
        self.transpose = notation.get("transpose", r"\top")
        self.prime = notation.get("prime", "f")
        self.letters = letters
        self.loss_name, self.loss = loss  # J, C, calL as formula text; the note's LaTeX

    @property
    def plain(self) -> bool:
        return self.layers == "paren" and self.transpose == r"\top"


def _letters(setting: Setting) -> dict[str, str]:
    """Layer number (as printed) -> the letter the note names it by (`layers=h,o`)."""
    names = layer_names(setting.get("layers", ()))
    first = 0 if setting.get("numbering", "standard") == "standard" else 1
    if names and len(names) < len(setting.get("widths", ()) or ()):
        first += 1  # the input is not named
    return {str(first + k): n for k, n in enumerate(names)}


def _loss(setting: Setting) -> tuple[str, str]:
    """(the loss's name in formula text, as the note writes it) when the two differ."""
    written = str(setting.get("loss_symbol", "")).strip()
    name = setting.loss_name()
    return (name, written) if written and written != name else ("", "")


class _Renamed(ast.NodeTransformer):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(self.new, node.ctx) if node.id == self.old else node


class _Primes(ast.NodeTransformer):
    """sigmoid(x) ⊙ (1 - sigmoid(x)) -> fprime(x), printed as the note's σ′(x)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.generic_visit(node)
        if isinstance(node.op, (ast.Mod, ast.Mult)) and _sigmoid_of(node.left) is not None:
            arg = _sigmoid_of(node.left)
            r = node.right
            if isinstance(r, ast.BinOp) and isinstance(r.op, ast.Sub) and \
                    isinstance(r.left, ast.Constant) and r.left.value == 1 and \
                    _sigmoid_of(r.right) is not None and \
                    ast.dump(_sigmoid_of(r.right)) == ast.dump(arg):
                return ast.Call(ast.Name("fprime", ast.Load()), [arg], [])
        return node


def _sigmoid_of(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "sigmoid" and len(node.args) == 1:
        return node.args[0]
    return None


def _restyle(b: Any, st: _Style) -> Any:
    if not isinstance(b, tuple) or not b:
        return b
    kind = b[0]
    if kind in ("sup", "subsup") and _is_layered(b):
        return _layer(b, st)
    if kind == "o" and b[1] == r"\odot":
        return ("o", st.product if st.product == r"\odot" else f" {st.product} ", b[2])
    if kind == "i" and b[1] == r"\top":
        return ("i", st.transpose, b[2], b[3])
    if kind == "i" and st.loss and b[2] == st.loss_name:
        return ("i", st.loss, b[2], b[3])
    if kind == "row" and len(b[1]) == 2 and b[1][0][:2] == ("i", "f") and b[1][1][0] == "o" \
            and b[1][1][1] == "'" and st.prime == r"\sigma":
        return ("row", [("i", r"\sigma", "σ", ""), b[1][1]])
    return tuple(_restyle_list(x, st) if isinstance(x, list) else _restyle(x, st) for x in b)


def _restyle_list(items: list, st: _Style) -> list:
    return [_restyle(x, st) for x in items]


def _is_layered(b: Box) -> bool:
    base, script = b[1], b[-1]
    first = script[1][0] if script[0] == "row" and script[1] else script
    return base[0] == "i" and base[2] in ("W", "b", "B", "z", "a", "δ", "x") and \
        first[0] == "fence" and first[1] == "("


def _layer(b: Box, st: _Style) -> Box:
    """W^{(l)} (with an entry subscript, a ⊤) in the note's layer style."""
    script = b[-1]
    fence, rest = (script[1][0], script[1][1:]) if script[0] == "row" else (script, [])
    inner = _restyle(fence[3], st)
    if st.layers == "bracket":
        mark = ("fence", "[", "]", inner)
    elif st.layers == "letters" and inner[0] == "n" and inner[1] in st.letters:
        mark = ("i", st.letters[inner[1]], st.letters[inner[1]], "")
    elif st.layers == "plain":
        mark = inner
    else:  # parentheses, and a layer with no letter (l) in a note with letter names
        mark = ("fence", "(", ")", inner)
    core = ("sup", b[1], mark) if b[0] == "sup" else ("subsup", b[1], _restyle(b[2], st), mark)
    if not rest:
        return core
    rest = [_restyle(x, st) for x in rest]
    if st.plain:
        return (core[0], *core[1:-1], ("row", [mark, *rest]))
    return ("sup", paren(core), ("row", rest) if len(rest) > 1 else rest[0])
