"""Layers written in digits, as tutorials that name a small network entry by entry do.

A note's set-up line states the convention once (keys of the defaults line only):

- `layer_digits=true`: on W, w, b, z, a and δ a digit superscript is the layer
  (`w^2_{11}` is W^{(2)}_{11}, never a power); with no superscript, a vector quantity's
  two-digit subscript is its layer, then its entry (`b_{21}` is b^{(2)}_1, and with
  `names=O:a` the output `O_{11}` is a^{(1)}_1);
- `prime_layer=1`: a prime on those names marks that layer (`w_{11}'` is W^{(1)}_{11}); a
  layer digit written as well must agree;
- `example_index=i`: in a one-example setting, `x_{i1}` is entry 1 of the example.

The tokens are rewritten to the bracket style (`w^{(2)}_{11}`) before parsing, so every
reading after that is the parser's own; nothing is evaluated.  The same notes open rows with
a word (`\\text{where } F`, `\\text{Thus, } F`): the word introduces F, which is read.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import LatexError, Tok, match_group, texts_of
from .inout import ends_in_words
from .lossindex import loss_tokens
from .names import substitute_names
from .starred import canonical, check_unmapped
from . import unitletters

KEYS = ("layer_digits", "prime_layer", "example_index", unitletters.KEY)
_MATRICES = {"W", "w"}
_VECTORS = {"b", "z", "a", r"\delta"}
_EXAMPLES = {"x", "y"}


# words that separate two statements anywhere, and words that open a row's formula
CONNECTIVES = {"and", "und", "et"}
_LEAD_INS = {"where", "thus", "hence", "therefore", "so", "then", "since"}


def lead_in(word: str | None, before: list[Tok], tok: Tok, row: list[Tok]) -> bool:
    """Whether `tok` (at the top level of `row`) ends a statement: `\\text{and}` between two
    formulas, a word opening one (`\\text{Thus, }`, which introduces the formula after it
    rather than being a remark), or a `\\mid` between the groups of a list of expressions
    (a row with no equation; a bar inside parentheses, P(y \\mid x), is never at the top)."""
    if word is None:
        return tok.text == r"\mid" and not any(t.text == "=" for t in row)
    return word in CONNECTIVES or not before and word.lower().rstrip(",:;.") in _LEAD_INS


def note_tokens(toks: list[Tok], local: dict[str, list[Tok]] | None, ctx: Any) -> list[Tok]:
    """A display's tokens with the note's own names (`names=`, letters it defined) and
    its digit-marked layers read (`ctx`: a context.TexContext)."""
    toks = loss_tokens(canonical(toks), ctx.loss, "" if ctx.batch else dict(
        ctx.digit_layers).get("example_index", "")) if ctx.network else canonical(toks)
    toks = substitute_names(toks, local, ctx.mapped, dict(ctx.applied)) if local else toks
    check_unmapped(toks)  # y^*: a name of its own, mapped with names= or not understood
    return unitletters.rewrite(rewrite(ends_in_words(toks, ctx), ctx.digit_layers), ctx)


def key_problem(key: str, raw: Any) -> str:
    """What is wrong with one of this module's set-up values ("" when nothing is)."""
    text = str(raw).strip()
    if key == unitletters.KEY:
        return unitletters.key_problem(raw)
    if key == "layer_digits" and text.lower() not in ("true", "false"):
        return f"layer_digits={text}: layer_digits must be one of true, false"
    if key == "prime_layer" and not re.fullmatch(r"[1-9]\d*", text):
        return f"prime_layer={text}: the layer a prime marks, a positive integer (prime_layer=1)"
    if key == "example_index" and not re.fullmatch(r"[A-Za-z]", text):
        return f"example_index={text}: the example's index, one letter (example_index=i)"
    return ""


