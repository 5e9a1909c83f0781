"""A batch note's two kinds of formula: the batch's matrices, and one sample of it.

With `batch=N`, capital `Z^{[l]}`, `A^{[l]}`, `B`, `X`, `Y` are the batch's matrices (samples
as columns, or as rows with row_vectors), and lower-case `z^{[l]}`, `a^{[l]}`, `x`, `y`, `δ`
are ONE sample of it, as Andrew Ng's notes and many courses write both side by side
(`dZ^{[l]} = …` beside `dz^{[l]} = …`).  A formula that names no batch matrix, no batch size
(`m`, `N`, batch_symbol=) and no sample superscript (`y^{(i)}` with samples=i) is about one
sample: it is read and decided in the same network with one sample, whose loss is the
sample's own (the note's loss symbol, for that sample).  That is exactly one column of the
batch: the forward pass acts on each column alone, and ∂ℓ_n/∂z_n is the note's per-sample δ.
Every other formula is about the batch, read as before.  A note whose lower-case letters are
batch matrices declares nothing new: it keeps reading them as the batch with `samples_view=off`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from .context import TexContext
from .lexer import LatexError, Tok, tokenize
from .macros import definitions, expand
from .names import _WORD_COMMANDS, substitute_names
from .statements import Statement, statements
from ..model import Setting

_BATCH_LETTERS = frozenset("ZABXY")  # the batch's matrices, inputs and targets
_BATCH_ONLY = ("batch", "reduction", "samples", "batch_symbol")  # keys of the batch's own


def has_sample_view(ctx: TexContext, defaults: dict[str, Any]) -> bool:
    """Whether lower-case formulas of this note are about one sample of its batch."""
    return ctx.network and bool(ctx.batch_size) and \
        str(defaults.get("samples_view", "on")).strip().lower() != "off"


def one_sample(setting: Setting, ctx: TexContext) -> tuple[Setting, TexContext]:
    """The note's network with one sample: no batch, the loss that sample's own."""
    params = tuple((k, v) for k, v in setting.params if k not in _BATCH_ONLY)
    sample = Setting(f"{setting.name} (one sample)", setting.kind, params)
    return sample, replace(ctx, batch=False, batch_size=0, per_example=0,
                           samples=frozenset())


def about_batch(tex: str, ctx: TexContext, local: dict[str, list[Tok]] | None = None) -> bool:
    """Whether `tex` names a batch matrix, the batch's size or a sample of it (as the note
    writes it: its macros expanded, its own names replaced); True when it cannot tell."""
    try:
        toks = tokenize(tex)
        defined, toks = definitions(toks)
        toks = expand(toks, {**dict(ctx.macros), **defined})
        if local:
            toks = substitute_names(toks, local, ctx.mapped, dict(ctx.applied))
    except LatexError:
        return True
    return _batch_tokens(toks, ctx)


def _batch_tokens(toks: list[Tok], ctx: TexContext) -> bool:
    opened: list[str] = []  # for each open `{`: the command or script before it
    for k, t in enumerate(toks):
        prev = toks[k - 1].text if k else ""
        if t.text == "{":
            opened.append(prev)
            continue
        if t.text == "}":
            if opened:
                opened.pop()
            continue
        if t.kind != "let" or any(o in _WORD_COMMANDS for o in opened):
            continue  # a word (\text{mean}) names nothing
        if t.text in _BATCH_LETTERS and t.text not in ctx.names:
            return True
        if t.text in ctx.batch_symbols and t.text not in ctx.names:
            return True
        if t.text in ctx.samples and "^" in opened and 0 < k < len(toks) - 1 \
                and toks[k - 1].text in ("(", ",") and toks[k + 1].text in (")", ","):
            return True  # a^{[L](i)}, x^{(i,3)}: sample i of the batch
    return False


def sample_readings(tex: str, setting: Setting, ctx: TexContext, defaults: dict[str, Any],
                    sts: list[Statement], carry: list[Tok] | None,
                    local: dict[str, list[Tok]] | None
                    ) -> list[tuple[Statement, Setting, TexContext] | None]:
    """For each statement of a display: its reading about one sample (the statement read
    again, the one-sample setting and context) when it names nothing of the batch; None for
    a statement about the batch, and for all when the note has no batch."""
    if not has_sample_view(ctx, defaults):
        return [None] * len(sts)
    batch = [about_batch(text, ctx, local) for text in _spans(tex, sts)]
    if all(batch):
        return [None] * len(sts)
    sample, sample_ctx = one_sample(setting, ctx)
    try:
        again = statements(tex, sample_ctx, carry, local)
    except LatexError:
        return [None] * len(sts)
    if [s.pos for s in again] != [s.pos for s in sts]:
        return [None] * len(sts)  # split differently: the batch reading stands
    return [None if whole else (one, sample, sample_ctx) for whole, one in zip(batch, again)]


def _spans(tex: str, sts: list[Statement]) -> list[str]:
    """Each statement's LaTeX up to the next one's (its own text is cut short where it ends
    in a macro of the note, whose tokens all point at the macro's name)."""
    starts = sorted({st.pos for st in sts})
    return [tex[st.pos:next((p for p in starts if p > st.pos), len(tex))] for st in sts]


def display_view(tex: str, setting: Setting, ctx: TexContext,
                 attrs: dict[str, Any]) -> tuple[Setting, TexContext]:
    """The setting and context a whole display (or one statement) is read in: the one
    sample's when it names nothing of the batch."""
    if has_sample_view(ctx, attrs) and not about_batch(tex, ctx):
        return one_sample(setting, ctx)
    return setting, ctx
