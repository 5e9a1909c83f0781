"""A star on a name: `y^*`, `\\vec y^*_n`, `t^*_1`, `E^*` (the target, or an optimum).

The star makes a distinct name, never a power or a product.  `canonical` writes every form
of it one way, the star right after the name's letter (`y_i^*`, `y^{*}_i`, `y^\\ast_i` and
`\\vec{y}_i^*` become `y^*_i`, `\\vec y^*_i`), so that a note's `names=y^*:y` matches each
use and the subscript stays the entry's.  `check_unmapped` refuses a star left after the
note's names are read, with the hint to map it.  Both run on a display's tokens before and after its names are read.
"""
from __future__ import annotations

from typing import Any

from .lexer import LatexError

_STARS = {"*", r"\ast", r"\star"}
_STYLES = {r"\vec", r"\mathbf", r"\boldsymbol", r"\bm", r"\bar", r"\tilde", r"\mathcal"}


def canonical(toks: list[Any]) -> list[Any]:
    """The tokens with each starred name written `X^*` (see the module)."""
    if not any(t.text in _STARS for t in toks):  # (cheap: most displays have no star)
        return toks
    out = _stars_as_one(toks)
    k = 0
    while k < len(out):
        if out[k].text == "^" and k + 1 < len(out) and out[k + 1].text == "*":
            out, k = _star_first(out, k), k + 2
        else:
            k += 1
    return out


def _stars_as_one(toks: list[Any]) -> list[Any]:
    """`^{*}`, `^\\ast`, `^{\\star}` as `^ *`."""
    out: list[Any] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.text == "^" and k + 1 < len(toks):
            nxt = [x.text for x in toks[k + 1:k + 4]]
            if nxt[:1] and nxt[0] in _STARS - {"*"}:
                out += [t, toks[k + 1]._replace(kind="sym", text="*")]
                k += 2
                continue
            if len(nxt) == 3 and nxt[0] == "{" and nxt[1] in _STARS and nxt[2] == "}":
                out += [t, toks[k + 2]._replace(kind="sym", text="*")]
                k += 4
                continue
        out.append(t)
        k += 1
    return out


def _star_first(toks: list[Any], k: int) -> list[Any]:
    """Move the `^ *` at k before a subscript written between it and its name, and into a
    style's group around one letter (`\\vec{y}^*`, also as a macro expands it,
    `\\boldsymbol{\\mathbf{y}}^*`, as `\\vec{y^*}`)."""
    star = toks[k:k + 2]
    at = k
    if at >= 2 and toks[at - 2].text == "_":  # y_i^*
        at -= 2
    elif at >= 4 and toks[at - 1].text == "}" and toks[at - 3].text == "{" \
            and toks[at - 4].text == "_":  # y_{i}^*
        at -= 4
    head, rest = toks[:at], toks[at:k] + toks[k + 2:]
    letter = _styled_letter(head)
    if letter is not None:
        return head[:letter + 1] + star + head[letter + 1:] + rest
    return head + star + rest


def _styled_letter(head: list[Any]) -> int | None:
    """The index of the one letter a style group ending `head` holds (`\\vec{y}`)."""
    if not head or head[-1].text != "}":
        return None
    depth, j = 0, len(head) - 1
    while j >= 0:
        depth += (head[j].text == "}") - (head[j].text == "{")
        if depth == 0:
            break
        j -= 1
    if j < 1 or head[j - 1].text not in _STYLES:
        return None
    inner = [i for i in range(j + 1, len(head) - 1) if head[i].text not in _STYLES | {"{", "}"}]
    if len(inner) == 1 and head[inner[0]].kind in ("let", "cmd"):
        return inner[0]
    return None


def check_unmapped(toks: list[Any]) -> None:
    """Refuse a starred name still in the tokens (the note's names are already read)."""
    for k, t in enumerate(toks):
        if t.text == "^" and k + 1 < len(toks) and toks[k + 1].text == "*" and k:
            name = toks[k - 1].text if toks[k - 1].kind in ("let", "cmd") else "(...)"
            raise LatexError(f"{name}^*: a starred name (a target or an optimum), not a power; "
                            f"if it is one of the setting's quantities, say so with names= "
                            f"(names={name}^*:y when it is the target)", toks[k - 1].pos, name)
