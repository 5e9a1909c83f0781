"""What a note says in the words around its displays, in inline maths: a shorthand it defines
(`define $\\sum_K = \\sum_{j=1}^K \\exp(\\theta_j)$`, used later as `\\frac{e^{\\theta_i}}{\\sum_K}`)
and an index condition it states right before a display (`where $j \\neq i$`, then a formula
true only off the diagonal).

A shorthand is read as its definition in every later display, keyed on the exact LaTeX of the
defined symbol (`\\sum_K`, never `\\sum_{j=1}^K`); only a symbol that is not one of the
network's own letters or the set-up's names, and only a definition by an expression (`K = 3`
is a value, not a shorthand).  A condition is attached to a display's equation only when the
words right before it state exactly one (`i \\neq j`, `i = j`) and both indices are free in the
equation; the reading says where it came from.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from functools import lru_cache

from .gradvar import _OPENER_AT_END
from .lexer import LatexError, Tok, tokenize
from .names import _NEVER_LOCAL, _STYLES, substitute_names

# a trigger word, then inline maths right after it on the same line
_DEFINES = re.compile(r"\b(?:[Dd]efine|[Ll]et|[Ww]here|[Dd]enote|[Ww]rite)\s+"
                      r"(?:\$\$([^$\n]+?)\$\$|\$([^$\n]+?)\$|\\\((.+?)\\\))")
_INLINE = re.compile(r"\$\$([^$\n]+?)\$\$|(?<![\\$])\$([^$\n]+?)\$|\\\((.+?)\\\)")
# where a display ends: `\]`, `\end{...}`, `</script>`, or `$$` closing a line that is a display
# (kramdown's `$$j \neq i$$` inside a sentence is inline maths)
_DISPLAY_END = re.compile(r"\\\]|\\end\{[A-Za-z]+\*?\}|</script>|"
                          r"^[ \t]*(?:\$\$[^\n]*)?\$\$[ \t]*$", re.M)
_CONDITION = re.compile(r"\s*([a-z])\s*(=|\\neq?\b|≠)\s*([a-z])\s*")
_VALUED = re.compile(r"\s*([a-z])\s*(?:=|\\neq?\b|≠)\s*\d+\s*")
_NOT_SYMBOLS = {r"\frac", r"\dfrac", r"\tfrac", r"\partial", r"\nabla", r"\left", r"\right",
                r"\mathrm", r"\text", r"\operatorname", r"\log", r"\exp", r"\sigma"}


@lru_cache(maxsize=16)
def _page_definitions(text: str) -> tuple[tuple[int, str, tuple[Tok, ...]], ...]:
    """(offset, defined symbol, tokens it stands for) for each definition in inline maths."""
    found = []
    for m in _DEFINES.finditer(text):
        maths = next(g for g in m.groups() if g is not None)
        try:
            toks = tokenize(maths)
        except LatexError:
            continue
        parts = _split_equals(toks)
        if len(parts) < 2 or not _is_symbol(parts[0]) or _is_value(parts[1]):
            continue
        symbol = "".join(t.text for t in parts[0])
        found.append((m.start(), symbol, tuple(parts[1])))
    return tuple(found)


def definitions(text: str, offset: int, named: dict[str, list[Tok]],
                taken: frozenset[str]) -> dict[str, list[Tok]]:
    """The shorthands the note's words define before `offset`, as the tokens they stand for
    (the set-up's names substituted in them); a later definition of a symbol wins."""
    out: dict[str, list[Tok]] = {}
    anywhere = frozenset(re.sub(r"_.*", "", k).lstrip("\\") for k in named)
    for at, symbol, body in _page_definitions(text):
        base = re.match(r"\\?[A-Za-z]+", symbol)
        if at >= offset or base is None or base.group().lstrip("\\") in taken | anywhere \
                or symbol in named:
            continue
        out[symbol] = substitute_names(list(body), named, anywhere) if named else list(body)
    return out


def _split_equals(toks: list[Tok]) -> list[list[Tok]]:
    """The members of `X = Y = ...` at the top level (not inside `{}`, `()`)."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(t.text, 0)
        if t.text == "=" and depth == 0:
            parts.append([])
        elif t.text not in (r"\displaystyle", r"\textstyle"):
            parts[-1].append(t)
    return parts


def _is_symbol(toks: list[Tok]) -> bool:
    """`\\sum_K`, `S`, `\\Sigma_{K}`: a name with at most one script of letters and digits,
    not one of the network's own letters (those are the setting's, and a definition of one is
    checked against it)."""
    toks = [t for t in toks if t.text not in _STYLES or t.text in "{}"]
    if not toks or not (toks[0].kind == "let" or toks[0].kind == "cmd" and
                        toks[0].text[1:].isalpha() and toks[0].text not in _NOT_SYMBOLS):
        return False
    if toks[0].kind == "let" and toks[0].text in _NEVER_LOCAL:
        return False
    rest = toks[1:]
    if not rest:
        return True
    if rest[0].text not in ("_", "^") or len(rest) < 2:
        return False
    script = rest[2:-1] if rest[1].text == "{" and rest[-1].text == "}" else rest[1:]
    return len(script) >= 1 and (rest[1].text == "{" or len(script) == 1) and all(
        t.kind in ("let", "num") for t in script)


def _is_value(toks: list[Tok]) -> bool:
    """`3`, `-1`, `0.5`: a value the note gives a symbol (an example), not a shorthand."""
    return not toks or all(t.kind == "num" or t.text in ("-", "+", ".") for t in toks)


# ---- conditions -----------------------------------------------------------------------------

def words_before(text: str, offset: int) -> str:
    """The note's words right before the display at `offset` (after its opener): the last
    paragraph, never reaching into the display before."""
    before = _OPENER_AT_END.sub("", text[max(0, offset - 4000):offset]).rstrip()
    para = re.split(r"\n[ \t]*\n", before)[-1]
    ends = list(_DISPLAY_END.finditer(para))
    return para[ends[-1].end():] if ends else para


def condition_before(text: str, offset: int) -> str:
    """The one index condition (`j != i`) the words right before the display state in inline
    maths; "" when they state none, or several different ones."""
    found, valued = set(), set()
    for m in _INLINE.finditer(words_before(text, offset)):
        maths = next(g for g in m.groups() if g is not None)
        c = _CONDITION.fullmatch(maths)
        if c and c.group(1) != c.group(3):
            op = "==" if c.group(2) == "=" else "!="
            found.add(f"{c.group(1)} {op} {c.group(3)}")
        v = _VALUED.fullmatch(maths)
        valued.update({v.group(1)} if v else ())
    if len(found) != 1:
        return ""
    cond = found.pop()  # words that also state a case of one of its letters (`k = 1`) name
    return "" if {cond[0], cond[-1]} & valued else cond  # several cases, not one condition


def with_condition(sts: list, text: str, offset: int) -> tuple[list, set[int]]:
    """The statements, each equation without a condition of its own taking the words'
    condition when both its indices are free in it; and the positions of those that did."""
    cond = condition_before(text, offset)
    if not cond:
        return sts, set()
    letters = {cond[0], cond[-1]}
    out, told = list(sts), set()
    for k, st in enumerate(sts):
        if st.kind == "equation" and st.error is None and not st.when \
                and letters <= free_names(m.text for m in st.members):
            out[k] = dataclasses.replace(st, when=cond)
            told.add(k)
    return out, told


def rereads_with_condition(rereads: list, text: str, offset: int) -> list:
    """Statements read again (notes.rereads: (statement, setting, context) or None), each
    taking the words' condition as a statement read at once does (`with_condition`)."""
    if not any(rereads) or not condition_before(text, offset):
        return rereads
    return [(with_condition([r[0]], text, offset)[0][0], *r[1:]) if r else r for r in rereads]


