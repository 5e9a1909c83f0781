"""Names a note gives its own meaning: a letter it defines in a display (`s = \\sigma(z)`, then
`\\frac{ds}{dz} = s(1-s)`), and the names its set-up maps to the setting's quantities
(`names=p:a^{[L]},N_{out}:n_2`).  Each use is replaced by the tokens it stands for, in
parentheses, before the formula is parsed; nothing is evaluated.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import Tok, texts_of, tokenize


def substitute_names(toks: list[Tok], local: dict[str, list[Tok]]) -> list[Tok]:
    """Each name the note defined (`s`, or `N_{out}` from names=), outside sub- and
    superscripts and words, as `(` what it stands for `)`."""
    keys = sorted(((tuple(texts_of(tokenize(k))), v) for k, v in local.items()),
                  key=lambda kv: -len(kv[0]))
    out: list[Tok] = []
    scripts: list[bool] = []  # for each open `{`: whether it opened a script or a word
    k = 0
    while k < len(toks):
        t, prev = toks[k], toks[k - 1].text if k else ""
        hit = None
        if t.kind == "let" and prev not in ("_", "^"):  # a letter in a script is an index
            hit = next(((key, v) for key, v in keys if (len(key) > 1 or not any(scripts))
                        and tuple(x.text for x in toks[k:k + len(key)]) == key), None)
        if hit is not None:
            at = t._replace(end=t.pos)
            out += [at._replace(kind="sym", text="(")] + \
                [d._replace(pos=t.pos, end=t.pos) for d in hit[1]] + \
                [at._replace(kind="sym", text=")")]
            k += len(hit[0])
            continue
        if t.text == "{":
            scripts.append(prev in ("_", "^") or prev in _WORD_COMMANDS)
        elif t.text == "}" and scripts:
            scripts.pop()
        out.append(t)
        k += 1
    return out


def local_definition(st: Any) -> tuple[str, list[Tok]] | None:
    """`s = \\sigma(z) = ...` (a statements.Statement): the letter a note defines, and the
    tokens it stands for."""
    if st.kind != "equation" or st.error is not None or len(st.members) < 2:
        return None
    letter = st.members[0].latex.strip()
    if not re.fullmatch(r"[A-Za-z]", letter) or letter in _NEVER_LOCAL:
        return None
    return letter, tokenize(st.members[1].latex)


_WORD_COMMANDS = {r"\mathrm", r"\text", r"\textrm", r"\operatorname", r"\mathit", r"\textit",
                  r"\mbox", r"\rm", r"\textnormal"}
# letters that are the network's own, indices, sizes or the differential d
_NEVER_LOCAL = set("WwbBzZaAxXyYLJCEnmNlijkdeTfg")
