"""What `bpcheck scan` reports of a display formula: how each of its statements was read."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..catalog.files import LoadError
from ..model import Claim, Setting
from .latex import LatexError, TexContext, context_for, equations, statements
from .scan import Annotation, Display
from .settings import Problem, State, setting_for
from .wholefile import CLAIM, NOT_UNDERSTOOD, SKIPPED, Reading, row_notes

_DERIVATIVE = re.compile(r"\\partial|\\nabla|∂|∇|\\delta|δ|'|\\prime")
CHECK_VALUES = ("all", "annotated")


def whole_file(defaults: dict[str, Any]) -> bool:
    """A file with a bpcheck-defaults line (or front matter, or notebook metadata) has every
    display formula considered, unless it says `check=annotated`."""
    return bool(defaults) and str(defaults.get("check", "all")) != "annotated"


@dataclass(frozen=True)
class Found:
    """One display formula as `bpcheck scan` reports it, and each statement's reading."""

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
    readings: tuple[Reading, ...] = ()


def found(d: Display, state: State, claims: list[Claim], errors: list[LoadError],
          readings: tuple[Reading, ...]) -> Found:
    skipped = d.annotation is not None and "skip" in d.annotation.flags
    error = errors[0].message if errors else ""
    translation: tuple[str, ...] = ()
    if readings:  # read statement by statement
        error = error or next((r.reason for r in readings if r.kind == NOT_UNDERSTOOD), "")
        translation = tuple(r.translation for r in readings if r.translation)
    elif claims:
        translation = claims[0].sides
    elif d.annotation is None or skipped:
        try:
            eqs = equations(d.tex, _default_context(d, state))
            translation = tuple(" = ".join(m.text for m in eq) for eq in eqs)
        except LatexError as exc:
            error = str(exc)
    readings = readings or _readings(d, state, claims, error, skipped)
    line, where = (claims[0].line, claims[0].source if d.page.cell else "") if claims else \
        (d.line(), d.where())
    return Found(d.page.file, line, where, row_notes(d.tex)[0].strip(), d.annotation is not None,
                 skipped, tuple(c.id for c in claims), error, translation,
                 d.annotation is None and not whole_file(d.defaults) and bool(_DERIVATIVE.search(d.tex)),
                 readings)


def unread(d: Display, message: str) -> Found:
    """A display that could not be read at all (the reader's bug, said at its line)."""
    latex = d.tex.strip()
    return Found(d.page.file, d.line(), d.where(), latex, d.annotation is not None, False, (),
                 message, (), False, (Reading(NOT_UNDERSTOOD, d.line(), latex, reason=message),))


def _readings(d: Display, state: State, claims: list[Claim], error: str,
              skipped: bool) -> tuple[Reading, ...]:
    """Readings of a display read as a whole (annotated, or in a file not read whole)."""
    try:
        sts = statements(d.tex, _default_context(d, state))
    except LatexError as exc:
        return (Reading(NOT_UNDERSTOOD, d.line(exc.pos), d.tex.strip(), reason=str(exc)),)
    out, todo = [], list(claims)
    for st in sts:
        line = d.line(st.pos)
        if skipped:
            out.append(Reading(SKIPPED, line, st.latex, reason="annotation: skip"))
        elif d.annotation is not None and st.kind in ("equation", "expression") and todo:
            c = todo.pop(0)  # read in the annotation's own setting
            out.append(Reading(CLAIM, line, st.latex, " = ".join(c.sides), claim=c.id))
        elif st.error is not None:
            out.append(Reading(NOT_UNDERSTOOD, line, st.latex, reason=str(st.error)))
        elif d.annotation is None:
            out.append(Reading(SKIPPED, line, st.latex, " = ".join(m.text for m in st.members),
                               "not annotated, and the file has no bpcheck-defaults line"))
        elif st.kind in ("range", "remark") or not error:
            out.append(Reading(SKIPPED, line, st.latex, reason=st.reason))
        else:
            out.append(Reading(NOT_UNDERSTOOD, line, st.latex, reason=error))
    return tuple(out)


def _default_context(d: Display, state: State) -> TexContext:
    ann = Annotation({}, frozenset(), d.line(), d.where())
    try:
        return context_for(setting_for(d, ann, state, state.refs, None))
    except Problem:
        return context_for(Setting("network", "network", ()))
