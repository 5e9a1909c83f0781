"""Layers told by the index letter, as PRML (Bishop §5.3) and the notes that follow it write.

`unit_letters=i:0,j:1,k:2` states the layer of each index letter once: i runs over the
inputs, j over the hidden units, k over the outputs.  A bare quantity then takes its layer
from the letter it is written with: `w_{kj}` is W^{(2)}_{kj} (the weight's two letters must
be of adjacent layers, in the order the setting's orientation gives: the higher layer first
for out_in), `\\delta_j` is δ^{(1)}_j, `a_j` (after `names=`) is layer 1's, `z_i` the input's
a^{(0)}_i.  Without the key nothing is guessed; with it, a bare name with no index letter of
the key is read as written (and is not understood where it needs a layer), and a quantity
written with letters of two layers (`\\delta_{kj}`, `w_{ki}`) is not understood, with a hint.
The tokens are rewritten to the bracket style before parsing, as entrylayers does.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import LatexError, Tok, match_group

KEY = "unit_letters"
_ENTRY = re.compile(r"\s*([A-Za-z])\s*:\s*(\d+)\s*")
_MATRICES = {"W", "w"}
_VECTORS = {"b", "z", "a", r"\delta"}
_HINT = "(unit_letters= gives each index letter one layer)"


def key_problem(raw: Any) -> str:
    """What is wrong with a `unit_letters=` value ("" when nothing is)."""
    text = str(raw).strip()
    if letters(text) is None:
        return f"unit_letters={text}: each index letter with its layer, e.g. unit_letters=i:0,j:1,k:2"
    return ""


def letters(text: str) -> dict[str, int] | None:
    """{'i': 0, 'j': 1, 'k': 2} from 'i:0,j:1,k:2'; None when the text is not of that form
    or gives one letter twice."""
    parts = [p for p in text.split(",")]
    found = [_ENTRY.fullmatch(p) for p in parts]
    if not parts or not all(found):
        return None
    out = {m.group(1): int(m.group(2)) for m in found if m}
    return out if len(out) == len(parts) else None


def bias_unit(defaults: dict[str, Any]) -> list[tuple[str, str]]:
    """("bias_unit", "0") when the note states both keys: a bare sum over the units that feed
    a weight then runs from the bias unit 0 (PRML's `a_j = \\sum_i w_{ji} z_i`)."""
    both = KEY in defaults and str(defaults.get("bias_unit", "")).strip() == "0"
    return [("bias_unit", "0")] if both else []


def rewrite(toks: list[Tok], ctx: Any) -> list[Tok]:
    """The tokens with each bare W, w, b, z, a, δ whose subscript is made of the key's
    letters marked with that layer (see the module)."""
    table = letters(dict(ctx.digit_layers).get(KEY, "")) if ctx.digit_layers else None
    if not table:
        return toks
    if dict(ctx.digit_layers).get("bias_unit") == "0":
        toks = _from_bias_unit(toks, table, ctx.orientation)
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        after_script = k > 0 and toks[k - 1].text in ("_", "^")
        if not after_script and t.text in _MATRICES | _VECTORS and t.kind in ("let", "cmd") \
                and k + 1 < len(toks) and toks[k + 1].text == "_":
            new, k = _marked(toks, k, table, ctx.orientation)
            out += new
        else:
            out.append(t)
            k += 1
    return out


def _marked(toks: list[Tok], k: int, table: dict[str, int], orientation: str) \
        -> tuple[list[Tok], int]:
    name = toks[k]
    end = match_group(toks, k + 2) + 1 if k + 2 < len(toks) and toks[k + 2].text == "{" \
        else k + 3
    sub = [x for x in toks[k + 2:end] if x.text not in ("{", "}", ",")]
    if _marked_above(toks, end) or not sub \
            or not all(x.kind == "let" and x.text in table for x in sub):
        return [name], k + 1  # marked already, or not the key's letters: read as written
    layers = [table[x.text] for x in sub]
    layer = _layer_of(name, sub, layers, orientation)
    at = name._replace(kind="sym")
    out = [name, at._replace(text="^"), at._replace(text="{"), at._replace(text="("),
           at._replace(kind="num", text=str(layer)), at._replace(text=")"),
           at._replace(text="}"), at._replace(text="_"), at._replace(text="{"), *sub,
           at._replace(text="}")]
    if end < len(toks) and toks[end].text == "^":  # a power after it: (z^{(1)}_j)^2
        out = [at._replace(text="("), *out, at._replace(text=")")]
    return out, end


def _marked_above(toks: list[Tok], end: int) -> bool:
    """Whether a superscript follows that marks a layer (`z_j^{(1)}`); a number is a power
    (`z_j^2`)."""
    if end + 1 >= len(toks) or toks[end].text != "^":
        return False
    return not (toks[end + 1].kind == "num" or toks[end + 1].text == "{"
                and end + 3 < len(toks) and toks[end + 2].kind == "num"
                and toks[end + 3].text == "}")


def _layer_of(name: Tok, sub: list[Tok], layers: list[int], orientation: str) -> int:
    written = name.text + "_{" + "".join(x.text for x in sub) + "}"
    if name.text in _VECTORS:
        if len(sub) != 1:
            raise LatexError(f"{written}: one {name.text} written with the index letters of "
                             f"layers {', '.join(map(str, layers))} {_HINT}", name.pos, name.text)
        if layers[0] == 0 and name.text != "a":
            raise LatexError(f"{written}: the letter {sub[0].text} is the input's (layer 0), "
                             f"which has no {name.text} {_HINT}", name.pos, name.text)
        return layers[0]
    to, frm = (layers if orientation != "in_out" else layers[::-1]) if len(sub) == 2 \
        else (0, 0)
    if to != frm + 1:
        raise LatexError(f"{written}: a weight's letters must be of adjacent layers, "
                         f"{'the later first' if orientation != 'in_out' else 'the earlier first'}"
                         f" {_HINT}", name.pos, name.text)
    return to


def _from_bias_unit(toks: list[Tok], table: dict[str, int], orientation: str) -> list[Tok]:
    """`\\sum_i w_{ji} x_i` -> `\\sum_{i=0}^{n_0} w_{ji} x_i`: a sum with no bounds over the
    letter a weight of its term comes from (the weight's later letter, by orientation)."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        index = toks[k + 2] if k + 2 < len(toks) and toks[k + 1].text == "_" else None
        if t.text == r"\sum" and index is not None and index.kind == "let" \
                and index.text in table and (k + 3 >= len(toks) or toks[k + 3].text != "^") \
                and _feeds_a_weight(toks[k + 3:], index.text, orientation):
            at = index._replace(kind="sym")
            out += [t, at._replace(text="_"), at._replace(text="{"), index,
                    at._replace(text="="), at._replace(kind="num", text="0"),
                    at._replace(text="}"), at._replace(text="^"), at._replace(text="{"),
                    at._replace(kind="let", text="n"), at._replace(text="_"),
                    at._replace(kind="num", text=str(table[index.text])), at._replace(text="}")]
            k += 3
        else:
            out.append(t)
            k += 1
    return out


def _feeds_a_weight(rest: list[Tok], index: str, orientation: str) -> bool:
    """Whether the term after the sum (up to a top-level =, + or -) holds a bare weight
    whose source letter is the sum's index."""
    depth = 0
    for k, t in enumerate(rest):
        depth += t.text in ("{", "(", r"\left") and 1 or t.text in ("}", ")", r"\right") and -1
        if depth < 0 or depth == 0 and t.text in ("=", "+", "-", "&"):
            return False
        if t.text in _MATRICES and k + 3 < len(rest) and rest[k + 1].text == "_" \
                and rest[k + 2].text == "{":
            letters_ = [x.text for x in rest[k + 3:k + 5]]
            source = letters_[-1] if orientation != "in_out" else letters_[0]
            if len(letters_) == 2 and source == index:
                return True
    return False
