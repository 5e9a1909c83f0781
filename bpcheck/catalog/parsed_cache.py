"""Parsed catalog files kept as JSON, keyed by their bytes.

Parsing and checking every formula of a catalog costs more than the rest of a
warm (fully cached) run together, so each file's claims are stored once per
content.  JSON, not pickle: a cache entry is data, never executed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..version import __version__
from ..model import Claim, Expect, Setting

SCHEMA = 1


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def claim_to_json(c: Claim) -> dict[str, Any]:
    d = {k: getattr(c, k) for k in c.__dataclass_fields__}
    d["setting"] = {"name": c.setting.name, "kind": c.setting.kind, "params": c.setting.params}
    d["expect"] = c.expect.value
    return d


def claim_from_json(d: dict[str, Any]) -> Claim:
    s = d["setting"]
    fields = {k: _tuples(v) for k, v in d.items() if k not in ("setting", "expect")}
    return Claim(**fields, setting=Setting(s["name"], s["kind"], _tuples(s["params"])),
                 expect=Expect(d["expect"]))


def key_for(path: Path, data: bytes) -> str:
    h = hashlib.sha256(f"{SCHEMA}\0{__version__}\0{path}\0".encode())
    h.update(data)
    return h.hexdigest()[:40]


def read(cache_dir: str, key: str) -> dict[str, Any] | None:
    try:
        return json.loads((Path(cache_dir) / f"catalog-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(cache_dir: str, key: str, entry: dict[str, Any]) -> None:
    folder = Path(cache_dir)
    try:
        text = json.dumps(entry, ensure_ascii=False)
    except (TypeError, ValueError):  # a TOML date or time in the file: not JSON, not kept
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, folder / f"catalog-{key}.json")
    except OSError:
        pass  # a cache that cannot be written is only slower
