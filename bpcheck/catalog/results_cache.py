"""A result cache: one JSON file per decided claim, keyed by what decides it.

The key hashes the claim's `digest_payload()` (formulas, setting, index
ranges, expectation) and stated scope, every `Options` field and the bpcheck
version, so an edited claim, a new tolerance or a new release all miss.
Each entry is signed (`cache_signing`): one that fails the check is ignored
and counted.  Nothing here, nor anything a cache hit touches, imports SymPy:
a warm run stays cheap.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..version import __version__
from ..model import Claim, Kind, Options, Verdict
from .cache_folder import prepare_cache_folder
from .cache_signing import Signer, machine_signer
from .verdict_json import verdict_dict, verdict_from

CACHE_SCHEMA = 1
DEFAULT_DIR = ".bpcheck_cache"


def cacheable(verdict: Verdict) -> bool:
    """ERROR may be an environment problem and a timeout may succeed with more time."""
    if verdict.kind is Kind.ERROR:
        return False
    if verdict.kind is Kind.INCONCLUSIVE:
        timed_out = dict(verdict.extra).get("timeout") or verdict.reason.startswith("time limit")
        return not timed_out
    return True


class ResultCache:
    """`lookup`/`store` hooks for `runner.run_claims`; counts hits, misses and stores."""

    def __init__(self, directory: str | Path = DEFAULT_DIR, options: Options = Options(),
                 signer: Signer | None = None):
        self.directory = Path(directory)
        self._options = asdict(options)
        self.signer = signer if signer is not None else machine_signer()
        self.hits = self.misses = self.stored = 0
        self._prepared = False

    def key(self, claim: Claim) -> str:
        # `scope` is not in the digest but is copied into the verdict: key on it too.
        payload = {"schema": CACHE_SCHEMA, "bpcheck": __version__, "options": self._options,
                   "claim": claim.digest_payload(), "scope": claim.scope}
        text = json.dumps(payload, sort_keys=True, ensure_ascii=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, claim: Claim) -> Path:
        return self.directory / f"{self.key(claim)}.json"

    def lookup(self, claim: Claim) -> Verdict | None:
        path = self.path(claim)
        try:
            if not self.signer.usable:
                raise ValueError("no cache key")
            payload = self.signer.open(path, path.read_bytes())
            if payload is None:
                raise ValueError("not signed by this machine")
            data = json.loads(payload.decode("utf-8"))
            if data.get("schema") != CACHE_SCHEMA or data.get("id") != claim.id:
                raise ValueError("stale entry")
            cached = verdict_from(claim.id, data["verdict"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.misses += 1  # absent, unreadable, forged or corrupt: decide again
            return None
        self.hits += 1
        # This run spent no time on the claim; keep the original cost as evidence.
        extra = {**dict(cached.extra), "cached": True, "decided_seconds": cached.seconds}
        return Verdict(**{**cached.__dict__, "seconds": 0.0, "extra": tuple(extra.items())})

    def store(self, claim: Claim, verdict: Verdict) -> None:
        if not cacheable(verdict):
            return
        entry = {"schema": CACHE_SCHEMA, "bpcheck": __version__, "id": claim.id,
                 "verdict": verdict_dict(verdict)}
        path = self.path(claim)
        try:
            text = json.dumps(entry, ensure_ascii=False, default=_plain)
            sealed = self.signer.seal(path.name, text.encode("utf-8"))
            if sealed is None:
                return  # no key: the cache is not used
            self._prepare()
            _write_atomic(path, sealed)
        except (OSError, TypeError, ValueError):
            return  # a cache that cannot be written only costs time, never a result
        self.stored += 1

    def _prepare(self) -> None:
        if not self._prepared:
            prepare_cache_folder(self.directory)
            self._prepared = True


def _write_atomic(path: Path, data: bytes) -> None:
    """Readers see the old entry or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _plain(value: Any) -> Any:
    """NumPy scalars in the evidence become plain numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON data: {type(value).__name__}")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def entries(directory: str | Path = DEFAULT_DIR) -> list[Path]:
    """The verdict files (for tests and housekeeping); parsed catalogs are kept
    beside them as catalog-*.json."""
    folder = Path(directory)
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("catalog-")) \
        if folder.is_dir() else []
