"""Statements that are not claims about the setting, recognised for what they are.

A note read whole (`wholefile.classify`) says more than its backprop claims: empty
displays, matrices drawn entry by entry, pseudo-code, shape annotations, training steps
written with `=` (new/old or time marks, optimizer state), the definition of a derivative
as a limit, Taylor approximations, notation introduced with `:=` or `\\equiv`, and calculus
about generic functions (`f(x, y)`, a Jacobian of generic vectors).  Each is recognised here
and given its class (skipped or update) and reason, so that `bpcheck scan` says what it is
instead of "not understood".

Safety first: a skip hides a formula from the checker, so every recogniser that skips is
guarded.  The whole-display and generic recognisers never fire on a statement that names a
quantity of the setting (W, b, z, a, δ, the loss, ŷ, a target y, a layer mark); none of them
ever overrides a statement read as a claim or a definition (see `wholefile.classify`).
"""
from __future__ import annotations

import re

from .classes import boxed_example
from .constructs import NO_WORD
from .context import TexContext
from .leibniz import chain_through_function
from .lexer import Tok, tokenize
from .datamodel import data_model
from .maps import MAP, map_display
from .smallnet import dataset_remark
from .statements import Statement

EMPTY = "an empty display"
PICTURE = "a matrix drawn entry by entry (a picture of its layout), not a formula to check"
SHAPE = "a shape statement, not checked"
CODE = "program code (an assignment in a programming language), not a formula"
LIMIT = "a limit (the definition of a derivative): not checked"
APPROX = "an approximation (\\sim, a Taylor expansion): not checked"
NOTATION = "a notation definition (:= or \\equiv introducing a symbol): nothing to check"
GENERIC = "a statement about generic functions/variables, not about the network"
WORDS = "a formula in words (\\text{...} names only): a schema, not checkable"
STEP = "an update rule (new/old or step marks), not a claim"
OPTIMIZER = "an optimizer's state update (momentum, RMSprop, Adam, bias correction), not a claim"

# ---- the whole display ----------------------------------------------------------------------

_NOTHING = re.compile(r"%[^\n]*|\\(?:tag|label)\s*\{[^{}]*\}|\\\\|\\newline|&|\\nonumber|"
                      r"\\notag|\\(?:begin|end)\s*\{[a-z]+\*?\}(?:\s*\{[lcr|\s]*\})?|\s+")
_MATRIX = re.compile(r"\\begin\s*\{(?:array|[bpvBV]?matrix|smallmatrix)\}")
_DERIVATIVE = re.compile(r"\\partial|\\nabla|∂|∇|\\delta|δ|\\Delta|'|\\prime|\\frac\s*\{\s*d|"
                         r"\\mathrm\s*\{\s*d\s*\}|(?<![\\A-Za-z])d[A-Za-z]|\\dd(?![A-Za-z])|"
                         r"\\(?:mathbf|boldsymbol)\s*\{?\s*J\s*\}?\s*_")  # a bold J_x(s): a Jacobian
# a cell between &, row breaks (`\\[0.6em]` too) or the spaces a row vector is typed with (`\ \,`)
_BAR_CELL = re.compile(r"(?:^|&|\\\\(?:\[[^\]]*\])?|\\[ ,;])\s*(?:\||\\vert|\\horzbar|\\vdots|\\cdots|"
                       r"\\dots|\\ldots|\.\.\.|…|\\ddots|\\text\s*\{\s*-{2,}\s*\})\s*(?=&|\\\\|\\end|\\[ ,;])")
_UNDERSET = re.compile(r"\\underset\s*\{(?:[^{}]|\{[^{}]*\})*\\times")
_SHAPE_WORDS = re.compile(r"\\(?:text|textrm|mbox)\s*\{[^{}]*\b(?:shape|dimensions?|size)\b")
_ONE_COLUMN = re.compile(r"\\begin\s*\{array\}\s*\{\s*[lcr]\s*\}|\\end\s*\{array\}")
_CODE = re.compile(r"\[\s*[\"']|\bstr\s*\(|\bnp\.|\brange\s*\(")


def unwrap(tex: str) -> str:
    """The display with `\\newline` as a row break and a one-column `array` (a listing of
    rows, e.g. pseudo-code) opened, so that each row is read as a statement; offsets kept."""
    tex = re.sub(r"\\newline\b", lambda m: "\\\\" + " " * (len(m.group()) - 2), tex)
    if re.search(r"\\begin\s*\{array\}\s*\{\s*[lcr]\s*\}", tex) and \
            len(re.findall(r"\\begin\s*\{array\}", tex)) == 1:
        tex = _ONE_COLUMN.sub(lambda m: " " * len(m.group()), tex)
    return tex


