"""Formulas where they live: annotated display math in Markdown notes and Jupyter notebooks.

A display formula (`$$...$$`, `\\[...\\]`, `\\begin{equation|align|gather}`) under
an annotation comment `<!-- bpcheck: ... -->` becomes a `Claim` whose sides are
its chain translated by `latex.py`.  Files and lines are the notes' own: for a
notebook the line inside the .ipynb JSON, with "cell N, line k" as the source.
Annotation attributes are read by a small tokenizer (no eval, no YAML).
"""
from __future__ import annotations

import ast
import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .catalog import (NETWORK_KEYS, SCALAR_KEYS, Catalog, LoadError, _freeze, _load_settings,
                      _setting_problem, load_catalog, setting_names)
from .exprs import CONSTANTS, FUNCTIONS, FormulaError, parse
from .latex import LatexError, TexContext, context_for, equations, infer_range, translate
from .model import Claim, Expect, Setting

NOTE_SUFFIXES = (".md", ".ipynb")
CLAIM_KEYS = {"id", "title", "source", "quantity", "where", "when", "claim", "setting", "expect",
              "corrects", "note", "scope", "strategy", "catalog"}
SETTING_KEYS = (NETWORK_KEYS | SCALAR_KEYS) - {"note", "define", "sample", "cases", "indexed"}
_SCALAR_ONLY = SCALAR_KEYS - NETWORK_KEYS - {"note"}
_LIST_KEYS = {"symbols", "positive", "integers", "functions", "elementwise"}
_ANNOTATION = re.compile(r"\s*<!--\s*bpcheck(-defaults|-setting)?\s*:(.*?)-->", re.S)
_OPENER = re.compile(r"(?<!\\)\$\$|\\\[|\\begin\{((?:equation|align|gather|multline)\*?)\}")
_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
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
class Page:
    """Markdown text with its file lines: a whole .md file, or one notebook cell."""

    file: str
    text: str
    lines: tuple[int, ...]
    cell: int = 0  # 1-based notebook cell, 0 for Markdown files
    start: int = 0  # first line index to scan (after front matter)

    def line(self, offset: int) -> int:
        return self.lines[min(self.text.count("\n", 0, offset), len(self.lines) - 1)]

    def where(self, offset: int) -> str:
        """"cell N, line k" in a notebook (both 1-based), "" in a Markdown file."""
        k = self.text.count("\n", 0, offset) + 1
        return f"cell {self.cell}, line {k}" if self.cell else ""


@dataclass(frozen=True)
class Annotation:
    attrs: dict[str, Any]
    flags: frozenset[str]
    line: int
    where: str


@dataclass
class Display:
    page: Page
    tex: str
    offset: int  # of `tex` in page.text
    annotation: Annotation | None
    defaults: dict[str, Any]
    heading: str

    def _at(self, pos: int) -> int:  # page offset of the first non-space at or after pos
        rest = self.tex[pos:]
        return self.offset + pos + len(rest) - len(rest.lstrip())

    def line(self, pos: int = 0) -> int:
        return self.page.line(self._at(pos))

    def where(self, pos: int = 0) -> str:
        return self.page.where(self._at(pos))


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

