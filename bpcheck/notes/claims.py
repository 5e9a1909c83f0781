"""Claims from notes: annotated display math in Markdown notes and Jupyter notebooks.

`notes.scan` finds each display formula and the annotation above it; an annotated
one becomes a `Claim` whose sides are its chain translated by `latex.py`, in the
setting its annotation (or the file's defaults, or a catalog) names.  Files and
lines are the notes' own: for a notebook the line inside the .ipynb JSON, with
"cell N, line k" as the source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..catalog.files import LoadError, first_of_each_id
from .latex import (macros_in, LatexError, Member, TexContext, context_for, equations,
                    translate)
from ..model import Claim, Expect, Setting
from .scan import (CLAIM_KEYS, SETTING_KEYS, Annotation, Display, ScanState,
                   parse_attrs, read_pages, scan_page)
from . import entrylayers, gradvar, tablecols, widthletter
from .entrywise import entrywise
from .biasunit import with_bias_unit
from .rows import rows_as_written
from .shorthand import shorthand_sides
from .tensors import TensorSkip, check_blocks, check_matrix_forms, scalar_network
from . import identities, namedloss, prose, sectionact
from .hiddenhead import about_hidden, hidden_part
from .maps import map_remark
from .names import local_definition
from .ids import local_id
from .statements import Statement, chain_left, statements
from .found import Found, found, unread, whole_file
from .perlayer import split_by_layer
from .ranges import index_ranges, where_ranges
from .wholefile import (approx_sides, output_activation_used, shape_sides, CLAIM, DEFINITION, NOT_UNDERSTOOD, SKIPPED, Reading, classify,
                        RowNote, note_for, row_notes, unreadable_remark)
from .settings import Problem, Refs, State, refs_from, refs_for, setting_for
from .remarks import display_remark, unwrap
from .style import note_notation
from .defaults import note_names
from .classes import condition, example_sides, with_classes
from .examplevalue import at_stated_value
from .lexer import tokenize
from .macros import expand
from .views import display_view, sample_readings
from .rereads import rereadings

__all__ = ["Found", "NotesFile", "Refs", "read_notes", "refs_from"]



@dataclass
class NotesFile:
    claims: list[Claim] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    found: list[Found] = field(default_factory=list)
    title: str = ""


# ---- discovery and reading ---------------------------------------------------------------

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
    state = State(path, refs, ScanState(defaults, bad_setup=any(
        e.message.startswith("bpcheck-defaults:") for e in out.errors)))
    if re.search(r"\\(?:re)?newcommand|\\[gex]?def\\|\\DeclareMathOperator", text):
        state.macros = macros_in(text)
    displays = [tablecols.in_column_convention(d) for page in pages
                for d in scan_page(page, state.scan, out.errors)]
    out.title = state.scan.first_heading or path.name
    for d in displays:
        try:
            claims, errs, readings = _read_display(d, state)
            shown = found(d, state, claims, errs, readings)
        except Exception as exc:  # a bug of the reader: said at the formula; the others are read
            claims, errs = [], [internal_error(d, name, exc)]
            shown = unread(d, errs[0].message)
        out.claims.extend(claims)
        out.errors.extend(errs)
        out.found.append(shown)
    out.claims[:] = first_of_each_id(out.claims, out.errors)
    notation = note_notation(d.tex for d in displays)  # corrections are written the same way
    out.claims[:] = [replace(c, notation=notation) for c in out.claims]
    if state.scan.bad_setup:  # reported at the set-up's line: no claim in a wrong setting
        out.claims.clear()
        out.errors[:] = [e for e in out.errors if not e.message.startswith(("no setting",
                                                                             "setting"))]
    return out


def internal_error(d: Display, name: str, exc: Exception) -> LoadError:
    return LoadError(name, d.line(), f"internal error while reading this formula "
                                     f"({type(exc).__name__}: {exc}); please report it")


def _read_display(d: Display, state: State) -> tuple[list[Claim], list[LoadError],
                                                      tuple[Reading, ...]]:
    """An annotated display as a whole (as before), or statement by statement when the
    file is read whole or the display annotates its rows."""
    clean, notes = row_notes(d.tex)
    whole = whole_file(d.defaults)
    if not notes and (d.annotation is not None or not whole):
        state.carry = None
        claims, errs = _display_claims(d, state) if _is_claim(d) else ([], [])
        return claims, errs, ()
    return by_statement(replace(d, tex=unwrap(clean)), notes, state, whole)


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


@dataclass(frozen=True)
class _Frame:
    """What an annotation (or the file's defaults) makes of a display: the setting, the
    index ranges it gives, the reading context, and a quantity to prepend."""

    setting: Setting
    where: tuple[tuple[str, str], ...]
    ctx: TexContext
    quantity: str | None


def _frame(d: Display, ann: Annotation, state: State) -> _Frame:
    a = ann.attrs
    refs = refs_for(d, state, ann)
    ref = None
    if "claim" in a:
        ref = refs.claims.get(a["claim"])
        if ref is None:
            raise Problem(f"claim={a['claim']}: no such catalog claim", ann.line, ann.where)
    setting = setting_for(d, ann, state, refs, ref)
    where = where_ranges(a.get("where", d.defaults.get("where", "")), ann) if "where" in a or ref is None \
        else ref.where
    ctx = with_classes(context_for(setting, tuple(v for v, _ in where)), d.defaults)
    ctx = widthletter.with_width(replace(ctx, digit_layers=entrylayers.conventions(d.defaults)),
                                 d.defaults)
    ctx = gradvar.with_variable(ctx, d.page.text, d.offset, d.tex)  # a bare \nabla C
    if state.macros:  # \newcommand{\dd}{\mathrm{d}} in the preamble, used in the displays
        ctx = replace(ctx, macros=tuple(state.macros.items()) + ctx.macros)
    quantity = _quantity(a.get("quantity"), ctx, ann) if "quantity" in a else \
        (ref.sides[0] if ref else None)
    return _Frame(setting, where, ctx, quantity)


def _build(d: Display, ann: Annotation, state: State) -> list[Claim]:
    frame = _viewed(_frame(d, ann, state), d.tex, {**d.defaults, **ann.attrs})
    try:
        eqs = equations(d.tex, frame.ctx)
    except LatexError as exc:
        raise Problem(f"cannot read formula: {exc}", d.line(exc.pos), d.where(exc.pos)) from None
    if not eqs:
        raise Problem("empty display formula")
    if frame.quantity and len(eqs) > 1:
        raise Problem(f"this display holds {len(eqs)} equations but the annotation names one "
                       "quantity: annotate one equation per display, or drop quantity=")
    local = ann.attrs.get("id") or ann.attrs.get("claim") or local_id(d)
    return [c for n, eq in enumerate(eqs, 1) for c in _from_members(
        d, ann, state, frame, eq, local + (f"-{n}" if len(eqs) > 1 else ""))]


def _viewed(frame: _Frame, tex: str, attrs: dict) -> _Frame:
    setting, ctx = display_view(tex, frame.setting, frame.ctx, attrs)
    return replace(frame, setting=setting, ctx=ctx)


def _from_members(d: Display, ann: Annotation, state: State, frame: _Frame,
                  members: list[Member], local: str, role: str = "",
                  layers: bool = False, skipped: list | None = None) -> list[Claim]:
    sides = ([frame.quantity] if frame.quantity else []) + [m.text for m in members]
    lines = ([ann.line] if frame.quantity else []) + [d.line(m.pos) for m in members]
    if frame.ctx.network:
        check_blocks(sides, frame.ctx.loss)
        if str(d.defaults.get("row_vectors", "false")).lower() == "true":
            sides = rows_as_written(sides, frame.ctx.loss)
            if not scalar_network(frame.setting, frame.ctx.batch_size):
                check_matrix_forms(sides, frame.ctx.loss)
        sides, lines = shorthand_sides(sides, lines, frame.setting, frame.ctx, d.defaults,
                                       None if role else skipped)
        sides = entrywise(sides, None if frame.ctx.batch_size else
                          0 if frame.ctx.numbering == "standard" else 1)
        sides = with_bias_unit(sides, d.defaults, frame.ctx.orientation)  # x_0 = 1
    if len(sides) < 2:
        raise Problem("nothing to check: give quantity=... or write the formula as a "
                      "chain A = B", d.line(members[0].pos), d.where(members[0].pos))
    full_where = frame.where + index_ranges(sides, lines, frame.setting, frame.where,
                                             frame.ctx, d, layers)
    widths = frame.setting.get("widths", ()) or ()
    top = len(widths) - (1 if frame.ctx.numbering == "standard" else 0)
    used = output_activation_used(sides, dict(full_where), frame.ctx, top)
    hidden = about_hidden(d.heading) and hidden_part(sides, full_where, frame.ctx, frame.where)
    parts = hidden or (split_by_layer(sides, full_where, frame.ctx, frame.setting.get(
        "output", ""), top) if used else [("", sides, full_where)])
    if parts is None:
        raise Problem(f"{used}: the layers' activations differ and this can be the output "
                      "layer's, so f or g is not one function here; write the claim for the "
                      "hidden layers or for the output", lines[0], d.where(members[0].pos))
    return [replace(_claim(d, ann, state, frame.setting, s, lines, w, local + (
        "-output" if "output" in part else "-hidden" if part else ""), d.where(members[0].pos)),
        **({"role": role} if role else {})) for part, s, w in parts]


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
        sides=tuple(sides), expect=Expect(expect), where=where, when=a.get("when", ""),
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


# ---- statement by statement -----------------------------------------------------------------

def by_statement(d: Display, notes: list[RowNote], state: State,
                 whole: bool) -> tuple[list[Claim], list[LoadError], tuple[Reading, ...]]:
    """Each statement of a display in one class (claim, definition, update, skipped, not
    understood); an annotation (the display's, or its row's) overrides the classification."""
    plain = Annotation({}, frozenset(), d.line(), d.where())
    claims: list[Claim] = []
    errors: list[LoadError] = []
    try:
        frame = _frame(d, d.annotation or plain, state)
        named = _named(d)
        if named:  # the note's own names of the setting's quantities are the setting's
            frame = replace(frame, ctx=replace(frame.ctx, mapped=frozenset(  # b^h: a layer letter
                re.sub(r"_.*", "", k).lstrip("\\") for k in named)
                - {letter for letter, _ in frame.ctx.layer_names}))
        frame = _with_identities(frame, named, d)
        remark = (display_remark(d.tex, _expanded(d.tex, state)) or map_remark(
            d.tex, d.page.text, d.offset, frame.ctx)) if whole and d.annotation is None \
            and not notes else None
        if remark:
            state.carry = None
            return [], [], (Reading(SKIPPED, d.line(), d.tex.strip(), reason=remark),)
        before, state.carry = state.carry, None
        # the chain of the display before, worked out only for a display that continues it
        carry = chain_left(*before) if before and _CONTINUES.match(d.tex) else None
        local = {**prose.definitions(d.page.text, d.offset, named, frame.ctx.names),
                 **named, **state.local}  # shorthands the words define, the set-up's names
        sts, told = prose.with_condition(statements(d.tex, frame.ctx, carry, local),
                                         d.page.text, d.offset)
        sts = at_stated_value(sts, d.page.text, d.offset, frame.ctx.loss)  # "since y = 0, L = ..."
        state.carry = (d.tex, frame.ctx, carry, local)
        samples = [s or r for s, r in zip(sample_readings(
            d.tex, frame.setting, frame.ctx, d.defaults, sts, carry, local),
            prose.rereads_with_condition(rereadings(d.tex, frame.setting, frame.ctx, sts, carry,
                                                    local), d.page.text, d.offset))]
    except (Problem, LatexError) as exc:
        p = exc if isinstance(exc, Problem) else \
            Problem(f"cannot read formula: {exc}", d.line(exc.pos), d.where(exc.pos))
        remark = unreadable_remark(d.tex, frame.ctx) if isinstance(exc, LatexError) and \
            whole and d.annotation is None and not notes else None
        if remark:
            return [], [], (Reading(SKIPPED, d.line(), d.tex.strip(), reason=remark),)
        _report(d, state, p, errors, d.annotation is not None)
        return [], errors, (Reading(NOT_UNDERSTOOD, p.line or d.line(), d.tex.strip(),
                                    reason=p.message),)
    if not sts and re.search(r"\\(?:re)?newcommand|\\[gex]?def\\|\\DeclareMathOperator", d.tex):
        return [], errors, (Reading(SKIPPED, d.line(), d.tex.strip(), reason="the note's macro "
                                    "definitions (expanded in its displays)"),)
    readings = []
    for n, (st, sample) in enumerate(zip(sts, samples), 1):
        st, own = (replace(sample[0], when=sample[0].when or st.when), replace(
            frame, setting=sample[1], ctx=sample[2])) if sample \
            else (st, frame)  # a lower-case formula of a batch note: about one sample
        ann = _row_annotation(d, note_for(notes, st.pos), errors)
        suffix, extra = (f"-{n}" if len(sts) > 1 else ""), []
        if ann is None and not whole:
            reading = Reading(SKIPPED, d.line(st.pos), st.latex,
                              reason="not annotated, and the file has no bpcheck-defaults line")
        elif ann is not None and "skip" in ann.flags:
            reading = Reading(SKIPPED, d.line(st.pos), st.latex, reason="annotation: skip")
        else:
            reading, *extra = _read(_statement(d, st, ann, plain, own, state, suffix,
                                                 claims, errors, whole))
        if n - 1 in told and reading.kind == CLAIM:
            reading = replace(reading, reason=prose.said(reading.reason, st.when))
        if reading.kind == SKIPPED and (found := local_definition(st)) is not None \
                and found[0] not in frame.ctx.names:
            state.local[found[0]] = found[1]
        readings += [reading, *extra]
    return claims, errors, tuple(readings)


def _with_identities(frame: _Frame, named: dict[str, list], d: Display) -> _Frame:
    """The output's name applied to x + c, and the scalars the words introduce (identities)."""
    if not frame.ctx.network:
        return frame
    setting, ctx = identities.with_scalars(frame.setting, frame.ctx,
                                           identities.stated_scalars(d.page.text, d.offset))
    applied = identities.applied_functions(named, setting)
    return replace(frame, setting=setting, ctx=replace(ctx, applied=tuple(
        (k, tuple(v)) for k, v in applied.items())))


def _read(got: Reading | list[Reading]) -> list[Reading]:
    return got if isinstance(got, list) else [got]


def _statement(d: Display, st: Statement, ann: Annotation | None, plain: Annotation,
               frame: _Frame, state: State, suffix: str, claims: list[Claim],
               errors: list[LoadError], whole: bool) -> Reading:
    line = d.line(st.pos)
    if ann is None and (other := namedloss.other_loss(st.latex, frame.setting)):
        return Reading(SKIPPED, line, st.latex, reason=other)
    if ann is None:
        kind, reason = classify(st, frame.ctx.loss, frame.ctx)
    elif st.error is None and st.kind in ("equation", "expression"):
        kind, reason = CLAIM, ""
    else:
        kind, reason = (SKIPPED, st.reason) if st.kind in ("range", "remark") else \
            (NOT_UNDERSTOOD, str(st.error) if st.error else f"an annotated {st.kind}: only "
             f"'=' chains can be checked ({st.reason})")
    if kind == NOT_UNDERSTOOD and ann is not None:
        errors.append(LoadError(d.page.file, line, f"cannot read formula: {reason}"))
    if kind not in (CLAIM, DEFINITION):  # shown as read, so that a misreading is visible
        read = " = ".join(m.text for m in st.members) if kind != NOT_UNDERSTOOD else ""
        return Reading(kind, line, st.latex, read, reason=reason)
    try:
        if ann is not None and ann is not d.annotation:
            frame = _viewed(_frame(d, ann, state), st.latex, {**d.defaults, **ann.attrs})
        own = ann is not None and ann is not d.annotation and "id" in ann.attrs
        name = ann.attrs["id"] if own else \
            (d.annotation.attrs.get("id") if d.annotation else None) or local_id(d, st.pos)
        name += "" if own else suffix
        made = shape_sides(st) if st.kind == "shape" else approx_sides(st) \
            if st.kind == "approx" else example_sides(st)
        members = [Member(text, st.latex, st.pos) for text in made] if made else list(st.members)
        frame, reason = sectionact.in_section(frame, d.heading, [m.text for m in members], reason)
        if kind == DEFINITION:  # a vector of per-output losses: its sum is the loss
            members, reason = namedloss.per_output(members, frame.ctx.loss, frame.ctx.depth, reason)
        dropped: list[tuple[int, str]] = []  # chain members skipped as shorthand
        got = [replace(c, when=c.when or condition(c.sides, st.when, frame.ctx))
               for c in _from_members(d, ann or plain, state, frame, members, name,
                                      "definition" if kind == DEFINITION else "", whole,
                                      dropped)]
    except Problem as p:
        if isinstance(p, TensorSkip) and ann is None:
            return Reading(SKIPPED, line, st.latex, reason=p.message)
        if st.kind == "shape" and ann is None:  # sizes the note names itself (m, n)
            return Reading(SKIPPED, line, st.latex, reason="a shape statement in the note's own "
                           f"sizes ({p.message}): reported, not checked")
        _report(d, state, p if p.line else Problem(p.message, line, d.where(st.pos)), errors,
                ann is not None)
        return Reading(NOT_UNDERSTOOD, p.line or line, st.latex, reason=p.message)
    claims.extend(got)
    return [Reading(kind, line, st.latex, " ; ".join(" = ".join(c.sides) for c in got), reason,
                    ", ".join(c.id for c in got))] + [Reading(
        SKIPPED, n, st.latex, reason=f"a member of the chain: {why}") for n, why in dropped]


_CONTINUES = re.compile(r"\s*(?:\\begin\{[a-z]+\*?\}\s*)?&?\s*(?:=|:=|\\approx)")


def _expanded(tex: str, state: State) -> str:
    """The display with the note's macros expanded (`\\dadb{L}{W}` hides a ∂), for the
    whole-display remarks; the display itself when the note defines none."""
    if not state.macros:
        return ""
    try:
        return " ".join(t.text for t in expand(tokenize(tex), state.macros))
    except LatexError:
        return ""


def _named(d: Display) -> dict[str, list]:
    """The note's own names (names=p:a^{[L]}) as the tokens they stand for."""
    names = note_names(str(d.defaults.get("names", ""))) or {}
    return {name: tokenize(latex) for name, latex in names.items()}


def _row_annotation(d: Display, note: RowNote | None,
                    errors: list[LoadError]) -> Annotation | None:
    """The display's annotation, with a row's own annotation over it."""
    if note is None:
        return d.annotation
    line, where = d.line(note.offset), d.where(note.offset)
    try:
        attrs, flags = parse_attrs(note.body)
    except ValueError as exc:
        errors.append(LoadError(d.page.file, line, f"annotation: {exc}"))
        return d.annotation
    unknown = sorted(set(attrs) - CLAIM_KEYS - SETTING_KEYS) + sorted(flags - {"skip"})
    if unknown:
        errors.append(LoadError(d.page.file, line, f"annotation: unknown key(s) "
                                f"{', '.join(unknown)}"))
        return d.annotation
    base = d.annotation.attrs if d.annotation else {}
    inherited = {k: v for k, v in base.items() if k not in ("id", "expect", "corrects")}
    return Annotation({**inherited, **attrs}, frozenset(flags), line, where)


def _report(d: Display, state: State, p: Problem, errors: list[LoadError],
            annotated: bool) -> None:
    """An annotated formula's problem is an error; an unannotated one's is listed by scan,
    except a problem with the file's own set-up, reported once."""
    line, where = (p.line, p.where) if p.line else (d.line(), d.where())
    if annotated or (p.message.startswith(("no setting", "setting")) and
                     p.message not in state.reported):
        state.reported.add(p.message)
        errors.append(LoadError(d.page.file, line, p.message + (f" ({where})" if where else "")))
