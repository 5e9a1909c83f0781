"""A result cache: one JSON file per decided content, keyed by what decides it.

The key hashes the claim's `digest_payload()` without its id (formulas, setting,
index ranges, expectation) and stated scope, every `Options` field and the bpcheck
version, so an edited claim, a new tolerance or a new release all miss, and claims
that differ only in id, title or place share one entry (a verdict never depends on
them: the id is put back on a hit).  Each entry is signed (`cache_signing`): one
that fails the check is ignored and counted.  Each entry is read and written at most
once a run.  Nothing here, nor anything a cache hit touches, imports SymPy: a warm
run stays cheap.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ..version import __version__
from ..model import Claim, Kind, Options, Verdict
from .cache_folder import prepare_cache_folder
from .cache_signing import Signer, machine_signer
from .verdict_json import verdict_dict, verdict_from

CACHE_SCHEMA = 2  # 2: keyed by content, not by id
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
        self._prefix = json.dumps({"schema": CACHE_SCHEMA, "options": self._options},
                                  sort_keys=True, ensure_ascii=True, default=str).encode()
        self._read: dict[str, Verdict | None] = {}  # key -> the entry's verdict, or None
        self._written: dict[str, Verdict] = {}  # key -> what this run wrote there (no id)
        self._keys: dict[int, tuple[Claim, str]] = {}  # a claim's key, for its store

    def _key_of(self, claim: Claim) -> str:
        """`key`, computed once per claim object a run (lookup, then store)."""
        known = self._keys.get(id(claim))
        if known is None or known[0] is not claim:
            known = self._keys[id(claim)] = (claim, self.key(claim))
        return known[1]

    def key(self, claim: Claim) -> str:
        # `scope` is not in the digest but is copied into the verdict: key on it too.
        content = claim.digest_payload()
        del content["id"]  # the id is put back on a hit: it never changes a verdict
        text = json.dumps({"bpcheck": __version__, "claim": content, "scope": claim.scope},
                          sort_keys=True, ensure_ascii=True, default=str)
        return hashlib.sha256(self._prefix + b"\0" + text.encode("utf-8")).hexdigest()

    def path(self, claim: Claim) -> Path:
        return self.directory / f"{self.key(claim)}.json"

    def lookup(self, claim: Claim) -> Verdict | None:
        key = self._key_of(claim)
        if key not in self._read:
            self._read[key] = self._load(self.directory / f"{key}.json")
        cached = self._read[key]
        if cached is None:
            self.misses += 1  # absent, unreadable, forged or corrupt: decide again
            self._written.pop(key, None)  # what this run wrote there is gone: write again
            return None
        self.hits += 1
        return Verdict(**{**cached.__dict__, "claim_id": claim.id})

    def _load(self, path: Path) -> Verdict | None:
        """The entry's verdict (claim id left empty), None when it cannot be trusted."""
        try:
            if not self.signer.usable:
                raise ValueError("no cache key")
            payload = self.signer.open(path, path.read_bytes())
            if payload is None:
                raise ValueError("not signed by this machine")
            data = json.loads(payload.decode("utf-8"))
            if data.get("schema") != CACHE_SCHEMA:
                raise ValueError("stale entry")
            cached = verdict_from("", data["verdict"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        # This run spent no time on the claim; keep the original cost as evidence.
        extra = {**dict(cached.extra), "cached": True, "decided_seconds": cached.seconds}
        return Verdict(**{**cached.__dict__, "seconds": 0.0, "extra": tuple(extra.items())})

    def store(self, claim: Claim, verdict: Verdict) -> None:
        if not cacheable(verdict):
            return
        key, bare = self._key_of(claim), replace(verdict, claim_id="", seconds=0.0)
        if self._written.get(key) == bare:  # the same content under another id: one entry
            return
        entry = {"schema": CACHE_SCHEMA, "bpcheck": __version__, "verdict": verdict_dict(verdict)}
        path = self.directory / f"{key}.json"
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
        self._written[key] = bare
        self._read.pop(key, None)  # a later lookup reads what was written

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
