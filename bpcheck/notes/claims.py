"""Claims from notes: annotated display math in Markdown notes and Jupyter notebooks.

`notes.scan` finds each display formula and the annotation above it; an annotated
one becomes a `Claim` whose sides are its chain translated by `latex.py`, in the
setting its annotation (or the file's defaults, or a catalog) names.  Files and
lines are the notes' own: for a notebook the line inside the .ipynb JSON, with
"cell N, line k" as the source.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..catalog.files import Catalog, LoadError, setting_names
from ..catalog.formula import CONSTANTS, FUNCTIONS, FormulaError, parse
from .latex import LatexError, TexContext, context_for, equations, infer_range, translate
from ..model import Claim, Expect, Setting
from .scan import discover_notes, Annotation, Display, ScanState, read_pages, scan_page
from .settings import Problem, Refs, State, refs_from, refs_for, setting_for

__all__ = ["Found", "NotesFile", "Refs", "load_notes", "read_notes", "refs_from"]

_DERIVATIVE = re.compile(r"\\partial|\\nabla|∂|∇|\\delta|δ|'|\\prime")


@dataclass(frozen=True)
class Found:
    """One display formula as `bpcheck scan` reports it."""

    file: str
    line: int
    where: str
    latex: str
    annotated: bool
    skipped: bool
    claims: tuple[str, ...]
    error: str
    translation: tuple[str, ...]
    candidate: bool


@dataclass
class NotesFile:
    claims: list[Claim] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    title: str = ""


# ---- discovery and reading ---------------------------------------------------------------

def load_notes(paths: Iterable[str | Path], refs: Refs | None = None) -> Catalog:
    claims, errors, docs = [], [], []
    refs = refs or Refs({}, {})
    for path in discover_notes(paths):
        nf = read_notes(path, refs)
        claims.extend(nf.claims)
        errors.extend(nf.errors)
        if nf.claims or nf.errors:
            docs.append((str(path), {"title": nf.title, "kind": "notes"}))
    return Catalog(tuple(claims), tuple(errors), tuple(docs))


def read_notes(path: Path, refs: Refs | None = None) -> NotesFile:
    """Every display formula of one .md/.ipynb/.tex file, and the claims of the annotated ones."""
    name, out, refs = str(path), NotesFile(), refs or Refs({}, {})
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.errors.append(LoadError(name, 1, f"cannot read file: {exc}"))
        return out
    try:
        pages, defaults = read_pages(name, text, path.suffix, out.errors)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        out.errors.append(LoadError(name, 1, f"cannot read notebook: {exc}"))
        return out
    state = State(path, refs, ScanState(defaults))
    displays = [d for page in pages for d in scan_page(page, state.scan, out.errors)]
    out.title = state.scan.first_heading or path.name
    for d in displays:
        claims, errs = _display_claims(d, state) if _is_claim(d) else ([], [])
        out.claims.extend(claims)
        out.errors.extend(errs)
        out.found.append(_found(d, state, claims, errs))
    _check_local_ids(out)
    return out


# ---- claims ---------------------------------------------------------------------------------

def _is_claim(d: Display) -> bool:
    return d.annotation is not None and "skip" not in d.annotation.flags


def _display_claims(d: Display, state: State) -> tuple[list[Claim], list[LoadError]]:
    ann = d.annotation
    assert ann is not None
    try:
        return _build(d, ann, state), []
    except Problem as p:
        line, where = (p.line, p.where) if p.line else (d.line(), d.where())
        return [], [LoadError(d.page.file, line, p.message + (f" ({where})" if where else ""))]


def _build(d: Display, ann: Annotation, state: State) -> list[Claim]:
    a = ann.attrs
    refs = refs_for(d, state, ann)
    ref = None
    if "claim" in a:
        ref = refs.claims.get(a["claim"])
        if ref is None:
            raise Problem(f"claim={a['claim']}: no such catalog claim", ann.line, ann.where)
    setting = setting_for(d, ann, state, refs, ref)
    where = _where(a.get("where", d.defaults.get("where", "")), ann) if "where" in a or ref is None \
        else ref.where
    ctx = context_for(setting, tuple(v for v, _ in where))
    quantity = _quantity(a.get("quantity"), ctx, ann) if "quantity" in a else \
        (ref.sides[0] if ref else None)
    try:
        eqs = equations(d.tex, ctx)
    except LatexError as exc:
        raise Problem(f"cannot read formula: {exc}", d.line(exc.pos), d.where(exc.pos)) from None
    if not eqs:
        raise Problem("empty display formula")
    if quantity and len(eqs) > 1:
        raise Problem(f"this display holds {len(eqs)} equations but the annotation names one "
                       "quantity: annotate one equation per display, or drop quantity=")
    local = a.get("id") or a.get("claim") or (f"cell{d.page.cell}-L{d.where().split()[-1]}" if d.page.cell
                            else f"L{d.line()}")
    claims = []
    for n, eq in enumerate(eqs, 1):
        sides = ([quantity] if quantity else []) + [m.text for m in eq]
        lines = ([ann.line] if quantity else []) + [d.line(m.pos) for m in eq]
        if len(sides) < 2:
            raise Problem("nothing to check: give quantity=... or write the formula as a "
                           "chain A = B", d.line(eq[0].pos), d.where(eq[0].pos))
        full_where = where + _index_ranges(sides, lines, setting, where, ctx, d)
        claims.append(_claim(d, ann, state, setting, sides, lines, full_where,
                             local + (f"-{n}" if len(eqs) > 1 else ""), d.where(eq[0].pos)))
    return claims


def _claim(d: Display, ann: Annotation, state: State, setting: Setting, sides: list[str],
           lines: list[int], where: tuple[tuple[str, str], ...], local: str,
           place: str) -> Claim:
    a = ann.attrs
    expect = a.get("expect", "holds")
    if expect not in ("holds", "erratum"):
        raise Problem("expect must be 'holds' or 'erratum'", ann.line, ann.where)
    corrects = a.get("corrects", "")
    return Claim(
        id=f"{state.path.name}#{local}", title=a.get("title") or d.heading or local,
        file=str(state.path), line=lines[1] if a.get("quantity") or "claim" in a else lines[0],
        source=a.get("source") or place or d.heading or state.path.name, setting=setting,
        sides=tuple(sides), expect=Expect(expect), where=where,
        corrects=f"{state.path.name}#{corrects}" if corrects and "#" not in corrects else corrects,
        note=a.get("note", ""), scope=a.get("scope", ""), strategy=a.get("strategy", ""),
        side_lines=tuple(lines))


def _quantity(text: str, ctx: TexContext, ann: Annotation) -> str:
    if not re.search(r"[\\^_{]", text):
        return text  # formula language, e.g. diff(J, z[l])
    try:
        return translate(text, ctx)
    except LatexError as exc:
        raise Problem(f"cannot read quantity: {exc}", ann.line, ann.where) from None


def _where(raw: str, ann: Annotation) -> tuple[tuple[str, str], ...]:
    """`l=1..L-1, j=1..n[l]` -> (("l", "1..L-1"), ("j", "1..n[l]"))."""
    found = re.findall(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)", raw)
    rest = re.sub(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)|[\s,;]", "", raw)
    if rest:
        raise Problem(f"where={raw!r}: write index ranges like where=\"l=1..L-1\"",
                       ann.line, ann.where)
    return tuple((v, f"{lo}..{hi}") for v, lo, hi in found)


def _index_ranges(sides: list[str], lines: list[int], setting: Setting,
                  where: tuple[tuple[str, str], ...], ctx: TexContext,
                  d: Display) -> tuple[tuple[str, str], ...]:
    """Ranges for free entry indices (from what they index) and for summation indices."""
    known = setting_names(setting) | {v for v, _ in where}
    trees, extra = [], []
    for side, line in zip(sides, lines):
        try:
            trees.append(ast.parse(side, mode="eval"))
        except SyntaxError as exc:
            raise Problem(f"cannot read {side!r}: {exc.msg}", line) from None
    bound = {c.args[1].elts[0].id for t in trees for c in ast.walk(t) if _is_sum(c)}
    names = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}
    for var in sorted(names - known - bound - set(FUNCTIONS) - CONSTANTS):
        hi = infer_range(trees, var, ctx)
        if hi is None:
            raise Problem(f"{var!r} is neither a symbol of this setting nor an index with a "
                           f"range: add where=\"{var}=1..{ctx.depth}\" (or declare it)",
                           d.line(), d.where())
        extra.append((var, f"1..{hi}"))
    names_ok = known | {v for v, _ in extra}
    for side, line in zip(sides, lines):
        try:
            parse(side, names_ok)
        except FormulaError as exc:
            raise Problem(f"{exc} in {side!r}", line) from None
    return tuple(extra)


def _is_sum(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("sum", "Sum") and len(node.args) == 2
            and isinstance(node.args[1], ast.Tuple) and node.args[1].elts
            and isinstance(node.args[1].elts[0], ast.Name))


# ---- scan --------------------------------------------------------------------------------

def _found(d: Display, state: State, claims: list[Claim], errors: list[LoadError]) -> Found:
    skipped = d.annotation is not None and "skip" in d.annotation.flags
    error = errors[0].message if errors else ""
    translation: tuple[str, ...] = ()
    if claims:
        translation = claims[0].sides
    elif d.annotation is None or skipped:
        try:
            eqs = equations(d.tex, _default_context(d, state))
            translation = tuple(" = ".join(m.text for m in eq) for eq in eqs)
        except LatexError as exc:
            error = str(exc)
    line, where = (claims[0].line, claims[0].source if d.page.cell else "") if claims else \
        (d.line(), d.where())
    return Found(d.page.file, line, where, d.tex.strip(), d.annotation is not None,
                 skipped, tuple(c.id for c in claims), error, translation,
                 d.annotation is None and bool(_DERIVATIVE.search(d.tex)))


def _default_context(d: Display, state: State) -> TexContext:
    ann = Annotation({}, frozenset(), d.line(), d.where())
    try:
        return context_for(setting_for(d, ann, state, state.refs, None))
    except Problem:
        return context_for(Setting("network", "network", ()))


def _check_local_ids(nf: NotesFile) -> None:
    seen: dict[str, Claim] = {}
    for c in nf.claims:
        if c.id in seen:
            nf.errors.append(LoadError(c.file, c.line, f"duplicate claim id {c.id!r} (first at "
                                       f"line {seen[c.id].line})"))
        seen.setdefault(c.id, c)
    nf.claims[:] = list(seen.values())