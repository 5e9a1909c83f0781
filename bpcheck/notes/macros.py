"""Macros a note defines (`\\newcommand`, `\\renewcommand`, `\\def`, `\\gdef`,
`\\DeclareMathOperator`), expanded by textual substitution of their arguments #1..#9.

Nothing is evaluated: a macro's body is tokens put in place of its use, with the use's
offset (so errors point at the use).  Expansion stops with a `LatexError` past a depth or
size limit (a macro that calls itself).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexer import LatexError, Tok, match_group, tokenize

MAX_DEPTH = 20
MAX_TOKENS = 20000

_DEFINERS = (r"\newcommand", r"\renewcommand", r"\providecommand", r"\def", r"\gdef",
             r"\edef", r"\xdef", r"\DeclareMathOperator", r"\DeclareRobustCommand")


@dataclass(frozen=True)
class Macro:
    args: int
    body: tuple[Tok, ...]
    default: tuple[Tok, ...] | None = None  # an optional first argument's default


def macros_in(text: str) -> dict[str, Macro]:
    """The macros defined anywhere in `text` (a whole note or one display), in order."""
    found: dict[str, Macro] = {}
    for m in re.finditer(r"\\(?:(?:re|provide)?newcommand|[gex]?def|DeclareMathOperator|"
                         r"DeclareRobustCommand)\*?(?![A-Za-z])", text):
        try:
            found.update(definitions(tokenize(text[m.start():m.start() + 4000]))[0])
        except LatexError:
            continue  # an unclosed definition is not a macro; its uses are reported
    return found


def definitions(toks: list[Tok]) -> tuple[dict[str, Macro], list[Tok]]:
    """The macro definitions among `toks`, and the tokens without them."""
    found: dict[str, Macro] = {}
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if toks[i].text in _DEFINERS:
            read = _definition(toks, i)
            if read is not None:
                name, macro, i = read
                found[name] = macro
                continue
        out.append(toks[i])
        i += 1
    return found, out


def _definition(toks: list[Tok], i: int) -> tuple[str, Macro, int] | None:
    """(name, macro, index after it) of the definition starting at `i`, or None."""
    kind, j = toks[i].text, i + 1
    if j < len(toks) and toks[j].text == "*":
        j += 1
    braced = j < len(toks) and toks[j].text == "{"
    name_tok = toks[j + 1] if braced and j + 1 < len(toks) else toks[j] if j < len(toks) else None
    if name_tok is None or name_tok.kind != "cmd":
        return None
    j += 3 if braced else 1
    args, default = 0, None
    if kind in (r"\def", r"\gdef", r"\edef", r"\xdef"):
        while j + 1 < len(toks) and toks[j].text == "#" and toks[j + 1].kind == "num":
            args, j = int(toks[j + 1].text), j + 2
    elif j < len(toks) and toks[j].text == "[":
        close = match_group(toks, j)
        args, j = int("".join(t.text for t in toks[j + 1:close]) or 0), close + 1
        if j < len(toks) and toks[j].text == "[":
            close = match_group(toks, j)
            default, j = tuple(toks[j + 1:close]), close + 1
    if j >= len(toks) or toks[j].text != "{":
        return None
    close = match_group(toks, j)
    body = tuple(toks[j + 1:close])
    if kind == r"\DeclareMathOperator":
        body = (Tok("cmd", r"\operatorname", 0, 0), Tok("sym", "{", 0, 0), *body,
                Tok("sym", "}", 0, 0))
    return name_tok.text, Macro(min(args, 9), body, default), close + 1


def expand(toks: list[Tok], macros: dict[str, Macro], depth: int = 0) -> list[Tok]:
    """`toks` with every use of a macro replaced by its body, arguments substituted."""
    if not macros or not any(t.text in macros for t in toks):
        return toks
    if depth > MAX_DEPTH:
        first = next(t for t in toks if t.text in macros)
        raise LatexError(f"macro {first.text} expands too deeply (does it call itself?)",
                         first.pos, first.text)
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        macro = macros.get(t.text) if t.kind == "cmd" else None
        if macro is None:
            out.append(t)
            i += 1
            continue
        args, i = _arguments(toks, i + 1, macro, t)
        out.extend(_substitute(macro, args, t))
        if len(out) > MAX_TOKENS:
            raise LatexError(f"macro {t.text} expands to too much text", t.pos, t.text)
    return expand(out, macros, depth + 1)


def _arguments(toks: list[Tok], i: int, macro: Macro, use: Tok) -> tuple[list[list[Tok]], int]:
    args: list[list[Tok]] = []
    if macro.default is not None:
        if i < len(toks) and toks[i].text == "[":
            close = match_group(toks, i)
            args.append(toks[i + 1:close])
            i = close + 1
        else:
            args.append(list(macro.default))
    while len(args) < macro.args:
        if i >= len(toks):
            raise LatexError(f"macro {use.text} needs {macro.args} argument(s)", use.pos, use.text)
        if toks[i].text == "{":
            close = match_group(toks, i)
            args.append(toks[i + 1:close])
            i = close + 1
        else:
            args.append([toks[i]])
            i += 1
    return args, i


def _substitute(macro: Macro, args: list[list[Tok]], use: Tok) -> list[Tok]:
    out: list[Tok] = []
    body = macro.body
    k = 0
    while k < len(body):
        b = body[k]
        if b.text == "#" and k + 1 < len(body) and body[k + 1].kind == "num":
            n = int(body[k + 1].text[0])
            if not 1 <= n <= len(args):
                raise LatexError(f"macro {use.text} uses #{n} but takes {len(args)} argument(s)",
                                 use.pos, use.text)
            out.extend(args[n - 1])
            k += 2
            continue
        out.append(Tok(b.kind, b.text, use.pos, use.end))
        k += 1
    return out
