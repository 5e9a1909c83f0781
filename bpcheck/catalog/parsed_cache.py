"""Parsed catalog files kept as JSON, keyed by their bytes.

Parsing and checking every formula of a catalog costs more than the rest of a
warm (fully cached) run together, so each file's claims are stored once per
content.  JSON, not pickle: a cache entry is data, never executed.  A forged
entry could replace a claim's formula or expectation, so entries are signed
like verdicts (`cache_signing`): one that fails the check is ignored, counted,
and the file is parsed afresh.
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
from .cache_folder import prepare_cache_folder
from .cache_signing import machine_signer

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


def _entry_path(cache_dir: str, key: str) -> Path:
    return Path(cache_dir) / f"catalog-{key}.json"


def read(cache_dir: str, key: str) -> dict[str, Any] | None:
    """The entry, if present and signed with this machine's key for this name."""
    signer = machine_signer()
    if not signer.usable:
        return None
    path = _entry_path(cache_dir, key)
    try:
        payload = signer.open(path, path.read_bytes())
        return None if payload is None else json.loads(payload.decode("utf-8"))
    except (OSError, ValueError):
        return None


def write(cache_dir: str, key: str, entry: dict[str, Any]) -> None:
    path = _entry_path(cache_dir, key)
    try:
        sealed = machine_signer().seal(path.name, json.dumps(entry, ensure_ascii=False)
                                       .encode("utf-8"))
        if sealed is None:
            return  # no key: the cache is not used
        prepare_cache_folder(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(sealed)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written is only slower
