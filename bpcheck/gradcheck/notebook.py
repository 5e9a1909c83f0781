"""Jupyter notebooks as gradcheck targets (FILE.ipynb:Name).

Cells are numbered from 1 in the order they appear in the file, markdown cells included. Each
code cell is handled by the first rule that applies:
  1. skipped: listed in [notebook] skip_cells, tagged "bpcheck-skip", or starting with the
     comment "# bpcheck: skip"; also a cell magic (%%time, %%bash, ...), never run;
  2. run whole: listed in run_cells, tagged "bpcheck-run", or starting with "# bpcheck: run";
  3. otherwise only its definitions run (source.is_definition: imports, defs, classes and
     assignments without calls), so cells that train, plot or load data are skipped.
Line magics and shell lines (%matplotlib inline, !pip install ...) are blanked, never run.
The cells run in order in one namespace, the way "Run All" would run them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .architecture import GradcheckError
from .source import (Loaded, bound_names, exec_statements, must_exist, new_module, parse, read_text,
                     skipped_note, skipped_where, split_definitions)

SKIP_TAG, RUN_TAG = "bpcheck-skip", "bpcheck-run"


def read_cells(path: Path) -> list[dict[str, Any]]:
    """The notebook's cells (nbformat when installed, else the JSON it is stored as)."""
    text = read_text(path)
    try:
        import nbformat  # noqa: PLC0415 - optional; validates the notebook when present
    except ImportError:
        nbformat = None
    try:
        nb = nbformat.reads(text, as_version=4) if nbformat else json.loads(text)
    except Exception as e:  # noqa: BLE001 - any unreadable notebook is one input error
        raise GradcheckError(f"{path} is not a readable notebook: {e}") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise GradcheckError(f"{path} is not a notebook (no list of cells; nbformat 4 is read)")
    return cells


def load_notebook(path: Path, options: dict[str, Any]) -> Loaded:
    must_exist(path)
    cells = read_cells(path)
    skip, run = (_cell_numbers(options, key, cells, path) for key in ("skip_cells", "run_cells"))
    module = new_module(path)
    ran, skipped, whole, known = 0, [], [], set()
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        decision = _decide(number, cell, source, skip, run)
        if decision is not None and decision != "run":
            whole.append(f"cell {number} ({decision})")
            continue
        where = f"{path} cell {number}"
        tree = parse(_blank_magics(source), where, where)
        kept, left = (tree.body, []) if decision == "run" else split_definitions(tree.body, known)
        if decision == "run":
            known |= {name for s in kept for name in bound_names(s)}
        exec_statements(kept, module, where, f"{where}: ")
        ran += len(kept)
        skipped += [(number, s) for s in left]
    notes = [skipped_note(path.name, ran, skipped)]
    if whole:
        notes.append(f"{path.name}: cells not run: {', '.join(whole)}")
    return Loaded(module, notes, skipped_where(skipped))


def _decide(number: int, cell: dict[str, Any], source: str, skip: set[int], run: set[int]) -> str | None:
    """Why the whole cell is skipped, "run" to run all of it, None for its definitions only."""
    tags = set((cell.get("metadata") or {}).get("tags") or [])
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if number in skip or SKIP_TAG in tags or first.replace(" ", "") == "#bpcheck:skip":
        return "skipped by the adapter" if number in skip else "marked skip"
    if first.startswith("%%"):
        return f"cell magic {first.split()[0]}"
    if number in run or RUN_TAG in tags or first.replace(" ", "") == "#bpcheck:run":
        return "run"
    return None


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _blank_magics(source: str) -> str:
    """%line magics and !shell lines become blank lines (line numbers are kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _cell_numbers(options: dict[str, Any], key: str, cells: list, path: Path) -> set[int]:
    numbers = options.get(key, [])
    for n in numbers:
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(cells):
            raise GradcheckError(f"adapter: [notebook] {key} holds {n!r}; {path} has cells 1 to "
                                 f"{len(cells)} (numbered in file order, markdown cells included)")
        if cells[n - 1].get("cell_type") != "code":
            raise GradcheckError(f"adapter: [notebook] {key}: cell {n} of {path} is not a code cell")
    return set(numbers)
