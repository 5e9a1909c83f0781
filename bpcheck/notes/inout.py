"""A weight's two ends named in words: `\\frac{\\partial C}{\\partial w} = a_{\\rm in}
\\delta_{\\rm out}`.

Notes that follow the component form `∂C/∂w^l_{jk} = a^{l-1}_k δ^l_j` often restate it in
words: `w` is any one weight, `a_{\\rm in}` the activation of the neuron it leaves, and
`\\delta_{\\rm out}` the error of the neuron it enters.  That is exactly the component form,
so the statement is read as it: `w` as w^{[l]}_{jk} (the entry the setting's orientation
gives), a quantity subscripted `in` as its entry k at the weight's input layer, `out` as its
entry j at its output layer (layers l-1 and l; l and l+1 with numbering=ufldl).  Only when
every w of the statement is bare, at least one in/out word is there, and none of the letters
l, j, k is used otherwise; anything else is read as written.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import Tok, texts_of, tokenize

_WORD = re.compile(r"\\(?:rm|text|textrm|mathrm)\{?(in|out)\}?$")
_WORD_CMDS = (r"\rm", r"\text", r"\textrm", r"\mathrm")


def ends_in_words(toks: list[Tok], ctx: Any) -> list[Tok]:
    """The tokens with a bare weight `w` and its `_{\\rm in}` / `_{\\rm out}` ends as the
    component form's entries; the tokens unchanged when the statement is not of that kind."""
    ends = [(k, n, word) for k in range(len(toks)) for n, word in [_end(toks, k)] if word]
    texts = texts_of(toks)
    weights = [k for k, t in enumerate(toks) if t.text in ("w", "W")]
    if not ends or not weights or set(texts) & {"l", "j", "k"} - {"w", "W"} or \
            any(k + 1 < len(toks) and toks[k + 1].text in ("_", "^") for k in weights):
        return toks
    ufldl = getattr(ctx, "numbering", "standard") == "ufldl"
    first, second = ("k", "j") if getattr(ctx, "orientation", "out_in") == "in_out" else ("j", "k")
    layer_in, layer_out, layer_w = ("l", "l+1", "l") if ufldl else ("l-1", "l", "l")
    spans = {k: (n, "^{[%s]}_{%s}" % ((layer_in, "k") if word == "in" else (layer_out, "j")))
             for k, n, word in ends}
    spans.update({k: (0, "^{[%s]}_{%s%s}" % (layer_w, first, second)) for k in weights})
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        out.append(toks[k])
        if k in spans:
            skip, script = spans[k]
            out += [t._replace(pos=toks[k].end, end=toks[k].end) for t in tokenize(script)]
            k += skip
        k += 1
    return out


def _end(toks: list[Tok], k: int) -> tuple[int, str]:
    """(tokens of the `_{\\rm in}` after the letter at k, "in"/"out"), or (0, "")."""
    if toks[k].kind != "let" and not (toks[k].kind == "cmd" and toks[k].text[1:].isalpha()):
        return 0, ""
    if k + 2 >= len(toks) or toks[k + 1].text != "_" or toks[k + 2].text != "{":
        return 0, ""
    depth, j = 0, k + 2
    while j < len(toks):
        depth += {"{": 1, "}": -1}.get(toks[j].text, 0)
        if depth == 0:
            break
        j += 1
    inner = "".join(t.text for t in toks[k + 3:j])
    if not any(inner.startswith(c) for c in _WORD_CMDS):
        return 0, ""
    m = _WORD.match(inner)
    return (j - k, m.group(1)) if m else (0, "")