def display_remark(tex: str, expanded: str = "") -> str | None:
    """Why a whole display is no claim (empty, a matrix picture, a shape annotation), or
    None.  Never for a display that writes a derivative (also through the note's macros:
    `expanded` is the display with them expanded)."""
    if not _NOTHING.sub("", tex):
        return EMPTY
    if (example := boxed_example(tex)) is not None:
        return example
    if map_display(tex):
        return MAP  # G: X \mapsto X W, G: \mathbb R^{m \times n} \to ...
    if _DERIVATIVE.search(_without_text(tex)) or r"\partial" in expanded:
        return None
    if _UNDERSET.search(tex) or _SHAPE_WORDS.search(tex):
        return SHAPE
    if _MATRIX.search(tex) and (_BAR_CELL.search(_expand_horzbar(tex)) or _names_and_matrices(tex)):
        return PICTURE
    if len(re.findall(r"\\boxed\s*\{", tex)) >= 2:
        return PICTURE  # a vector drawn as a row of boxed numbers
    return None


def _without_text(tex: str) -> str:
    return re.sub(r"\\(?:text|textrm|mbox|mathrm|operatorname)\s*\{[^{}]*\}", " ", tex)


def _expand_horzbar(tex: str) -> str:
    """A macro the note defines as a dash of text (`\\def\\horzbar{\\text{---}}`) is a bar."""
    for name in re.findall(r"\\def\s*(\\[A-Za-z]+)\s*\{\s*\\text\s*\{\s*-{2,}\s*\}\s*\}", tex):
        tex = re.sub(re.escape(name) + r"\b", r"\\horzbar", tex)
    return tex


def _names_and_matrices(tex: str) -> bool:
    """`W = [entries] \\; X = [entries]`: every member is a single letter or a matrix."""
    body = re.sub(r"\\begin\s*\{(\w+)\}.*?\\end\s*\{\1\}", "M", tex, flags=re.S)
    body = re.sub(r"\\[;,:! ]|\\quad|\\qquad|\\(?:tag|label)\s*\{[^{}]*\}", ",", body)
    body = re.sub(r"\\left|\\right|[\[\]().]|\s+", "", body)
    parts = [p for p in re.split(r"=|,|;", body) if p]
    return len(parts) >= 2 and all(re.fullmatch(r"[A-Za-z]|M", p) for p in parts) and \
        "M" in parts


# ---- updates written with = ----------------------------------------------------------------

_RATE = re.compile(r"\\eta|\\alpha|η|α|\\epsilon|\\varepsilon|\blr\b|\\text\{\s*lr\s*\}")
_NEW = re.compile(r"\\text(?:rm)?\s*\{\s*(?:new|next|updated)\s*\}|\^\s*\{\s*\(?\s*[tk]\s*\+\s*1"
                  r"\s*\)?\s*\}|_\s*\{\s*[tk]\s*\+\s*1\s*\}")
_LEFT_DERIVATIVE = re.compile(r"\\partial|\\nabla|∂|∇|\\frac\s*\{\s*d|'|\\prime|\\delta\s*\^")
_MARKS = re.compile(r"\^\s*\{[^{}]*\}|_\s*\{[^{}]*\}|[\^_]\s*\\?[A-Za-z0-9]+|\\(?:hat|tilde|bar)\b")


def update_reason(st: Statement) -> str | None:
    """Why a statement written with `=` is a training step: a new value (`W_{new}`,
    `W^{(t+1)}`) from the old one and a learning rate, or an optimizer's running average
    or bias correction (`V = \\beta V + (1 - \\beta) dW`)."""
    m = re.search(r":=|=", st.latex)
    if m is None or len(st.relations) != 1:
        return None
    left, right = st.latex[:m.start()], st.latex[m.end():]
    if _LEFT_DERIVATIVE.search(left):
        return None  # a derivative on the left is a claim, never a step
    base, squashed = _base(left), _squash(right)
    if not base or not re.search(re.escape(base) + r"(?![A-Za-z])", squashed):
        return None
    if _NEW.search(left) and _RATE.search(right):
        return STEP
    decay = r"\\beta(?:_\d)?\)?" + re.escape(base) + r"(?![A-Za-z])"
    if re.search(r"1-\(?\\beta", squashed) or re.search(decay, squashed):
        return OPTIMIZER
    return None


def _squash(tex: str) -> str:
    return re.sub(r"\s+", "", tex).replace("{", "").replace("}", "")


def _base(left: str) -> str:
    """The name a step updates: the left side without its marks (`W_{\\text{new}}` -> W,
    `V\\delta W^{corrected}` -> V\\deltaW, `\\hat{m}_t` -> m)."""
    left = re.sub(r"\\text(?:rm)?\s*\{([^{}]*)\}", r"\1", left)
    return _squash(_MARKS.sub("", re.sub(r"\\mathbf|\\boldsymbol|\\bm\b", "", left)))