def conventions(defaults: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The keys of this module a defaults line gives, as (key, value) pairs."""
    out = [(k, str(defaults[k]).strip()) for k in KEYS if k in defaults]
    out += unitletters.bias_unit(defaults)
    return tuple((k, v) for k, v in out if not (k == "layer_digits" and v.lower() != "true"))


def rewrite(toks: list[Tok], conv: tuple[tuple[str, str], ...]) -> list[Tok]:
    """The tokens with each digit-marked layer in the bracket style (see the module)."""
    if not conv:
        return toks
    c = dict(conv)
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        after_script = k > 0 and toks[k - 1].text in ("_", "^")
        if not after_script and (t.text in _MATRICES | _VECTORS and t.kind in ("let", "cmd")):
            new, k = _layered(toks, k, c)
            out += new
        elif not after_script and t.kind == "let" and t.text in _EXAMPLES and "example_index" in c:
            new, k = _example(toks, k, c["example_index"])
            out += new
        else:
            out.append(t)
            k += 1
    return out


def _scripts(toks: list[Tok], k: int) -> tuple[dict[str, list[Tok]], int, int]:
    """The scripts after the name at k: {"_": tokens, "^": tokens}, the primes, the end."""
    found: dict[str, list[Tok]] = {}
    primes, j = 0, k + 1
    while j < len(toks) and toks[j].text in ("_", "^", "'"):
        if toks[j].text == "'":
            primes, j = primes + 1, j + 1
            continue
        if j + 1 >= len(toks) or toks[j].text in found:
            break
        end = match_group(toks, j + 1) + 1 if toks[j + 1].text == "{" else j + 2
        found[toks[j].text] = [x for x in toks[j + 1:end] if x.text not in ("{", "}")]
        j = end
    return found, primes, j


def _layered(toks: list[Tok], k: int, c: dict[str, str]) -> tuple[list[Tok], int]:
    name = toks[k]
    found, primes, end = _scripts(toks, k)
    sub, sup = found.get("_"), found.get("^")
    layer = None
    if sup is not None and len(sup) == 1 and sup[0].kind == "num" and "layer_digits" in c:
        layer, sup = sup[0].text, None
    if primes and "prime_layer" in c:
        if layer is not None and layer != c["prime_layer"] or primes > 1:
            raise LatexError(f"{name.text}: a prime (layer {c['prime_layer']}) and another "
                             "layer mark", name.pos, name.text)
        layer, primes = c["prime_layer"], 0
    if name.text in _VECTORS and "layer_digits" in c and sup is None and sub is not None \
            and "".join(texts_of(sub)).isdigit() and len("".join(texts_of(sub))) == 2:
        first, entry = "".join(texts_of(sub))
        if layer is not None and layer != first:
            raise LatexError(f"{name.text}_{{{first}{entry}}}: its layer {first} and its mark "
                             f"(layer {layer}) disagree", name.pos, name.text)
        layer, sub = first, [sub[0]._replace(text=entry)]
    if layer is None:
        return [name], k + 1  # not in the note's digit style: read as it is written
    at = name._replace(kind="sym")
    out = [name, at._replace(text="^"), at._replace(text="{"), at._replace(text="("),
           at._replace(kind="num", text=layer), at._replace(text=")"), at._replace(text="}")]
    if sub is not None:
        out += [at._replace(text="_"), at._replace(text="{"), *sub, at._replace(text="}")]
    if sup is not None:
        out += [at._replace(text="^"), at._replace(text="{"), *sup, at._replace(text="}")]
    out += [at._replace(text="'")] * primes
    return out, end


def _example(toks: list[Tok], k: int, index: str) -> tuple[list[Tok], int]:
    """`x_{i1}`, `x_{i,1}`: entry 1 of the one example i."""
    found, primes, end = _scripts(toks, k)
    sub = found.get("_")
    if primes or "^" in found or not sub or sub[0].text != index or len(sub) < 2:
        return [toks[k]], k + 1
    rest = sub[2:] if sub[1].text == "," else sub[1:]
    if not rest:
        return [toks[k]], k + 1
    at = toks[k]._replace(kind="sym")
    return [toks[k], at._replace(text="_"), at._replace(text="{"), *rest,
            at._replace(text="}")], end
