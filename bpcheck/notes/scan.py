"""Display formulas in Markdown notes and notebooks, and the annotations above them.

A display formula (`$$...$$`, `\\[...\\]` (also Markdown-escaped, `\\\\[...\\\\]`),
`\\begin{equation|align|gather}`) is found
with its file line, the heading it sits under and the annotation comment
`<!-- bpcheck: ... -->` before it; `bpcheck-defaults` and `bpcheck-setting` comments
(and front matter or notebook metadata) update the page's defaults and named
settings.  For a notebook the lines are those inside the .ipynb JSON.  Annotation
attributes are read by a small tokenizer (no eval, no YAML).
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..catalog.files import LoadError
from .defaults import SETTING_KEYS, problems
from .tex import tex_lines

NOTE_SUFFIXES = (".md", ".ipynb", ".tex")

CLAIM_KEYS = {"id", "title", "source", "quantity", "where", "when", "claim", "setting", "expect",
              "corrects", "note", "scope", "strategy", "catalog"}
SETUP_UNCHECKED = "the file's formulas are not checked until its set-up is fixed"
_ANNOTATION = re.compile(r"\s*<!--\s*bpcheck(-defaults|-setting)?\s*:(.*?)-->", re.S)
_OPENER = re.compile(r"(?<!\\)\$\$|\\\[|\\begin\{((?:equation|align|gather|multline|eqnarray)(?:\\?\*)?)\}"
                     r"|<script\s+type=\"math/tex;\s*mode=display\">")
# text before a `$$` on its line that still leaves the `$$` a block (lists, quotes, tables)
_BLOCK_PREFIX = re.compile(r"\s*(?:(?:[-*+]|\d+[.)]|>)\s*)*$")
_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_TABLE_ROW = re.compile(r"\s{0,3}\|")


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


@dataclass
class ScanState:
    """What the annotations of a file have said so far: defaults, named settings, first heading."""

    defaults: dict[str, Any]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_heading: str = ""
    bad_setup: bool = False  # a set-up value is wrong: no claim of the file is decided


# ---- reading ------------------------------------------------------------------------------

def read_pages(name: str, text: str, suffix: str,
               errors: list[LoadError]) -> tuple[list[Page], dict[str, Any]]:
    """A file's pages (the Markdown, each Markdown cell of a notebook, or a LaTeX document
    read line for line) and its bpcheck defaults."""
    if suffix == ".ipynb":
        pages, defaults, lines = _notebook(name, text)
    elif suffix == ".tex":
        pages, defaults, lines = _markdown(name, tex_lines(name, text, errors))
    else:
        pages, defaults, lines = _markdown(name, text)
    return pages, checked_setup(name, defaults, lines, errors)


def checked_setup(name: str, defaults: dict[str, Any], lines: dict[str, int],
                  errors: list[LoadError], where: str = "") -> dict[str, Any]:
    """The set-up without its bad keys, each reported at its line (`lines`: key -> line)."""
    bad = problems(defaults)
    for key, problem in bad:
        errors.append(LoadError(name, lines.get(key, 1), f"bpcheck-defaults: {problem}; "
                                f"{SETUP_UNCHECKED}" + (f" ({where})" if where else "")))
    return {k: v for k, v in defaults.items() if k not in dict(bad)}


def _markdown(name: str, text: str) -> tuple[list[Page], dict[str, Any], dict[str, int]]:
    lines = text.split("\n")
    defaults, start, key_lines = _front_matter(lines)
    return [Page(name, text, tuple(range(1, len(lines) + 1)), 0, start)], defaults, key_lines


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], int, dict[str, int]]:
    """`bpcheck:` in YAML-ish front matter: `key: value` lines below it, or k=v on its line;
    and the file line of each key."""
    if not lines or lines[0].strip() != "---":
        return {}, 0, {}
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, 0, {}
    body, defaults, key_lines = lines[1:end], {}, {}
    for i, ln in enumerate(body):
        if ln.startswith("bpcheck:"):
            on_line = parse_attrs(ln[len("bpcheck:"):])[0]
            defaults.update(on_line)
            key_lines.update((k, i + 2) for k in on_line)
            for k, sub in enumerate(body[i + 1:], i + 3):
                m = re.match(r"\s+([\w-]+)\s*:\s*(.*?)\s*$", sub)
                if not m:
                    break
                defaults[m.group(1)] = m.group(2).strip("\"'").strip("[]")
                key_lines[m.group(1)] = k
    return defaults, end + 1, key_lines


def _notebook(name: str, text: str) -> tuple[list[Page], dict[str, Any], dict[str, int]]:
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
    placed = doc.get("metadata", ({}, 0))[0]
    placed = placed.get("bpcheck", ({}, 0))[0] if isinstance(placed, dict) else {}
    lines = {k: text.count("\n", 0, pos) + 1 for k, (_, pos) in placed.items()} \
        if isinstance(placed, dict) else {}
    return pages, (dict(meta) if isinstance(meta, dict) else {}), lines


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

def scan_page(page: Page, state: ScanState, errors: list[LoadError]) -> list[Display]:
    text, out = page.text, []
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    comments = [(m.start(), m.end()) for m in re.finditer(r"<!--.*?(?:-->|\Z)", text, re.S)]
    pending: Annotation | None = None
    fence, heading, i = "", "", page.start
    kramdown = not page.cell and bool(_KRAMDOWN.search(text))
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
                    errors.append(error_at(page, starts[i], "annotation not followed by a "
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
            escaped = m.group() == r"\[" and lines[i][m.start() - 1:m.start()] == "\\"
            closer = "$$" if m.group() == "$$" else r"\\]" if escaped \
                else r"\]" if m.group() == r"\[" \
                else "</script>" if m.group().startswith("<script") \
                else rf"\end{{{m.group(1)}}}"
            begin = starts[i] + m.end()
            close = text.find(closer, begin)
            if _TABLE_ROW.match(line) and not _in_one_cell(line, m.end(), close - starts[i]):
                col = m.end()  # a table cell is one line: its `$$` never opens a display
                continue
            if m.group() == "$$" and kramdown and not _TABLE_ROW.match(line) \
                    and _inline(line, m.start(), close - starts[i] + 2):
                col = close - starts[i] + 2  # kramdown's `$$x$$` inside a sentence: inline
                continue
            if close < 0:
                errors.append(error_at(page, starts[i] + m.start(), f"unclosed {m.group()}"))
                break
            out.append(Display(page, text[begin:close], begin, pending, dict(state.defaults),
                               heading))
            pending, found = None, True
            i = bisect.bisect_right(starts, close + len(closer)) - 1
            col = close + len(closer) - starts[i]
        if pending is not None and not found and line.strip():
            errors.append(error_at(page, starts[i], "annotation (line "
                                 f"{pending.line}) not followed by a display formula"))
            pending = None
        i += 1
    if pending is not None:
        errors.append(LoadError(page.file, pending.line, "annotation not followed by a "
                                "display formula"))
    return out


# a Jekyll/kramdown page (front matter with a layout, or displays as MathJax script tags):
# there `$$x$$` inside a sentence is inline math, as kramdown renders it
_KRAMDOWN = re.compile(r"\A---\s*\n(?:[^\n]*\n)*?layout\s*:|<script\s+type=\"math/tex")


def _inline(line: str, start: int, end: int) -> bool:
    """`$$ ... $$` within a sentence (text before it on its line, closed on the line)."""
    return end <= len(line) and not _BLOCK_PREFIX.match(line[:start])


def _in_one_cell(row: str, begin: int, end: int) -> bool:
    """Whether [begin, end) of a Markdown table row lies inside one cell (no unescaped `|`)."""
    return begin <= end <= len(row) and re.search(r"(?<!\\)\|", row[begin:end]) is None \
        and row[begin:end].strip() != ""


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    k = bisect.bisect_right(spans, (offset, len(spans) and 10**12)) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


def error_at(page: Page, offset: int, message: str) -> LoadError:
    where = page.where(offset)
    return LoadError(page.file, page.line(offset), message + (f" ({where})" if where else ""))


def _annotation(m: re.Match[str], page: Page, offset: int, state: ScanState,
                errors: list[LoadError]) -> Annotation | None:
    try:
        attrs, flags = parse_attrs(m.group(2))
    except ValueError as exc:
        errors.append(error_at(page, offset, f"annotation: {exc}"))
        return None
    kind = m.group(1)
    allowed = SETTING_KEYS | ({"setting", "catalog", "where", "check"} if kind == "-defaults" else
                              {"name"} if kind == "-setting" else CLAIM_KEYS)
    unknown = sorted(set(attrs) - allowed) * (kind != "-defaults") + \
        sorted(flags - {"skip"} if not kind else flags)
    if unknown:
        errors.append(error_at(page, offset, f"annotation: unknown key(s) {', '.join(unknown)}"))
        state.bad_setup |= kind == "-defaults"
        return None
    if kind == "-defaults":
        before = len(errors)
        good = checked_setup(page.file, attrs, dict.fromkeys(attrs, page.line(offset)), errors,
                             page.where(offset))
        state.bad_setup |= len(errors) > before
        state.defaults.update(good)
        return None
    if kind == "-setting":
        if "name" not in attrs:
            errors.append(error_at(page, offset, "bpcheck-setting needs name=..."))
        else:
            state.settings[attrs.pop("name")] = attrs
        return None
    return Annotation(attrs, frozenset(flags), page.line(offset), page.where(offset))


_ATTR = re.compile(r"\s*([A-Za-z_][\w-]*)(=)?")


def parse_attrs(body: str) -> tuple[dict[str, str], set[str]]:
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


def discover_notes(paths: Iterable[str | Path]) -> list[Path]:
    """The .md/.ipynb/.tex files named by `paths` (hidden folders skipped), sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(f for f in sorted(p.rglob("*")) if f.suffix in NOTE_SUFFIXES
                         and f.is_file() and not any(part.startswith(".") for part in
                                                     f.relative_to(p).parts))
        elif p.suffix in NOTE_SUFFIXES:
            found.append(p)
    return found
