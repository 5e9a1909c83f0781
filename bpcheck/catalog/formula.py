"""Safe parsing of formula text.

Formulas are data.  They are parsed with `ast.parse(mode="eval")`, which builds
a syntax tree and runs nothing, and every node is checked against a whitelist:
numbers, known names, arithmetic, calls of known functions, subscripts and
comparisons.  Attribute access, lambdas, comprehensions, strings and unknown
names are rejected with the offending construct named.  SymPy is not imported
here: validation happens while loading, before any claim is decided.
"""
from __future__ import annotations

import ast
from typing import Any
from dataclasses import dataclass

from .literals import MAX_CHARS, MAX_DEPTH, LiteralError, check_size, exact_numbers

# Function names a formula may call, with their arity (None: any; a tuple: one of these).
FUNCTIONS: dict[str, int | None] = {
    # elementary, applied entrywise to vectors and matrices
    "exp": 1, "log": 1, "ln": 1, "sqrt": 1, "tanh": 1, "sigmoid": 1,
    "relu": 1, "abs": 1, "sin": 1, "cos": 1, "step": 1,
    "leaky_relu": (1, 2), "elu": (1, 2), "softplus": 1, "swish": 1,  # (u[, slope or α])
    "max": None, "min": None, "piecewise": None,
    # calculus
    "diff": None,
    # linear algebra
    "transpose": 1, "T": 1, "hadamard": 2, "diag": 1, "sum": None, "dot": 2,
    "outer": 2, "ones": None, "zeros": None, "eye": 1, "onehot": None, "inv": 1,
    "matrix": None, "entry": None, "col": None, "row": None, "sqnorm": 1,
    "column": 2,  # column(Q, i): sample i of a batch matrix (its i-th column)
    "KroneckerDelta": 2, "kdelta": 2, "Sum": None,
    # network building blocks
    "softmax": 1, "f": 1, "fprime": 1, "df": 1, "mean": 1,
    "conv2d": 2, "rot180": 1, "pad": None, "maxpool": 2, "meanpool": 2,
    "argmax_mask": 1, "upsample": 2, "kron": 2, "subs": 3, "g": 1, "gprime": 1,
}

CONSTANTS = {"pi", "e", "True"}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult, ast.Mod)
_UNARY = (ast.USub, ast.UAdd)
_COMPARE = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)

# Typographic symbols people paste from notes, mapped to the grammar.
_REPLACEMENTS = {"⊙": "%", "∘": "%", "−": "-", "×": "*", "·": "*", "√": "sqrt"}


class FormulaError(ValueError):
    """A formula that cannot be parsed or uses something outside the language."""

    def __init__(self, message: str, line_offset: int = 0) -> None:
        super().__init__(message)
        self.line_offset = line_offset


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.Expression

    @property
    def names(self) -> set[str]:
        return {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)}


def normalise(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text


_PARSED: dict[tuple[str, frozenset[str]], Formula | FormulaError] = {}
MAX_PARSED = 8192


def parse(text: str, known_names: set[str]) -> Formula:
    """Parse `text` into a checked syntax tree; raise FormulaError if unsafe.
    Results are kept: the verifier and the diagnosis parse the same sides again and
    again, and the returned trees are never modified (edits work on copies)."""
    key = (text, frozenset(known_names))
    if key not in _PARSED:
        if len(_PARSED) >= MAX_PARSED:
            _PARSED.clear()
        try:
            _PARSED[key] = _parse(text, known_names)
        except FormulaError as exc:
            _PARSED[key] = exc
    found = _PARSED[key]
    if isinstance(found, FormulaError):
        raise FormulaError(str(found), found.line_offset)
    return found


def node_key(node: ast.AST) -> int:
    """A structural key for a (sub)tree: equal trees, equal keys, wherever they come
    from (a side, a repair, a chain member), so values can be kept per structure.
    Computed once per node object, bottom-up."""
    hit = _KEYS.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if len(_KEYS) >= 8 * MAX_PARSED:
        _KEYS.clear()
    return _new_key(node)


def _new_key(node: ast.AST) -> int:
    cls = type(node)
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f != "ctx")
    parts: list[Any] = [cls]
    kept = _KEYS.get
    for field in fields:
        value = getattr(node, field, None)
        if isinstance(value, ast.AST):  # the children's keys are mostly kept already
            hit = kept(id(value))
            value = hit[1] if hit is not None and hit[0] is value else _new_key(value)
        elif isinstance(value, list):
            keys = []
            for item in value:
                if isinstance(item, ast.AST):
                    hit = kept(id(item))
                    keys.append(hit[1] if hit is not None and hit[0] is item else _new_key(item))
                else:
                    keys.append((type(item), item))
            value = tuple(keys)
        else:  # 1, 1.0 and True are equal in Python but not in a formula
            value = (type(value), value)
        parts.append(value)
    key = _SHAPES.setdefault(tuple(parts), len(_SHAPES))
    _KEYS[id(node)] = (node, key)  # the node is kept, so its id is not reused
    return key


_FIELDS: dict[type, tuple[str, ...]] = {}  # a node type's fields but its context
_KEYS: dict[int, tuple[ast.AST, int]] = {}
_SHAPES: dict[tuple, int] = {}  # never cleared: a key must never name two shapes


