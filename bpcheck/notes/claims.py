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
from typing import Any, Iterable

from ..catalog.files import (NETWORK_KEYS, SCALAR_KEYS, Catalog, LoadError, freeze, load_settings,
                             setting_problem, load_catalog, setting_names)
from ..catalog.formula import CONSTANTS, FUNCTIONS, FormulaError, parse
from .latex import LatexError, TexContext, context_for, equations, infer_range, translate
from ..model import Claim, Expect, Setting
from .scan import (SETTING_KEYS, discover_notes, Annotation, Display, ScanState, read_pages,
                   scan_page)

_SCALAR_ONLY = SCALAR_KEYS - NETWORK_KEYS - {"note"}
_LIST_KEYS = {"symbols", "positive", "integers", "functions", "elementwise"}
_DERIVATIVE = re.compile(r"\\partial|\\nabla|∂|∇|\\delta|δ|'|\\prime")


class Refs:
    """Catalog claims and settings that annotations may name (claim=, setting=).

    Given as dicts, or read from TOML `paths` on first use (most notes name none)."""

    def __init__(self, claims: dict[str, Claim] | None = None,
                 settings: dict[str, Setting] | None = None, paths: Iterable[Path] = ()) -> None:
        self._claims, self._settings, self._paths = claims, settings, tuple(paths)

    @property
    def claims(self) -> dict[str, Claim]:
        if self._claims is None:
            self._claims = {c.id: c for c in load_catalog(self._paths).claims}
        return self._claims

    @property
    def settings(self) -> dict[str, Setting]:
        if self._settings is None:
            self._settings = _settings_from(self._paths)
        return self._settings



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
    state = _State(path, refs, ScanState(defaults))
    displays = [d for page in pages for d in scan_page(page, state.scan, out.errors)]
    out.title = state.scan.first_heading or path.name
    for d in displays:
        claims, errs = _display_claims(d, state) if _is_claim(d) else ([], [])
        out.claims.extend(claims)
        out.errors.extend(errs)
        out.found.append(_found(d, state, claims, errs))
    _check_local_ids(out)
    return out


@dataclass
class _State:
    """One file being read: its path, the run's catalog refs, what its annotations said so
    far, and the catalogs it names (`catalog=`)."""

    path: Path
    refs: Refs
    scan: ScanState
    catalogs: dict[str, Refs] = field(default_factory=dict)


# ---- claims ---------------------------------------------------------------------------------

def _is_claim(d: Display) -> bool:
    return d.annotation is not None and "skip" not in d.annotation.flags


def _display_claims(d: Display, state: _State) -> tuple[list[Claim], list[LoadError]]:
    ann = d.annotation
    assert ann is not None
    try:
        return _build(d, ann, state), []
    except _Problem as p:
        line, where = (p.line, p.where) if p.line else (d.line(), d.where())
        return [], [LoadError(d.page.file, line, p.message + (f" ({where})" if where else ""))]