def free_names(sides) -> set[str]:
    """The names used outside any sum that binds them (`j` in `x_j + sum(x[j], (j, 1, n))`);
    `sides` as formula text or parsed trees."""
    free: set[str] = set()
    for side in sides:
        try:
            tree = ast.parse(side, mode="eval") if isinstance(side, str) else side
        except SyntaxError:
            return set()
        _walk(tree.body if isinstance(tree, ast.Expression) else tree, frozenset(), free)
    return free


def _walk(node: ast.AST, bound: frozenset[str], free: set[str]) -> None:
    if isinstance(node, ast.Name) and node.id not in bound:
        free.add(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("sum", "Sum") and len(node.args) == 2 and \
            isinstance(node.args[1], ast.Tuple) and node.args[1].elts and \
            isinstance(node.args[1].elts[0], ast.Name):
        _walk(node.args[0], bound | {node.args[1].elts[0].id}, free)
        for limit in node.args[1].elts[1:]:
            _walk(limit, bound, free)
        return
    for child in ast.iter_child_nodes(node):
        _walk(child, bound, free)


def said(reason: str, cond: str) -> str:
    """A claim's reason, saying that its condition comes from the words before it."""
    told = f"for {cond}, as the words before the display say"
    return f"{reason}; {told}" if reason else told
