"""Names a note gives its own meaning: a letter it defines in a display (`s = \\sigma(z)`, then
`\\frac{ds}{dz} = s(1-s)`), and the names its set-up maps to the setting's quantities
(`names=p:a^{[L]},N_{out}:n_2`).  Each use is replaced by the tokens it stands for, in
parentheses, before the formula is parsed; nothing is evaluated.
"""
from __future__ import annotations

import re
from typing import Any

from .lexer import LatexError, Tok, texts_of, tokenize
from .namekeys import canonical, match_length


def substitute_names(toks: list[Tok], local: dict[str, list[Tok]],
                     anywhere: frozenset[str] = frozenset(),
                     applied: dict[str, Any] | None = None) -> list[Tok]:
    """Each name the note defined (`s`, or `N_{out}` from names=), outside sub- and
    superscripts and words, as `(` what it stands for `)`; a name in `applied` (the
    output's own, `s`), applied to something else than its input, as its function."""
    keys = sorted(((tuple(canonical(texts_of(tokenize(k)))), v, "".join(texts_of(tokenize(k))))
                   for k, v in local.items()), key=lambda kv: -len(kv[0]))
    out: list[Tok] = []
    scripts: list[bool] = []  # for each open `{`: whether it opened a script or a word
    words: list[bool] = []  # ... and whether it opened a word (\mathrm{log}: never a name)
    k = 0
    while k < len(toks):
        t, prev = toks[k], toks[k - 1].text if k else ""
        hit = None
        script = prev in ("_", "^")  # `^K`: a one-token script, mapped names only
        if t.kind == "let" or t.kind == "cmd" and t.text[1:].isalpha():
            hit = None if any(words) else next(
                ((key, v, name) for key, v, name in keys
                 if (key[0] in anywhere if script else
                     len(key) > 1 or not any(scripts) or key[0] in anywhere)
                 and match_length(toks, k, key)), None)
            size = match_length(toks, k, hit[0]) if hit is not None else 0
        if hit is not None and script:  # `\sum_{j=1}^K` with names=K:n_1: `^{n_1}`
            at = t._replace(end=t.pos)
            out += [at._replace(kind="sym", text="{")] + \
                [d._replace(pos=t.pos, end=t.pos) for d in hit[1]] + [at._replace(kind="sym", text="}")]
            k += size
            continue
        if hit is not None and applied and hit[2] in applied and \
                _applied_to_other(toks, k + size, set(local) - {hit[2]}):
            out += [d._replace(pos=t.pos, end=t.pos) for d in applied[hit[2]]]
            k += size  # s(x + c): softmax(x + c), its argument read as written
            continue
        if hit is not None:
            at = t._replace(end=t.pos)
            body = [d._replace(pos=t.pos, end=t.pos) for d in hit[1]]
            out += body if _is_function(hit[1]) or _is_letter(hit[1]) or _takes_entries(
                hit[1], toks, k + size) else \
                [at._replace(kind="sym", text="(")] + body + [at._replace(kind="sym", text=")")]
            k += size
            if _is_quantity(hit[1]):
                k = _own_argument(toks, k, set(local) - {hit[2]})
            continue
        if t.text == "{":  # `e^{x_i}` is a power: its letters are names, not indices
            exponent = prev == "^" and k > 1 and toks[k - 2].text == "e"
            scripts.append((prev in ("_", "^") and not exponent) or prev in _WORD_COMMANDS)
            words.append(prev in _WORD_COMMANDS)
        elif t.text == "}" and scripts:
            scripts.pop()
            words.pop()
        out.append(t)
        k += 1
    return out


_STYLES = {r"\mathbf", r"\boldsymbol", r"\bm", r"\vec", "{", "}"}


def _is_quantity(toks: list[Tok]) -> bool:
    """`a`, `a^{[L]}`, `z_{o}`: one quantity's name (not an expression such as σ(z))."""
    return bool(toks) and toks[0].kind == "let" and all(
        t.kind in ("let", "num") or t.text in ("^", "_", "{", "}", "[", "]", "(", ")")
        for t in toks[1:]) and not any(t.text == "(" for t in toks[:1])


def _own_argument(toks: list[Tok], k: int, others: set[str]) -> int:
    """After a name that stands for a quantity, `(\\mathbf x)` naming one variable is what
    the quantity depends on (s(x): the softmax of x), not a product: skipped."""
    if k < len(toks) and toks[k].text == "(":
        depth, j = 0, k
        while j < len(toks):
            depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
            if depth == 0:
                break
            j += 1
        inner = [t for t in toks[k + 1:j] if t.text not in _STYLES]
        if j < len(toks) and len(inner) == 1 and inner[0].kind == "let" \
                and inner[0].text in others | {"z", "x"}:  # a declared name, or z, x
            return j + 1
        if j < len(toks) and toks[k].pos == toks[k - 1].end and \
                any(t.text in others for t in inner):  # s(x + c): applied, not its own input
            raise LatexError(f"{toks[k - 1].text}(...): a name the set-up maps to a quantity, "
                             "applied to something else than its own input", toks[k].pos, "(")
    return k


def _applied_to_other(toks: list[Tok], k: int, others: set[str]) -> bool:
    """Whether the name before `k` is applied to something else than its own input."""
    try:
        _own_argument(toks, k, others)
    except LatexError:  # s(x + c), written against the name
        return True
    return False


def _is_letter(toks: list[Tok]) -> bool:
    """`a`: one letter, put in place as it is, so that the scripts after it stay its own."""
    return len(toks) == 1 and toks[0].kind == "let"


def _takes_entries(body: list[Tok], toks: list[Tok], after: int) -> bool:
    """`W^{(1)}` for `w` before `_{11}`: a layered name with no subscript of its own, put in
    place as it is, so that `w_{11}` is its entry (1, 1) as `W^{(1)}_{11}` is."""
    texts = texts_of(body)
    return after < len(toks) and toks[after].text == "_" and _is_quantity(body) and \
        len(texts) > 1 and texts[1] == "^" and "_" not in texts


def _is_function(toks: list[Tok]) -> bool:
    """`\\mathrm{softmax}`, `\\sigma`, `\\exp`: a function's name, used as written (s(x))."""
    texts = texts_of(toks)
    return bool(texts) and texts[0].startswith("\\") and (
        len(texts) == 1 or texts[1] == "{" and texts[-1] == "}" and "{" not in texts[2:-1])


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
