"""Where claims come from: TOML catalogs (and, where supported, annotated notes)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .catalog import Catalog, load_catalog

NOTE_SUFFIXES = (".md", ".ipynb")


def load_sources(paths: Iterable[str | Path], keyword: str | None = None) -> Catalog:
    return load_catalog(paths, keyword)
