"""Statements that cannot be read as written, read again where the formula itself says how.

Two readings, each tried only for a statement the note's setting leaves not understood:

- **The one-layer form.**  Network notes often state the one-layer model first, with bare
  names, beside the layered network: `\\frac{\\partial J}{\\partial W} = \\frac{1}{m} X^T (A - Y)`
  next to `dW^{[l]} = \\frac{1}{m} A^{[l-1]T} dZ^{[l]}`.  A statement is in that form when no
  name in it carries a layer mark, it is the loss's gradient by a bare W or b, and it names the
  model's output (a bare A or Z in a batch; a or z otherwise) together with its input (X, x) or
  its target (y, Y): nothing of a hidden layer can be meant.  It is read in the one-layer view:
  the note's network with its input and output layers alone (widths n_0 and n_L, the output
  layer's activation, the same loss and batch), the bare names that one layer's.
- **A sample sum.**  An index-free `\\sum` of a batch's matrix in an equation that is the loss's
  gradient by a bias (`db^{[l]} = \\frac{1}{m}\\sum dZ^{[l]}`) sums over the samples
  (notes.samplesum).
"""
from __future__ import annotations

from dataclasses import replace
from .context import TexContext
from .lexer import LatexError, Tok, match_group, tokenize
from .macros import definitions, expand
from .outputlayer import output_context, output_reading
from .samplesum import bare_sum, bias_equation, with_sample_sums
from .statements import Statement, statements
from ..model import Setting

Reread = tuple[Statement, Setting, TexContext]

_LAYERED = {"W", "w", "b", "z", "a", "Z", "A", r"\delta"}
_TRANSPOSE = {"T", r"\top", r"\intercal", "{", "}", r"\mathsf", r"\mathrm", r"\rm"}


def rereadings(tex: str, setting: Setting, ctx: TexContext, sts: list[Statement],
               carry: list[Tok] | None, local: dict[str, list[Tok]] | None
               ) -> list[Reread | None]:
    """For each statement of a display: its reading in the one-layer view or with sample sums
    when it is not understood as written and one of them reads it in full; else None."""
    out: list[Reread | None] = [None] * len(sts)
    failed = [k for k, st in enumerate(sts) if st.error is not None]
    if not failed or not ctx.network:
        return out
    view = one_layer(setting, ctx)
    for k in failed:
        layered = view is not None and one_layer_form(sts[k].latex, ctx)
        out[k] = _again(tex, sts[k], view if layered else (setting, ctx), layered, carry, local)
        if out[k] is None and (st := output_reading(tex, sts[k], setting, ctx, carry, local)):
            out[k] = st, setting, output_context(ctx)  # bare names of the output layer alone
    return out


def one_layer(setting: Setting, ctx: TexContext) -> tuple[Setting, TexContext] | None:
    """The note's network with its input and output layers alone, bare names its one layer;
    None when the note names its layers with letters or already says what bare names mean."""
    widths = tuple(setting.get("widths", ()) or ())
    if len(widths) < 2 or setting.get("layers") or ctx.unmarked \
            or ctx.layer_marks != "superscript":
        return None
    out = setting.get("output") or setting.get("activation", "sigmoid")
    params = tuple((k, v) for k, v in setting.params if k not in ("widths", "activation",
                                                                   "output"))
    params += (("widths", (widths[0], widths[-1])), ("activation", out))
    view = Setting(f"{setting.name} (one layer: input to output)", setting.kind, params)
    return view, replace(ctx, unmarked=ctx.depth, activation=out)


def one_layer_form(latex: str, ctx: TexContext) -> bool:
    """Whether a statement is the one-layer model's gradient: no layer marks, a derivative
    by a bare W or b, and the output (A or Z) with the input (X) or the target (y)."""
    try:
        defined, toks = definitions(tokenize(latex))
        toks = expand(toks, {**dict(ctx.macros), **defined})
    except LatexError:
        return False
    letters = {t.text for t in toks if t.kind == "let"}
    output = {"A", "Z"} if ctx.batch else {"a", "z"}
    ends = {"X", "y", "Y"} if ctx.batch else {"x", "y"}
    derivative = any(t.text in (r"\partial", r"\nabla") for t in toks) or (
        ctx.gradient_prefix == "d" and any(t.text == "d" for t in toks))
    return derivative and bool(letters & {"W", "b"}) and bool(letters & output) \
        and bool(letters & ends) and not _layer_marked(toks)


def _layer_marked(toks: list[Tok]) -> bool:
    """Whether a layered name carries a superscript other than a transpose."""
    for k, t in enumerate(toks):
        if t.text not in _LAYERED:
            continue
        j = k + 1
        while j < len(toks) and toks[j].text in ("_", "^"):
            end = match_group(toks, j + 1) if j + 1 < len(toks) and toks[j + 1].text == "{" \
                else j + 1
            if toks[j].text == "^" and {x.text for x in toks[j + 1:end + 1]} - _TRANSPOSE:
                return True
            j = end + 1
    return False


def _again(tex: str, st: Statement, own: tuple[Setting, TexContext], view: bool,
           carry: list[Tok] | None, local: dict[str, list[Tok]] | None) -> Reread | None:
    """The statement read again in `own` (the one-layer view when `view`; with sample sums
    when it has a bare `\\sum`), if that reads it in full."""
    setting, ctx = own
    summed = with_sample_sums(ctx) if bare_sum(st.latex) else None
    for c in ([ctx] if view else []) + ([summed] if summed else []):
        again = _same(tex, st, c, carry, local)
        if again is None or again.error is not None:
            continue
        if c.sample_sums and not (again.kind == "equation" and bias_equation(
                [m.text for m in again.members], c.loss)):
            continue  # a sum over the samples only in a bias's gradient
        return again, setting, c
    return None


def _same(tex: str, st: Statement, ctx: TexContext, carry: list[Tok] | None,
          local: dict[str, list[Tok]] | None) -> Statement | None:
    try:
        again = statements(tex, ctx, carry, local)
    except LatexError:
        return None
    return next((s for s in again if s.pos == st.pos and s.latex == st.latex), None)