class _Problem(Exception):
    def __init__(self, message: str, line: int = 0, where: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.where = message, line, where


def _build(d: Display, ann: Annotation, state: _State) -> list[Claim]:
    a = ann.attrs
    refs = _refs_for(d, state, ann)
    ref = None
    if "claim" in a:
        ref = refs.claims.get(a["claim"])
        if ref is None:
            raise _Problem(f"claim={a['claim']}: no such catalog claim", ann.line, ann.where)
    setting = _setting(d, ann, state, refs, ref)
    where = _where(a.get("where", d.defaults.get("where", "")), ann) if "where" in a or ref is None \
        else ref.where
    ctx = context_for(setting, tuple(v for v, _ in where))
    quantity = _quantity(a.get("quantity"), ctx, ann) if "quantity" in a else \
        (ref.sides[0] if ref else None)
    try:
        eqs = equations(d.tex, ctx)
    except LatexError as exc:
        raise _Problem(f"cannot read formula: {exc}", d.line(exc.pos), d.where(exc.pos)) from None
    if not eqs:
        raise _Problem("empty display formula")
    if quantity and len(eqs) > 1:
        raise _Problem(f"this display holds {len(eqs)} equations but the annotation names one "
                       "quantity: annotate one equation per display, or drop quantity=")
    local = a.get("id") or a.get("claim") or (f"cell{d.page.cell}-L{d.where().split()[-1]}" if d.page.cell
                            else f"L{d.line()}")
    claims = []
    for n, eq in enumerate(eqs, 1):
        sides = ([quantity] if quantity else []) + [m.text for m in eq]
        lines = ([ann.line] if quantity else []) + [d.line(m.pos) for m in eq]
        if len(sides) < 2:
            raise _Problem("nothing to check: give quantity=... or write the formula as a "
                           "chain A = B", d.line(eq[0].pos), d.where(eq[0].pos))
        full_where = where + _index_ranges(sides, lines, setting, where, ctx, d)
        claims.append(_claim(d, ann, state, setting, sides, lines, full_where,
                             local + (f"-{n}" if len(eqs) > 1 else ""), d.where(eq[0].pos)))
    return claims


def _claim(d: Display, ann: Annotation, state: _State, setting: Setting, sides: list[str],
           lines: list[int], where: tuple[tuple[str, str], ...], local: str,
           place: str) -> Claim:
    a = ann.attrs
    expect = a.get("expect", "holds")
    if expect not in ("holds", "erratum"):
        raise _Problem("expect must be 'holds' or 'erratum'", ann.line, ann.where)
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
        raise _Problem(f"cannot read quantity: {exc}", ann.line, ann.where) from None


def _where(raw: str, ann: Annotation) -> tuple[tuple[str, str], ...]:
    """`l=1..L-1, j=1..n[l]` -> (("l", "1..L-1"), ("j", "1..n[l]"))."""
    found = re.findall(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)", raw)
    rest = re.sub(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)|[\s,;]", "", raw)
    if rest:
        raise _Problem(f"where={raw!r}: write index ranges like where=\"l=1..L-1\"",
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
            raise _Problem(f"cannot read {side!r}: {exc.msg}", line) from None
    bound = {c.args[1].elts[0].id for t in trees for c in ast.walk(t) if _is_sum(c)}
    names = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}
    for var in sorted(names - known - bound - set(FUNCTIONS) - CONSTANTS):
        hi = infer_range(trees, var, ctx)
        if hi is None:
            raise _Problem(f"{var!r} is neither a symbol of this setting nor an index with a "
                           f"range: add where=\"{var}=1..{ctx.depth}\" (or declare it)",
                           d.line(), d.where())
        extra.append((var, f"1..{hi}"))
    names_ok = known | {v for v, _ in extra}
    for side, line in zip(sides, lines):
        try:
            parse(side, names_ok)
        except FormulaError as exc:
            raise _Problem(f"{exc} in {side!r}", line) from None
    return tuple(extra)


def _is_sum(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("sum", "Sum") and len(node.args) == 2
            and isinstance(node.args[1], ast.Tuple) and node.args[1].elts
            and isinstance(node.args[1].elts[0], ast.Name))


# ---- settings -------------------------------------------------------------------------------

def _setting(d: Display, ann: Annotation, state: _State, refs: Refs,
             ref: Claim | None) -> Setting:
    a, defaults = ann.attrs, d.defaults
    overrides = {k: v for k, v in a.items() if k in SETTING_KEYS}
    name = a.get("setting") or (None if ref else defaults.get("setting"))
    base = ref.setting if ref else None
    if name in state.scan.settings:
        base = _new_setting(name, state.scan.settings[name], {}, ann)
    elif name is not None:
        base = refs.settings.get(name)
        if base is None:
            raise _Problem(f"setting={name}: no such setting", ann.line, ann.where)
    if base is None:
        return _new_setting(state.path.name, {k: v for k, v in defaults.items()
                                               if k in SETTING_KEYS}, overrides, ann)
    if not overrides:
        return base
    allowed = NETWORK_KEYS if base.kind == "network" else SCALAR_KEYS
    bad = sorted(set(overrides) - allowed)
    if bad:
        raise _Problem(f"{', '.join(bad)} do(es) not apply to a {base.kind} setting",
                       ann.line, ann.where)
    params = dict(base.params)
    params.update((k, freeze(_value(k, v, ann))) for k, v in overrides.items())
    return Setting(base.name + "*", base.kind, tuple(sorted(params.items())))


def _new_setting(name: str, defaults: dict[str, Any], overrides: dict[str, Any],
                 ann: Annotation) -> Setting:
    kind = overrides.get("kind") or defaults.get("kind") or \
        ("scalar" if set(overrides) & _SCALAR_ONLY else "network")
    allowed = NETWORK_KEYS if kind == "network" else SCALAR_KEYS
    bad = sorted(set(overrides) - allowed - {"kind"})
    if bad:
        raise _Problem(f"{', '.join(bad)} do(es) not apply to a {kind} setting", ann.line,
                       ann.where)
    body = {k: _value(k, v, ann) for k, v in {**defaults, **overrides}.items() if k in allowed}
    body["kind"] = kind
    if kind == "network" and "widths" not in body:
        raise _Problem("no setting: give widths=... (and activation=, loss=) in the file's "
                       "<!-- bpcheck-defaults: ... --> or in the annotation", ann.line, ann.where)
    problem = setting_problem(body)
    if problem:
        raise _Problem(f"setting: {problem}", ann.line, ann.where)
    return Setting(name, kind, tuple(sorted((k, freeze(v)) for k, v in body.items()
                                            if k != "kind")))


def _value(key: str, raw: Any, ann: Annotation) -> Any:
    """An attribute's text as the setting value TOML would give (widths=4,3,2 -> [4, 3, 2])."""
    if not isinstance(raw, str):
        return raw  # notebook metadata is JSON already
    items = [s for s in re.split(r"[\s,]+", raw.strip().strip("[]")) if s]
    try:
        if key == "widths":
            return [int(s) for s in items]
        if key == "batch":
            return int(raw)
        if key in _LIST_KEYS:
            return items
        if key == "vectors":
            return {n: int(k) for n, k in (s.split(":") for s in items)}
        if key == "matrices":
            return {n: [int(r) for r in shape.split("x")] for n, shape in
                    (s.split(":") for s in items)}
    except ValueError:
        raise _Problem(f"cannot read {key}={raw!r}", ann.line, ann.where) from None
    return raw


def _refs_for(d: Display, state: _State, ann: Annotation) -> Refs:
    """The run's catalog refs, plus a `catalog=` TOML file named by the notes."""
    path = ann.attrs.get("catalog") or d.defaults.get("catalog")
    if not path:
        return state.refs
    if path not in state.catalogs:
        full = state.path.parent / path
        if not full.exists():
            raise _Problem(f"catalog={path}: no such file", ann.line, ann.where)
        state.catalogs[path] = refs_from([full])
    more = state.catalogs[path]
    return Refs({**state.refs.claims, **more.claims}, {**state.refs.settings, **more.settings})


def refs_from(paths: Iterable[str | Path]) -> Refs:
    """The claims and named settings of TOML catalogs, read when first needed."""
    return Refs(paths=[Path(p) for p in paths])


def _settings_from(paths: Iterable[Path]) -> dict[str, Setting]:
    import tomllib
    from ..catalog.files import discover
    settings: dict[str, Setting] = {}
    for path in discover(paths):
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text).get("setting", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # reported when the catalog itself is loaded
        settings.update(load_settings(str(path), text, raw, []))
    return settings


# ---- scan --------------------------------------------------------------------------------

def _found(d: Display, state: _State, claims: list[Claim], errors: list[LoadError]) -> Found:
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


def _default_context(d: Display, state: _State) -> TexContext:
    ann = Annotation({}, frozenset(), d.line(), d.where())
    try:
        return context_for(_setting(d, ann, state, state.refs, None))
    except _Problem:
        return context_for(Setting("network", "network", ()))


def _check_local_ids(nf: NotesFile) -> None:
    seen: dict[str, Claim] = {}
    for c in nf.claims:
        if c.id in seen:
            nf.errors.append(LoadError(c.file, c.line, f"duplicate claim id {c.id!r} (first at "
                                       f"line {seen[c.id].line})"))
        seen.setdefault(c.id, c)
    nf.claims[:] = list(seen.values())