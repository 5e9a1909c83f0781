"""The cache folder, made so that it keeps itself out of git and out of backups (as
pytest's own cache does): whichever cache writes first creates it with a `.gitignore`
that ignores everything and a CACHEDIR.TAG."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

GITIGNORE = "# created by bpcheck: the cache is never committed\n*\n"
TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
       "# This file is a cache directory tag created by bpcheck.\n"
       "# For information about cache directory tags, see https://bford.info/cachedir/\n")


def prepare_cache_folder(folder: Path) -> None:
    """Create `folder` (and its parents) if needed; a folder without its two marker files
    (made by an older bpcheck, or by hand) gets them.  Raises OSError when it cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", GITIGNORE), ("CACHEDIR.TAG", TAG)):
        marker = folder / name
        if not marker.exists():  # written whole (parallel workers may race here)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, marker)
