"""Tables whose columns state conventions side by side (`table_columns=conventions`).

Course notes often compare the two batch conventions in one Markdown table: a column headed
"row-wise" (samples as rows, `Z = A W + b`, W with a row per input) beside one headed
"column-wise" (samples as columns, `Z = W A + b`, W with a row per output), the same formulas
in each.  With `table_columns=conventions` in the defaults line, a display inside such a table
is read in its own column's convention, named by the words of the column's header:

- "row-wise", "rows", "samples as rows", "row vectors": `row_vectors=true orientation=in_out`;
- "column-wise", "columns", "samples as columns", "column vectors":
  `row_vectors=false orientation=out_in`.

A column whose header names neither (or both) keeps the file's defaults.  The orientation is a
setting key, so each column's claims are decided in their own setting, and a definition of one
column that disagrees with its setting leaves only the claims of that column not judged.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from .scan import Display

KEY = "table_columns"
CHOICES = ("conventions", "off")

_ROWS = {"row_vectors": "true", "orientation": "in_out"}
_COLUMNS = {"row_vectors": "false", "orientation": "out_in"}
_ROW_WORDS = re.compile(r"\brow[-\s]?wise\b|\brows?\b|\brow[-\s]vectors?\b", re.I)
_COLUMN_WORDS = re.compile(r"\bcol(?:umn)?[-\s]?wise\b|\bcolumns?\b|\bcolumn[-\s]vectors?\b",
                           re.I)
_ROW_LINE = re.compile(r"^\s*\|")
_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_BAR = re.compile(r"(?<!\\)\|")


def in_column_convention(d: Display) -> Display:
    """The display with its table column's convention added to its defaults, when the
    defaults say the tables' columns are conventions and the display is in such a column."""
    if str(d.defaults.get(KEY, "off")).lower() != "conventions":
        return d
    keys = column_convention(d.page.text, d.offset)
    return replace(d, defaults={**d.defaults, **keys}) if keys else d


def column_convention(text: str, offset: int) -> dict[str, Any]:
    """The convention keys of the table column holding `offset`, or {} outside a table."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start:end if end >= 0 else len(text)]
    if not _ROW_LINE.match(line):
        return {}
    column = len(_BAR.findall(line[:offset - start]))
    header = _header(text, start)
    if header is None:
        return {}
    cells = _BAR.split(header)
    if column >= len(cells):
        return {}
    words = cells[column]
    rows, columns = bool(_ROW_WORDS.search(words)), bool(_COLUMN_WORDS.search(words))
    return dict(_ROWS) if rows and not columns else dict(_COLUMNS) if columns and not rows else {}


def _header(text: str, row_start: int) -> str | None:
    """The header line of the table whose row starts at `row_start`: the line above its
    `|---|---|` rule."""
    lines, pos = [], row_start
    while pos > 0:
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev:pos - 1]
        if not _ROW_LINE.match(line) and not _RULE.match(line):
            break
        lines.append(line)
        pos = prev
    for k in range(len(lines) - 1):  # nearest first: the rule, then the header above it
        if _RULE.match(lines[k]):
            return lines[k + 1]
    return None