# ---- statements about other things ---------------------------------------------------------

def statement_remark(st: Statement, ctx: TexContext) -> str | None:
    """Why a statement (not read as a claim or a definition) is no claim about the
    setting, or None.  Never for a statement that names a quantity of the setting, except a
    notation definition whose new symbol is not one (`\\delta W \\equiv ...`)."""
    if _CODE.search(st.latex) and "=" in st.relations:
        return CODE
    if st.kind == "shape" or re.search(r"\\in\s*(?:\\mathbb\s*\{?\s*R|\\Reals|\\R\b)", st.latex) \
            and not _equation_unread(st):
        return SHAPE  # one the reader cannot check yet (a named dimension, a derivative's)
    if data_model(st.latex):
        return data_model(st.latex)
    names = _names(st.latex)
    if st.error is not None and dataset_remark(st.latex):
        return dataset_remark(st.latex)
    if _notation(st, ctx):
        return NOTATION
    if st.error is not None and chain_through_function(st.latex, ctx.loss, ctx.mapped):
        return GENERIC  # dz/dx = dz/dg dg/dx: by a function's name, never the network's
    if _setting_names(names, st.latex, ctx):
        return None
    if re.search(r"\\lim(?![A-Za-z])", st.latex):
        return LIMIT
    if r"\sim" in st.relations or re.search(r"\\sim(?![A-Za-z])", st.latex):
        return APPROX
    if st.error is not None and ("unsupported LaTeX construct" in str(st.error)
                                 or NO_WORD in str(st.error)):
        return None  # a construct the reader lacks (\oint): said, never skipped as generic
    return GENERIC


def _equation_unread(st: Statement) -> bool:
    """`A = B \\in \\mathbb{R}^{m \\times n}` whose equation is not understood: its trailing
    shape never makes the whole a shape statement (that would hide the equation)."""
    return st.error is not None and "=" in st.relations


def words_only(st: Statement) -> bool:
    """`\\partial \\text{Loss} / \\partial \\text{output}`: every name is a word in text."""
    if not re.search(r"\\(?:text|textrm|mathrm|mbox)\b", st.latex):
        return False
    names = _names(st.latex)
    words = re.findall(r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*([A-Za-z ]{2,})\}", st.latex)
    return bool(names) and len(words) == len(names) and all(len(n) > 1 for n in names)


def _notation(st: Statement, ctx: TexContext) -> bool:
    """`\\partial_x := ...`, `x := (x_1, \\dots, x_n)^T`, `\\delta W \\equiv ...`: a new
    symbol (not one of the setting's, no layer mark) named by `:=` or `\\equiv`."""
    if len(st.relations) != 1 or st.relations[0] not in (":=", r"\equiv", r"\coloneqq",
                                                         r"\triangleq"):
        return False
    rel = re.search(r":=|\\equiv|\\coloneqq|\\triangleq", st.latex)
    left = st.latex[:rel.start()] if rel else ""
    if not left.strip() or re.search(r"[\^_]\s*\{?\s*[\[(]", left):
        return False
    names = _names(left)
    if len(names) == 1:
        return not _setting_names(names, left, ctx)
    if len(names) != 2:
        return False
    prefix = names[0]  # a compound symbol: δW, dW, V_{dW}
    return prefix != ctx.gradient_prefix and prefix in ("delta", "Delta", "d", "partial")


def _names(tex: str) -> list[str]:
    """The names a formula uses, in order: letters, Greek and other commands, `\\mathcal{L}`
    as calL, `\\hat{y}` as yhat, words in `\\text{...}` as one name each."""
    try:
        toks = tokenize(tex)
    except Exception:  # a lexer error: read the names from the text instead
        return re.findall(r"\\[A-Za-z]+|[A-Za-z]", tex)
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        inner = _group_text(toks, i + 1)
        if t.text in (r"\text", r"\textrm", r"\mathrm", r"\mbox", r"\operatorname") and inner:
            out.append(inner)
            i += 3 + len(inner)
            continue
        if t.text in (r"\mathcal", r"\mathscr") and inner:
            out.append(("cal" if t.text == r"\mathcal" else "scr") + inner)
            i += 3 + len(inner)
            continue
        if t.text in (r"\hat", r"\widehat"):
            nxt = inner or (toks[i + 1].text if i + 1 < len(toks) else "")
            out.append(nxt.lstrip("\\") + "hat")
            i += 3 + len(inner) if inner else 2
            continue
        if t.kind == "let" or (t.kind == "cmd" and t.text[1:].isalpha() and
                               t.text not in _OPERATORS):
            out.append(t.text.lstrip("\\"))
        i += 1
    return out