def _parse(text: str, known_names: set[str]) -> Formula:
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, not {type(text).__name__}")
    source = normalise(text).strip()
    if len(source) > MAX_CHARS:
        raise FormulaError(f"formula too long: {len(source)} characters "
                           f"(the limit is {MAX_CHARS})")
    if "^" in source:
        raise FormulaError("'^' is not a power here: write ** (a^b would bind wrongly)")
    tree = _syntax_tree(source)
    nodes = walk(tree)
    try:
        check_size(nodes, tree)
        if exact_numbers(tree, nodes, source):  # numbers exactly as written
            nodes = walk(tree)
    except LiteralError as exc:
        raise FormulaError(str(exc), exc.line_offset) from None
    check_tree(nodes, known_names)
    return Formula(text, tree)


def _syntax_tree(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as exc:
        message = exc.msg
        if "integer string conversion" in message:  # Python's own digit limit
            message = "number with too many digits"
        raise FormulaError(f"syntax error in formula: {message}",
                           (exc.lineno or 1) - 1) from None
    except (RecursionError, MemoryError):  # the parser's own C recursion
        raise FormulaError(f"formula nested too deeply: more than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # a NUL character (Python 3.11)
        raise FormulaError(f"syntax error in formula: {exc}") from None


def check_tree(tree: ast.AST | list[ast.AST], known_names: set[str]) -> None:
    """Raise FormulaError unless every node of the tree (or of the list of nodes) is
    allowed in a formula (what `parse` checks; edited trees are checked the same way)."""
    nodes = tree if isinstance(tree, list) else walk(tree)
    known_names = known_names | bound_indices(nodes)
    for node in nodes:  # the most telling problem first: dunder names
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise FormulaError(f"name {node.id!r} is not allowed", getattr(node, "lineno", 1) - 1)
    for node in nodes:
        _check_node(node, known_names)


def walk(tree: ast.AST) -> list[ast.AST]:
    """Every node of the tree, in `ast.walk`'s order (about twice as fast: formulas
    and their candidate repairs are walked thousands of times in a diagnosis)."""
    out, i = [tree], 0
    while i < len(out):
        node = out[i]
        i += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                out.append(value)
            elif isinstance(value, list):
                out.extend([v for v in value if isinstance(v, ast.AST)])
    return out


def bound_indices(tree: ast.AST | list[ast.AST]) -> set[str]:
    """Index names bound by sum(expr, (k, low, high)) are known inside the formula
    (`tree` may be given as the list of its nodes)."""
    bound = set()
    for node in (tree if isinstance(tree, list) else walk(tree)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("sum", "Sum") and len(node.args) == 2
                and isinstance(node.args[1], ast.Tuple) and node.args[1].elts
                and isinstance(node.args[1].elts[0], ast.Name)):
            bound.add(node.args[1].elts[0].id)
    return bound


def _check_node(node: ast.AST, known: set[str]) -> None:
    where = getattr(node, "lineno", 1) - 1
    if isinstance(node, (ast.Expression, ast.Load, ast.Tuple, ast.Subscript,
                         ast.Slice)):
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BINOPS):
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed", where)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, _UNARY):
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed", where)
        return
    if isinstance(node, ast.Compare):
        if not all(isinstance(op, _COMPARE) for op in node.ops):
            raise FormulaError("only <, <=, >, >=, ==, != comparisons are allowed", where)
        return
    if isinstance(node, ast.BoolOp):
        return
    if isinstance(node, (ast.BinOp, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            if node.value is not True:
                raise FormulaError(f"constant {node.value!r} is not a number", where)
        return
    if isinstance(node, ast.Call):
        _check_call(node, known, where)
        return
    if isinstance(node, ast.Name):
        if node.id.startswith("__") or (node.id not in known and node.id not in CONSTANTS
                                         and node.id not in FUNCTIONS):
            raise FormulaError(f"unknown name {node.id!r}"
                               + did_you_mean(node.id, known | CONSTANTS | set(FUNCTIONS)), where)
        return
    if isinstance(node, ast.Attribute):
        raise FormulaError(f"attribute access '.{node.attr}' is not allowed", where)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula", where)


def did_you_mean(name: str, candidates: set[str]) -> str:
    """" (did you mean 'sigma'?)" for a close known name ("" when none is close); only on
    the error path, so it costs nothing when a formula is fine."""
    import difflib
    close = difflib.get_close_matches(name, sorted(c for c in candidates if c != "True"), n=2,
                                      cutoff=0.6)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def _check_call(node: ast.Call, known: set[str], where: int) -> None:
    if isinstance(node.func, ast.Attribute):
        raise FormulaError(f"attribute access '.{node.func.attr}' is not allowed", where)
    if not isinstance(node.func, ast.Name):
        raise FormulaError(f"calling a {type(node.func).__name__} is not allowed", where)
    name = node.func.id
    if name not in FUNCTIONS and name not in known:
        raise FormulaError(f"unknown function {name!r}" + did_you_mean(name, set(FUNCTIONS)),
                           where)
    if node.keywords:
        raise FormulaError(f"{name}() takes no keyword arguments", where)
    arity = FUNCTIONS.get(name)
    counts = arity if isinstance(arity, tuple) else (arity,)
    if arity is not None and len(node.args) not in counts:
        wanted = " or ".join(map(str, counts))
        raise FormulaError(f"{name}() takes {wanted} argument(s), got {len(node.args)}", where)
