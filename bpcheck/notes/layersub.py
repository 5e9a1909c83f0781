"""An activation with its layer as a subscript: `\\phi_l(z_l)`, `\\sigma_{(l)}(z^{(l)})`,
`g_2'(z_2)`, `\\sigma_h(z^h)` (layers=h,o).

Notes whose layers have different activations write layer k's one as `\\phi_k`, the way others
write `g^{[l]}` (notes.constructs.layer_activation).  It is read as the note's generic
activation f (or f'), which notes.perlayer then splits into the hidden layers' and the output
layer's own, by its argument.  That split is sound only when the argument is layer k's own
pre-activation, so when the layers' activations differ `\\phi_k` must be applied to z_k (as
written: `\\phi_3(u_3)` with names=u:z); anything else (`\\phi_3(4)`, `\\phi_2(z_3)`) stays not
understood.  A subscript that is no layer (`\\sigma_{h_1}`, a unit, or a name of the note such
as an error term) is never guessed: the hint says how to state it.
"""
from __future__ import annotations

import ast
from typing import Any

from .lexer import Tok, match_group, texts_of

Parser = Any  # notes.parser.Parser, which imports this module


def layer_subscript(p: Parser, fn: str, sub: list[Tok], sup: list[Tok] | None, primes: int,
                    tok: Tok) -> ast.expr:
    """`\\phi_k(z_k)` as layer k's activation applied to z_k (f, f' of the setting)."""
    shown = f"{tok.text}_{{{''.join(texts_of(sub))}}}"
    layer = _layer(p, sub)
    if layer is None:
        raise p.fail(f"{shown}: a subscript on the function {tok.text} that is no layer (only "
                     f"{tok.text}_l(z_l), layer l's activation, is read); if {shown} is a "
                     "name of the note (a unit's value, an error term), map it with names=", tok)
    if not p.at("(", "[", "{", r"\circ"):
        raise p.fail(f"{shown} is applied to nothing: not layer {''.join(texts_of(sub))}'s "
                     f"activation; if it is a name of the note, map it with names=", tok)
    generic = fn in ("f", "g") or fn == p.ctx.activation
    if not generic:
        raise p.fail(f"{shown}: a layer's activation, but the setting's layers do not all have "
                     f"{tok.text}; write the note's generic symbol (activation_symbol=)", tok)
    if primes > 1:
        raise p.fail(f"{shown} with several primes: only first derivatives are read", tok)
    if not p.ctx.activation:
        _check_own_argument(p, layer, shown, tok)
    return p.apply(fn, None, sup, primes, tok)


def _layer(p: Parser, sub: list[Tok]) -> ast.expr | None:
    """The layer a subscript names (`l`, `2`, `L-1`, `(l)`, `[l]`, a layer's name), or None."""
    toks = sub
    if toks[0].text in ("(", "[") and match_group(toks, 0) == len(toks) - 1:
        toks = toks[1:-1]
    letters = p.layer_letters()
    if not toks or not (set(texts_of(toks)) & letters or len(toks) == 1 and toks[0].kind == "num"):
        return None
    if not all(t.text in letters | {"+", "-"} or t.kind == "num" for t in toks):
        return None
    return p.layer_value(toks, toks[0])


def _check_own_argument(p: Parser, layer: ast.expr, shown: str, tok: Tok) -> None:
    """When the layers' activations differ, `\\phi_k` must be applied to z_k alone."""
    start = p.i
    try:
        args = p.call_args(tok)
    finally:
        p.i = start
    if len(args) != 1 or ast.unparse(args[0]) != f"z[{ast.unparse(layer)}]":
        raise p.fail(f"{shown} applied to something other than layer "
                     f"{ast.unparse(layer)}'s pre-activation z: the layers' activations "
                     "differ, so bpcheck reads it only as applied to its own layer's z", tok)
