"""A display formula as the statements it makes, none silently dropped.

A display may hold several claims: rows (`\\\\`), pieces separated by `\\text{and}`,
`\\quad`, `\\qquad`, `,`, `;` or an arrow (`\\to`, `\\Rightarrow`, `\\implies`), and
within a piece a chain of relations.  Equalities (`=`, `:=`, `\\equiv`) form chains;
every other relation is a statement of its own kind, reported rather than checked as an
equality: an inequality (`\\geq`, `\\le`, `\\neq`), an approximation (`\\approx`, with the
stated digits as its tolerance), a shape (`\\in \\mathbb{R}^{m \\times n}`), an update
(`\\leftarrow`).  An index range (`l = 1, \\dots, L`) and a remark (`\\text{for all } j`)
are statements too, so that `bpcheck scan` can list them.  A piece the parser cannot
read carries its `LatexError` (the construct and a hint) instead of a translation.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .context import TexContext
from .lexer import LatexError, Tok, match_group, nesting, texts_of, tokenize
from .macros import definitions, expand
from .over import fractions_over
from .align import after_relation, continues_term, joined_in_parens
from .worked import worked_examples
from .wordbrackets import brackets_in_words
from .entrylayers import lead_in, note_tokens
from .constructs import is_remark_word
from .parser import OTHER_RELATIONS, RELATIONS, to_text

ARROWS = {r"\to", r"\rightarrow", r"\Rightarrow", r"\implies", r"\Longrightarrow",
          r"\longrightarrow"}
_SPACES = {r"\quad", r"\qquad"}
_PUNCT = {",", ";"}
_DOTS = {r"\dots", r"\ldots", r"\cdots"}
_INEQUALITIES = {"<", ">", r"\le", r"\leq", r"\ge", r"\geq", r"\neq", r"\ne", r"\leqslant",
                 r"\geqslant"}
_UPDATES = {r"\leftarrow", r"\gets", r"\longleftarrow"}


@dataclass(frozen=True)
class Member:
    """One member of a chain: its formula text, its LaTeX and its offset in the display."""

    text: str
    latex: str
    pos: int


@dataclass(frozen=True)
class Statement:
    """One statement of a display: `kind` is "equation" (a chain of `relations`),
    "expression" (one member, no relation), "inequality", "approx", "shape", "update",
    "relation" (another relation), "range" or "remark"; `reason` says why a kind other
    than an equation is not checked as one; `error` is set when a member is not understood."""

    kind: str
    members: tuple[Member, ...]
    relations: tuple[str, ...]
    latex: str
    pos: int
    reason: str = ""
    tolerance: float | None = None  # an approximation's stated precision
    shape: tuple[str, ...] = ()  # a shape statement's dimensions, as formula text
    error: LatexError | None = None
    relation_pos: int = -1  # offset of a non-equality relation
    when: str = ""  # an index condition written after the formula (`\\quad i \\neq j`)


def statements(tex: str, ctx: TexContext, carry: list[Tok] | None = None,
               local: dict[str, list[Tok]] | None = None) -> list[Statement]:
    """Every statement of a display formula, in order.  `carry`: the left side of the
    chain in the display before, which a display starting with `=` continues; `local`: the
    letters the note defined before (`s = \\sigma(z)`), read as what they stand for."""
    out: list[Statement] = []
    for piece, kind in _pieces(_tokens(tex, ctx, local), carry):
        if kind == "remark":
            out.append(_remark(tex, piece, "a remark in words, not a formula"))
        elif kind == "range":
            out.append(_remark(tex, piece, "an index range", "range"))
        else:
            out.extend(_relations(tex, piece, ctx))
    return worked_examples(_conditions(out), tex)


def chain_left(tex: str, ctx: TexContext, carry: list[Tok] | None = None,
               local: dict[str, list[Tok]] | None = None) -> list[Tok] | None:
    """The left side of the display's last chain, for a next display that starts with `=`
    (a derivation written one step per display); its tokens point at offset 0."""
    try:
        pieces = [p for p, kind in _pieces(_tokens(tex, ctx, local), carry) if kind == "formula"]
    except LatexError:
        return None
    if not pieces:
        return None
    members, rels = _split_members(pieces[-1])
    if not rels or not members[0] or not all(_is_equality(r) for r in rels):
        return None
    return [t._replace(pos=0, end=0) for t in members[0]]


def _tokens(tex: str, ctx: TexContext, local: dict[str, list[Tok]] | None = None) -> list[Tok]:
    toks = tokenize(tex)
    defined, toks = definitions(toks)
    toks = fractions_over(expand(toks, {**dict(ctx.macros), **defined}))
    return note_tokens(toks, local, ctx)  # its names, layers in digits (w^2_{11})


_INDEX_CONDITIONS = {"=": "==", r"\neq": "!=", r"\ne": "!="}


def _conditions(out: list[Statement]) -> list[Statement]:
    """`... , \\quad i = j` / `i \\neq j` after an equation: the equation's index condition
    (its `when`), kept as a statement of its own kind so that scan shows it."""
    for k in range(1, len(out)):
        st, before = out[k], out[k - 1]
        cond = _index_condition(st)
        if cond and before.kind == "equation" and before.error is None and not before.when:
            out[k - 1] = dataclasses.replace(before, when=cond)
            out[k] = dataclasses.replace(st, kind="condition",
                                         reason=f"the condition of the formula before ({cond})")
    return out


def _index_condition(st: Statement) -> str:
    if st.error is not None or len(st.members) != 2 or len(st.relations) != 1:
        return ""
    op = _INDEX_CONDITIONS.get(st.relations[0])
    left, right = (m.text for m in st.members)
    if op and re.fullmatch(r"[a-z]", left) and re.fullmatch(r"[a-z]", right) and left != right:
        return f"{left} {op} {right}"
    return ""


def _remark(tex: str, piece: list[Tok], reason: str, kind: str = "remark") -> Statement:
    latex = tex[piece[0].pos:piece[-1].end]
    return Statement(kind, (), (), latex, piece[0].pos, f"{reason}: {latex.strip()}")


# ---- pieces ---------------------------------------------------------------------------------

def _pieces(toks: list[Tok], carry: list[Tok] | None = None) -> list[tuple[list[Tok], str]]:
    """(tokens, "formula" | "remark" | "range") for each piece, rows and separators applied;
    a row starting with a relation (`&= ...`) continues the piece above (or `carry`, the
    chain of the display before)."""
    pieces: list[tuple[list[Tok], str]] = []
    for row in _rows(toks):
        current: list[Tok] = []
        row_pieces: list[tuple[list[Tok], str]] = []
        depth, i = 0, 0
        while i < len(row):
            t = row[i]
            depth += nesting(t)
            word = _text_word(row, i) if depth == 0 else None
            if word == "":  # `\text{ }` is a space inside the formula, not a remark
                i = match_group(row, i + 1) + 1
                continue
            if depth == 0 and t.text in ARROWS and _arrow_update(current, row[i + 1:]):
                current.append(t._replace(text=r"\gets"))  # w \to w - \eta ∂C/∂w: a step
                i += 1
                continue
            if depth == 0 and (t.text in ARROWS | _SPACES | _PUNCT or lead_in(word, current, t, row)):
                row_pieces.append((current, "formula"))
                current = []
                i = match_group(row, i + 1) + 1 if word is not None else i + 1
                continue
            if depth == 0 and (t.text in (r"\forall", r"\mbox") or word is not None
                               and is_remark_word(word)):
                row_pieces.append((current, "formula"))
                row_pieces.append((row[i:], "remark"))
                current = []
                break
            current.append(t)
            i += 1
        row_pieces.append((current, "formula"))
        row_pieces = _ranges([p for p in row_pieces if p[0]])
        formulas = [k for k, (piece, kind) in enumerate(pieces) if kind == "formula"]
        chain = next((k for k in reversed(formulas) if _relation_before_column(pieces[k][0])),
                     formulas[-1] if formulas else None)
        # `&=` continues the last chain, not a row's comment (`& y \mbox{is constant}`)
        if row_pieces and chain is not None and (_starts_with_relation(row_pieces[0][0])
                                                 or continues_term(row_pieces[0][0])):
            pieces[chain] = (pieces[chain][0] + row_pieces[0][0], "formula")
            row_pieces = row_pieces[1:]
        elif row_pieces and _starts_with_relation(row_pieces[0][0]) and carry and chain is None:
            row_pieces[0] = (list(carry) + row_pieces[0][0], row_pieces[0][1])
        elif row_pieces and _starts_with_relation(row_pieces[0][0]):
            t = row_pieces[0][0][0]
            raise LatexError(f"the formula starts with {t.text!r}", t.pos, t.text)
        pieces.extend(row_pieces)
    return [(p, k) for p, k in pieces if not (k == "formula" and texts_of(p) == ["."])]


_RATES = {r"\eta", r"\alpha", r"\epsilon", r"\varepsilon"}


def _arrow_update(before: list[Tok], after: list[Tok]) -> bool:
    """`w_k \\to w_k - \\eta \\partial C/\\partial w_k`: an update written with an arrow."""
    name = texts_of(before)
    return bool(name) and texts_of(after[:len(name)]) == name and \
        any(t.text in _RATES for t in after[len(name):])


def _rows(toks: list[Tok]) -> list[list[Tok]]:
    """Rows split at top-level `\\\\` (Jekyll's `\\\\\\\\` too); `&` dropped; a final `.` cut."""
    rows: list[list[Tok]] = [[]]
    toks = joined_in_parens(toks)
    depth, in_words = 0, brackets_in_words(toks)
    for k, t in enumerate(toks):
        depth += 0 if k in in_words else nesting(t)
        if depth == 0 and t.text == "\\\\":
            rows.append([])
        else:
            rows[-1].append(t)
    rows = [_columns(row) for row in rows]
    for row in rows:
        if row and row[-1].text == ".":
            row.pop()  # the sentence's full stop
    return [r for r in rows if r]


def _columns(row: list[Tok]) -> list[Tok]:
    """`&` dropped (alignment), except before a column that follows a finished relation and
    holds none (`a &= b & W_k \\mbox{is constant}`): that column is a statement of its own."""
    out: list[Tok] = []
    depth, related = 0, False
    for k, t in enumerate(row):
        depth += nesting(t)
        if depth == 0 and t.text == "&":
            rest = row[k + 1:]
            if related and rest and rest[0].text != "&" and not _starts_with_relation(rest) \
                    and not _relation_before_column(rest) and not after_relation(out):
                out.append(t._replace(kind="cmd", text=r"\quad"))
            continue
        related = related or (depth == 0 and (t.text in RELATIONS or t.text in OTHER_RELATIONS))
        out.append(t)
    return out


def _relation_before_column(toks: list[Tok]) -> bool:
    depth = 0
    for t in toks:
        depth += nesting(t)
        if depth == 0 and t.text == "&":
            return False
        if depth == 0 and (t.text in RELATIONS or t.text in OTHER_RELATIONS):
            return True
    return False


def _text_word(row: list[Tok], i: int) -> str | None:
    """The word of `\\text{...}` at `i`, or None."""
    if row[i].text not in (r"\text", r"\textrm", r"\mathrm", r"\textit", r"\textnormal") \
            or i + 1 >= len(row) or row[i + 1].text != "{":
        return None
    close = match_group(row, i + 1)
    return " ".join("".join(texts_of(row[i + 2:close])).split()).strip()


def _starts_with_relation(piece: list[Tok]) -> bool:
    return piece[0].text in RELATIONS | OTHER_RELATIONS or (
        piece[0].text == ":" and len(piece) > 1 and piece[1].text == "=")


def _ranges(pieces: list[tuple[list[Tok], str]]) -> list[tuple[list[Tok], str]]:
    """`l = 1, \\dots, L` (pieces `l = 1`, `\\dots`, `L`) as one range piece."""
    out: list[tuple[list[Tok], str]] = []
    k = 0
    while k < len(pieces):
        toks, kind = pieces[k]
        if texts_of(toks) and texts_of(toks)[0] in _DOTS and len(texts_of(toks)) == 1 and out:
            start = len(out) - 1
            while start > 0 and "=" not in texts_of(out[start][0]):
                start -= 1
            first = out[start][0]
            if len(first) >= 3 and first[0].kind == "let" and first[1].text == "=":
                merged = [t for p, _ in out[start:] for t in p] + toks
                merged += pieces[k + 1][0] if k + 1 < len(pieces) else []
                del out[start:]
                out.append((merged, "range"))
                k += 2
                continue
        out.append((toks, kind))
        k += 1
    return out


# ---- relations ------------------------------------------------------------------------------

def _relations(tex: str, piece: list[Tok], ctx: TexContext) -> list[Statement]:
    """A piece's chain of relations: runs of equalities as one equation, each other link
    as a statement of its own."""
    members, rels = _split_members(piece)
    for m, r in zip(members[1:], rels):
        if not m:
            raise LatexError(f"a {r.text!r} with nothing after it", r.pos, r.text)
    if not members[0]:
        raise LatexError(f"the formula starts with {rels[0].text!r}", rels[0].pos, rels[0].text)
    out: list[Statement] = []
    run = [0]
    for k, rel in enumerate(rels):
        if _is_equality(rel):
            run.append(k + 1)
            continue
        if len(run) > 1:
            out.append(_statement(tex, "equation", [members[j] for j in run], rels[run[0]:k],
                                  ctx))
        other = _other(tex, members[k], rel, members[k + 1], ctx)
        out.append(dataclasses.replace(other, relation_pos=rel.pos))
        run = [k + 1]
    if len(run) > 1 or not rels:
        out.append(_statement(tex, "equation" if rels else "expression",
                              [members[j] for j in run], rels[run[0]:], ctx))
    return out


def _is_equality(rel: Tok) -> bool:
    return rel.text in RELATIONS or rel.text == ":="


def _split_members(piece: list[Tok]) -> tuple[list[list[Tok]], list[Tok]]:
    members: list[list[Tok]] = [[]]
    rels: list[Tok] = []
    depth = 0
    k = 0
    while k < len(piece):
        t = piece[k]
        depth += nesting(t)
        if depth == 0 and t.text == ":" and k + 1 < len(piece) and piece[k + 1].text == "=":
            rels.append(Tok("sym", ":=", t.pos, piece[k + 1].end))
            members.append([])
            k += 2
            continue
        if depth == 0 and (t.text in RELATIONS or t.text in OTHER_RELATIONS):
            rels.append(t)
            members.append([])
        else:
            members[-1].append(t)
        k += 1
    return members, rels


def _statement(tex: str, kind: str, members: list[list[Tok]], rels: list[Tok],
               ctx: TexContext, **extra: object) -> Statement:
    latex = tex[members[0][0].pos:members[-1][-1].end]
    try:
        translated = tuple(_member(tex, m, ctx) for m in members)
    except LatexError as exc:
        return Statement(kind, (), tuple(r.text for r in rels), latex, members[0][0].pos,
                         error=exc, **extra)  # type: ignore[arg-type]
    return Statement(kind, translated, tuple(r.text for r in rels), latex, members[0][0].pos,
                     **extra)  # type: ignore[arg-type]


def _member(tex: str, toks: list[Tok], ctx: TexContext) -> Member:
    text = to_text(toks, ctx, toks[-1].end)
    return Member(text, tex[toks[0].pos:toks[-1].end], toks[0].pos)


def _other(tex: str, left: list[Tok], rel: Tok, right: list[Tok],
           ctx: TexContext) -> Statement:
    """A link that is not an equality, as its own statement."""
    if rel.text == r"\in":
        return _shape(tex, left, rel, right, ctx)
    if rel.text in (r"\approx", r"\simeq"):
        tol = _stated_precision(right) or _stated_precision(left)
        why = f"approximately equal, to the stated digits (±{tol:g})" if tol else \
            "approximately equal, with no stated digits: reported, not checked"
        return _statement(tex, "approx", [left, right], [rel], ctx, reason=why, tolerance=tol)
    if rel.text in _INEQUALITIES:
        return _statement(tex, "inequality", [left, right], [rel], ctx,
                          reason=f"{rel.text} is not an equality: reported, not checked")
    if rel.text in _UPDATES:
        return _statement(tex, "update", [left, right], [rel], ctx,
                          reason=f"an update rule ({rel.text}), not a claim")
    return _statement(tex, "relation", [left, right], [rel], ctx,
                      reason=f"the relation {rel.text} is not an equality: reported, not checked")


def _stated_precision(toks: list[Tok]) -> float | None:
    """Half a unit in the last stated digit of a plain number (0.731 -> 0.0005)."""
    texts = [t for t in texts_of(toks) if t not in ("{", "}")]
    if texts[:1] == ["-"]:
        texts = texts[1:]
    if len(texts) != 1 or not re.fullmatch(r"\d+(\.\d+)?", texts[0]):
        return None
    decimals = len(texts[0].split(".")[1]) if "." in texts[0] else 0
    return 0.5 * 10.0 ** -decimals


def _shape(tex: str, left: list[Tok], rel: Tok, right: list[Tok],
           ctx: TexContext) -> Statement:
    """`x \\in \\mathbb{R}^{m \\times n}`: the member's shape, dimensions as formula text."""
    base = _real_space(right)
    if base is None:
        return _statement(tex, "relation", [left, right], [rel], ctx,
                          reason=f"membership {rel.text} in something other than a real space")
    try:
        dims = _dimensions(right[base:], rel)
    except LatexError as exc:
        return Statement("shape", (), (rel.text,), tex[left[0].pos:right[-1].end], left[0].pos,
                         error=exc)
    try:
        shape = tuple(to_text(d, ctx, d[-1].end) for d in dims)
    except LatexError:  # sizes the note names itself (n, m): the shape cannot be compared
        named = " × ".join(tex[d[0].pos:d[-1].end] for d in dims)
        return _statement(tex, "shape", [left], [rel], ctx, shape=(),
                          reason=f"a shape statement in the note's own sizes ({named}): "
                                 "reported, not checked")
    return _statement(tex, "shape", [left], [rel], ctx, shape=shape or ("1",),
                      reason="a shape statement: the member's shape, to check against the "
                             "setting")


def _real_space(toks: list[Tok]) -> int | None:
    texts = texts_of(toks)
    for prefix in ([r"\Reals"], [r"\R"], [r"\mathbb", "{", "R", "}"], [r"\mathbf", "{", "R", "}"],
                   [r"\mathbb", "R"]):
        if texts[:len(prefix)] == prefix:
            return len(prefix)
    return None


def _dimensions(rest: list[Tok], rel: Tok) -> list[list[Tok]]:
    if not rest:
        return []
    if rest[0].text != "^" or len(rest) < 2:
        raise LatexError("cannot read the shape after \\in", rest[0].pos, rest[0].text)
    if rest[1].text == "{":
        close = match_group(rest, 1)
        body, after = rest[2:close], rest[close + 1:]
    else:
        body, after = rest[1:2], rest[2:]
    if after or not body:
        raise LatexError("cannot read the shape after \\in: write \\mathbb{R}^{m \\times n}",
                         rest[0].pos, rel.text)
    return _split_times(body)


def _split_times(toks: list[Tok]) -> list[list[Tok]]:
    dims: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        depth += nesting(t)
        if depth == 0 and t.text in (r"\times", "*") and dims[-1]:
            dims.append([])
        else:
            dims[-1].append(t)
    if not all(dims):
        raise LatexError("an empty dimension in a shape", toks[0].pos if toks else 0)
    return dims