def discover_notes(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(f for f in sorted(p.rglob("*")) if f.suffix in NOTE_SUFFIXES
                         and f.is_file() and not any(part.startswith(".") for part in
                                                     f.relative_to(p).parts))
        elif p.suffix in NOTE_SUFFIXES:
            found.append(p)
    return found


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
    """Every display formula of one .md/.ipynb file, and the claims of the annotated ones."""
    name, out, refs = str(path), NotesFile(), refs or Refs({}, {})
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.errors.append(LoadError(name, 1, f"cannot read file: {exc}"))
        return out
    try:
        pages, defaults = (_notebook(name, text) if path.suffix == ".ipynb"
                           else _markdown(name, text))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        out.errors.append(LoadError(name, 1, f"cannot read notebook: {exc}"))
        return out
    state = _State(path, refs, defaults)
    displays = [d for page in pages for d in _scan(page, state, out.errors)]
    out.title = state.first_heading or path.name
    for d in displays:
        claims, errs = _display_claims(d, state) if _is_claim(d) else ([], [])
        out.claims.extend(claims)
        out.errors.extend(errs)
        out.found.append(_found(d, state, claims, errs))
    _check_local_ids(out)
    return out


def _markdown(name: str, text: str) -> tuple[list[Page], dict[str, Any]]:
    lines = text.split("\n")
    defaults, start = _front_matter(lines)
    return [Page(name, text, tuple(range(1, len(lines) + 1)), 0, start)], defaults


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """`bpcheck:` in YAML-ish front matter: `key: value` lines below it, or k=v on its line."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, 0
    body, defaults = lines[1:end], {}
    for i, ln in enumerate(body):
        if ln.startswith("bpcheck:"):
            defaults.update(_attrs(ln[len("bpcheck:"):])[0])
            for sub in body[i + 1:]:
                m = re.match(r"\s+([\w-]+)\s*:\s*(.*?)\s*$", sub)
                if not m:
                    break
                defaults[m.group(1)] = m.group(2).strip("\"'").strip("[]")
    return defaults, end + 1


def _notebook(name: str, text: str) -> tuple[list[Page], dict[str, Any]]:
    (doc, _), _ = _json_positions(text, 0)
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    pages = []
    for n, (cell, _) in enumerate(doc["cells"][0], 1):
        if cell.get("cell_type", (None, 0))[0] != "markdown":
            continue
        src, pos = cell.get("source", ("", 0))
        parts = [p for p in src] if isinstance(src, list) else [(src, pos)]
        lines = _source_lines([(s, bisect.bisect_left(newlines, at) + 1) for s, at in parts])
        pages.append(Page(name, "".join(s for s, _ in parts), tuple(lines), n))
    meta = json.loads(text).get("metadata", {}).get("bpcheck", {})
    return pages, dict(meta) if isinstance(meta, dict) else {}


def _source_lines(parts: list[tuple[str, int]]) -> list[int]:
    """File line of each line of a cell whose source strings sit on the given file lines."""
    lines: list[int | None] = [None]
    for s, ln in parts:
        if lines[-1] is None:
            lines[-1] = ln
        for q in (k for k, c in enumerate(s) if c == "\n"):
            lines.append(ln if q < len(s) - 1 else None)
    last = parts[-1][1] if parts else 1
    return [ln if ln is not None else last for ln in lines]


_WS = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def _json_positions(text: str, i: int) -> tuple[Any, int]:
    """A JSON value at `i` as (value, offset) pairs all the way down (for line numbers)."""
    i = _WS.match(text, i).end()
    start = i
    if text[i] == '"':
        s, end = json.decoder.scanstring(text, i + 1)
        return (s, start), end
    if text[i] in "[{":
        close, items, i = "]" if text[i] == "[" else "}", [], i + 1
        while True:
            i = _WS.match(text, i).end()
            if text[i] == close:
                break
            if text[i] == ",":
                i += 1
                continue
            value, i = _json_positions(text, i)
            if close == "}":
                i = _WS.match(text, i).end() + 1  # the colon
                inner, i = _json_positions(text, i)
                value = (value[0], inner)
            items.append(value)
        return ((dict(items) if close == "}" else items), start), i + 1
    m = _SCALAR.match(text, i)
    if m is None:
        raise ValueError(f"invalid JSON at offset {i}")
    return (json.loads(m.group()), start), m.end()


# ---- scanning a page ------------------------------------------------------------------------

@dataclass
class _State:
    path: Path
    refs: Refs
    defaults: dict[str, Any]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_heading: str = ""
    catalogs: dict[str, Refs] = field(default_factory=dict)


def _scan(page: Page, state: _State, errors: list[LoadError]) -> list[Display]:
    text, out = page.text, []
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    comments = [(m.start(), m.end()) for m in re.finditer(r"<!--.*?(?:-->|\Z)", text, re.S)]
    pending: Annotation | None = None
    fence, heading, i = "", "", page.start
    while i < len(lines):
        line = lines[i]
        if fence or _FENCE.match(line):
            m = _FENCE.match(line)
            fence = "" if fence and m and m.group(1).startswith(fence) else fence or m.group(1)
            i += 1
            continue
        if line.lstrip().startswith("<!--"):
            end = text.find("-->", starts[i])
            end = len(text) if end < 0 else end + 3
            m = _ANNOTATION.match(text, starts[i], end)
            if m:
                if pending is not None:
                    errors.append(_error(page, starts[i], "annotation not followed by a "
                                         f"display formula (line {pending.line})"))
                pending = _annotation(m, page, starts[i], state, errors)
            i = bisect.bisect_right(starts, end - 1) if end < len(text) else len(lines)
            continue
        h = _HEADING.match(line)
        if h:
            heading = h.group(1)
            state.first_heading = state.first_heading or heading
        col, found = 0, False
        while (m := _OPENER.search(lines[i], col)) is not None:
            if lines[i].count("`", 0, m.start()) % 2 or _inside(comments, starts[i] + m.start()):
                col = m.end()
                continue
            closer = "$$" if m.group() == "$$" else r"\]" if m.group() == r"\[" \
                else rf"\end{{{m.group(1)}}}"
            begin = starts[i] + m.end()
            close = text.find(closer, begin)
            if close < 0:
                errors.append(_error(page, starts[i] + m.start(), f"unclosed {m.group()}"))
                break
            out.append(Display(page, text[begin:close], begin, pending, dict(state.defaults),
                               heading))
            pending, found = None, True
            i = bisect.bisect_right(starts, close + len(closer)) - 1
            col = close + len(closer) - starts[i]
        if pending is not None and not found and line.strip():
            errors.append(_error(page, starts[i], "annotation (line "
                                 f"{pending.line}) not followed by a display formula"))
            pending = None
        i += 1
    if pending is not None:
        errors.append(LoadError(page.file, pending.line, "annotation not followed by a "
                                "display formula"))
    return out


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    k = bisect.bisect_right(spans, (offset, len(spans) and 10**12)) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


def _error(page: Page, offset: int, message: str) -> LoadError:
    where = page.where(offset)
    return LoadError(page.file, page.line(offset), message + (f" ({where})" if where else ""))


def _annotation(m: re.Match[str], page: Page, offset: int, state: _State,
                errors: list[LoadError]) -> Annotation | None:
    try:
        attrs, flags = _attrs(m.group(2))
    except ValueError as exc:
        errors.append(_error(page, offset, f"annotation: {exc}"))
        return None
    kind = m.group(1)
    allowed = SETTING_KEYS | ({"setting", "catalog", "where"} if kind == "-defaults" else
                              {"name"} if kind == "-setting" else CLAIM_KEYS)
    unknown = sorted(set(attrs) - allowed) + sorted(flags - {"skip"} if not kind else flags)
    if unknown:
        errors.append(_error(page, offset, f"annotation: unknown key(s) {', '.join(unknown)}"))
        return None
    if kind == "-defaults":
        state.defaults.update(attrs)
        return None
    if kind == "-setting":
        if "name" not in attrs:
            errors.append(_error(page, offset, "bpcheck-setting needs name=..."))
        else:
            state.settings[attrs.pop("name")] = attrs
        return None
    return Annotation(attrs, frozenset(flags), page.line(offset), page.where(offset))


_ATTR = re.compile(r"\s*([A-Za-z_][\w-]*)(=)?")


def _attrs(body: str) -> tuple[dict[str, str], set[str]]:
    """`flag key=value key="v w" key=\\nabla_{W} J`: an unquoted value runs to the next key=."""
    attrs: dict[str, str] = {}
    flags: set[str] = set()
    i = 0
    while i < len(body):
        if body[i].isspace():
            i += 1
            continue
        m = _ATTR.match(body, i)
        if m is None:
            raise ValueError(f"cannot read {body[i:].strip()[:30]!r}")
        key, i = m.group(1), m.end()
        if not m.group(2):
            flags.add(key)
            continue
        if i < len(body) and body[i] in "\"'":
            end = body.find(body[i], i + 1)
            if end < 0:
                raise ValueError(f"unclosed quote in {key}=")
            attrs[key], i = body[i + 1:end], end + 1
            continue
        nxt = _NEXT_KEY.search(body, i)
        j = nxt.start() if nxt else len(body)
        attrs[key], i = body[i:j].strip(), j
    return attrs, flags


_NEXT_KEY = re.compile(r"\s[A-Za-z_][\w-]*=")


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
    if name in state.settings:
        base = _new_setting(name, state.settings[name], {}, ann)
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
    params.update((k, _freeze(_value(k, v, ann))) for k, v in overrides.items())
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
    problem = _setting_problem(body)
    if problem:
        raise _Problem(f"setting: {problem}", ann.line, ann.where)
    return Setting(name, kind, tuple(sorted((k, _freeze(v)) for k, v in body.items()
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
    from .catalog import discover
    settings: dict[str, Setting] = {}
    for path in discover(paths):
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text).get("setting", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # reported when the catalog itself is loaded
        settings.update(_load_settings(str(path), text, raw, []))
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