def _group_text(toks: list[Tok], i: int) -> str:
    """The letters of `{...}` at `i` when it holds only letters (and spaces), else ""."""
    if i >= len(toks) or toks[i].text != "{":
        return ""
    j = i + 1
    word = ""
    while j < len(toks) and toks[j].kind == "let":
        word += toks[j].text
        j += 1
    return word if j < len(toks) and toks[j].text == "}" and word else ""


_OPERATORS = {r"\frac", r"\dfrac", r"\tfrac", r"\partial", r"\nabla", r"\sum", r"\prod", r"\lim",
              r"\cdot", r"\times", r"\odot", r"\circ", r"\sqrt", r"\log", r"\ln", r"\exp",
              r"\dots", r"\cdots", r"\ldots", r"\to", r"\rightarrow", r"\sim", r"\approx",
              r"\infty", r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", r"\mathbb", r"\top",
              r"\mid", r"\label", r"\tag", r"\phantom", r"\quad", r"\qquad", r"\equiv",
              r"\coloneqq", r"\in", r"\max", r"\min", r"\sin", r"\cos", r"\mathrm", r"\text"}
_SETTING = {"W", "w", "b", "z", "a", "Delta", "sigma", "yhat", "o", "O"}
_BATCH = {"X", "Y"}  # Z, A, B are batch matrices only with a layer mark (caught above)


def _setting_names(names: list[str], tex: str, ctx: TexContext) -> bool:
    """Whether a formula names a quantity of the setting: W, b, z, a, σ, ŷ, the loss, δ
    (not Kronecker's δ_{ij}), a target y (not a generic variable y that is differentiated
    by or passed to a function), a batch matrix, or anything with a layer mark."""
    if re.search(r"\^\s*\{?\s*[\[(]", tex) or any(n in ctx.mapped for n in names):
        return True  # a layer mark, or a name the note's set-up maps to the setting's
    if _LOSS_DERIVATIVE.search(tex):
        return True  # ∂L/∂w of a model of the note's own: a claim, never generic calculus
    setting = _SETTING | {ctx.loss} | (_BATCH if ctx.batch else set())
    if ctx.ell_is_loss:
        setting.add("ell")
    bare = {n for n in names if n in _NEED_LAYER and _bare(n, tex, ctx)}
    generic_sigma = bool(bare) and not (set(names) & _NEED_LAYER) - bare  # σ(z) = 1/(1+e^{-z})
    if any(n in setting and n not in bare and not (n == "sigma" and generic_sigma)
           for n in names):
        return True
    if "delta" in names and not _only_kronecker(tex):
        return True
    return "y" in names and not _generic_y(tex)


_LOSS_DERIVATIVE = re.compile(r"\\partial\s*\{?\s*(?:[LJCE](?![A-Za-z])|\\mathcal\s*\{?\s*L|\\ell"
                              r"|\\text\s*\{\s*Loss)")
_NEED_LAYER = {"W", "w", "b", "z", "a"}


def _bare(letter: str, tex: str, ctx: TexContext) -> bool:
    """Every use of W, b, z or a has no superscript, in a note whose setting needs one (no
    `unmarked=`, layers not in subscripts): the reader cannot take it for the setting's
    quantity, so it is a generic variable (`\\frac{dz}{dx}`, `\\text{ReLU}'(z)`)."""
    if ctx.unmarked or ctx.layer_marks == "subscript":
        return False
    if re.search(rf"\\frac\s*\{{[^{{}}]*\}}\s*\{{\s*(?:\\partial|\\mathrm\{{d\}}|d)\s*{letter}(?![A-Za-z])", tex):
        return False  # differentiated by it (ds/dz): a derivative by the network's quantity
    uses = re.finditer(rf"(?<![A-Za-z\\]){letter}(?![A-Za-z])\s*(_\s*(\{{[^{{}}]*\}}|\w))?\s*(\^)?",
                       tex)
    return all(m.group(3) is None for m in uses)


def _only_kronecker(tex: str) -> bool:
    uses = re.findall(r"\\delta\s*(_\s*\{\s*[a-z]\s*[a-z]\s*\}|_\s*[a-z][a-z]?)?", tex)
    return bool(uses) and all(uses)


def _generic_y(tex: str) -> bool:
    """y as a variable of calculus: differentiated by (∂/∂y_j, ∇_y) or a function's argument."""
    return bool(re.search(r"\\partial\s*y|\\nabla\s*_\s*\{?\s*y|\\dd\s*y|[fgh]\s*\(\s*x\s*,\s*y",
                          tex))
