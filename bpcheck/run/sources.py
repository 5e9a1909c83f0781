"""Where claims come from: TOML catalogs and annotated notes (.md, .ipynb, .tex).

Folders are searched for both.  Notes may name catalog claims and settings
(`claim=`, `setting=`): those are looked up in the TOML files of the same run,
or in the project's `derivations/` (at its root, found as `verify` finds it) when the run
has none.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..catalog.files import Catalog, discover, first_of_each_id, load_catalog, matches
from ..notes.scan import NOTE_SUFFIXES, discover_notes

if TYPE_CHECKING:
    from ..notes.claims import Refs

REFERENCE_CATALOG = "derivations"


def load_sources(paths: Iterable[str | Path], keyword: str | None = None,
                 cache_dir: str | None = None) -> Catalog:
    paths = [Path(p) for p in paths]
    tomls = [p for p in paths if p.is_dir() or p.suffix not in NOTE_SUFFIXES]
    catalog = load_catalog(tomls, cache_dir=cache_dir) if tomls else Catalog((), ())
    note_files = discover_notes(paths)
    if not note_files:  # the LaTeX side is imported only when there are notes
        return _filtered(catalog, keyword)
    from ..notes.readmany import load_notes
    notes = load_notes(note_files, references(paths, catalog))
    errors = list(catalog.errors) + list(notes.errors)
    claims = list(catalog.claims) + first_of_each_id(notes.claims, errors, catalog.claims)
    merged = Catalog(tuple(claims), tuple(errors), catalog.documents + notes.documents,
                     notes.unchecked)
    return _filtered(merged, keyword)


def references(paths: Iterable[str | Path], catalog: Catalog | None = None) -> Refs:
    """Catalog claims and settings notes may name: the run's TOML files, else the project
    root's derivations/."""
    from ..notes.claims import Refs
    tomls = [p for p in map(Path, paths) if p.is_dir() or p.suffix not in NOTE_SUFFIXES]
    found = [p for p in discover(tomls) if p.suffix == ".toml"]
    if found:
        claims = {c.id: c for c in catalog.claims} if catalog is not None else None
        return Refs(claims, None, found)
    from ..catalog.config import find_project
    fallback = find_project()[0] / REFERENCE_CATALOG  # the project's, from any subfolder
    return Refs(paths=[fallback]) if fallback.is_dir() else Refs({}, {})


def _filtered(catalog: Catalog, keyword: str | None) -> Catalog:
    if not keyword:
        return catalog
    # the statements no claim checks are listed for a whole run, not for a -k selection
    return Catalog(tuple(c for c in catalog.claims if matches(c, keyword)), catalog.errors,
                   catalog.documents)
