"""Reading many note files: the files are independent, so a large set is shared between
forked processes (every core, as `verify` decides claims), and the results come back in
the files' order, exactly as one process would have read them."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..catalog.files import Catalog, Unchecked
from .claims import NotesFile, read_notes
from .scan import discover_notes
from .settings import Refs
from .wholefile import CLAIM, DEFINITION

MIN_FILES = 8  # below this, starting a second process costs more than it saves
MIN_DISPLAYS = 200  # nor is it worth it for a few short files


def load_notes(paths: Iterable[str | Path], refs: Refs | None = None) -> Catalog:
    """The claims of every note file under `paths`, and what was read but not checked."""
    claims, errors, docs, unchecked = [], [], [], []
    refs = refs or Refs({}, {})
    files = discover_notes(paths)
    for path, nf in zip(files, read_many(files, refs)):
        claims.extend(nf.claims)
        errors.extend(nf.errors)
        unchecked.extend(Unchecked(f.file, r.line, r.kind, r.reason, r.latex)
                         for f in nf.found for r in f.readings if r.kind not in
                         (CLAIM, DEFINITION))
        if nf.claims or nf.errors:
            docs.append((str(path), {"title": nf.title, "kind": "notes"}))
    return Catalog(tuple(claims), tuple(errors), tuple(docs), tuple(unchecked))


def read_many(paths: Sequence[Path], refs: Refs | None = None,
              jobs: int = 0) -> Iterator[NotesFile]:
    """`read_notes` of each path, in order.  jobs = 0 picks the number of processes:
    every core (at most 8) for many files, one otherwise; forking needs Linux."""
    jobs = jobs or _auto_jobs(paths)
    if jobs <= 1 or not _can_fork():
        for path in paths:
            yield read_notes(path, refs)
        return
    import multiprocessing as mp
    global _REFS
    _REFS = refs  # inherited by the forked workers, never pickled
    chunk = max(1, len(paths) // (4 * jobs))
    with mp.get_context("fork").Pool(jobs, initializer=_quiet) as pool:
        yield from pool.imap(_read_one, paths, chunksize=chunk)


_REFS: Refs | None = None


def _quiet() -> None:
    """A Ctrl-C is the parent's to handle (it stops the pool), never a worker's traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_one(path: Path) -> NotesFile:
    return read_notes(path, _REFS)


def _auto_jobs(paths: Sequence[Path]) -> int:
    if len(paths) < MIN_FILES:
        return 1
    size = sum(_size(p) for p in paths)
    if size < MIN_DISPLAYS * 100:  # about a hundred bytes per display formula and its prose
        return 1
    return min(os.cpu_count() or 1, 8)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is read


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")
