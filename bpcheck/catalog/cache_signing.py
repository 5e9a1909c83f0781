"""Cache entries signed with a key that only this machine (or CI's secret) holds.

A cache folder may sit in a working tree that a pull request can fill, so an
entry is trusted only if it carries an HMAC-SHA256 of its exact bytes and of
its file name (the name is the hash of what the entry decides: an entry moved
to another claim's name fails).  The key never lives beside the cache: it is
BPCHECK_CACHE_KEY when set (CI sets it from a secret), else a random key in
the user's config folder, created on first use with 0600 permissions.  With no
usable key the cache is not used at all; it is never a crash.  Standard
library only, and cheap: a warm run checks every entry it reads.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path

ENV_KEY = "BPCHECK_CACHE_KEY"
KEY_BYTES = 32
MIN_KEY_BYTES = 16
TAG_CHARS = 64  # hex of SHA-256
DOMAIN = b"bpcheck cache entry 1\0"


class Signer:
    """Seals and opens cache entries; counts the entries it refused this run."""

    def __init__(self, key: bytes | None, problem: str | None = None) -> None:
        self._key = key
        self.problem = problem  # why there is no key, for the warning
        self.rejected: dict[str, int] = {}  # cache folder -> entries refused

    @property
    def usable(self) -> bool:
        return self._key is not None

    def _tag(self, name: str, payload: bytes) -> bytes:
        assert self._key is not None
        mac = hmac.new(self._key, DOMAIN + name.encode("utf-8") + b"\0", hashlib.sha256)
        mac.update(payload)
        return mac.hexdigest().encode("ascii")

    def seal(self, name: str, payload: bytes) -> bytes | None:
        """The bytes to write for the entry file `name`; None without a key."""
        if self._key is None:
            return None
        return self._tag(name, payload) + b"\n" + payload

    def open(self, path: Path, blob: bytes) -> bytes | None:
        """The payload if `blob` was sealed for this file name with this key;
        anything else (edited, moved, another key, no tag) is counted and refused."""
        if self._key is None:
            return None
        tag, payload = blob[:TAG_CHARS], blob[TAG_CHARS + 1:]
        if blob[TAG_CHARS:TAG_CHARS + 1] == b"\n" and \
                hmac.compare_digest(tag, self._tag(path.name, payload)):
            return payload
        folder = str(path.parent)
        self.rejected[folder] = self.rejected.get(folder, 0) + 1
        return None

    def warnings(self) -> list[str]:
        """Why the cache was not used, or one line per cache folder with refused
        entries (then forgets them: a run reports each once)."""
        if self.problem:
            return [f"bpcheck: warning: cache not used: {self.problem}"]
        lines = [f"bpcheck: warning: ignored {n} cache "
                 f"{'entry' if n == 1 else 'entries'} in {folder} not signed with this "
                 f"machine's cache key (edited, copied from elsewhere or written by an older "
                 f"bpcheck); their claims were decided afresh"
                 for folder, n in sorted(self.rejected.items())]
        self.rejected.clear()
        return lines


def key_file() -> Path | None:
    """$XDG_CONFIG_HOME/bpcheck/key, else ~/.config/bpcheck/key."""
    base = os.environ.get("XDG_CONFIG_HOME")
    try:
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    except RuntimeError:  # no home folder
        return None
    return root / "bpcheck" / "key"


_signers: dict[tuple[str, str], Signer] = {}


def machine_signer() -> Signer:
    """The signer for this process's key source (one per source, so that its
    count of refused entries spans the whole run)."""
    secret = os.environ.get(ENV_KEY, "")
    path = key_file()
    source = (secret, str(path))
    if source not in _signers:
        _signers[source] = _signer_from(secret, path)
    return _signers[source]


def _signer_from(secret: str, path: Path | None) -> Signer:
    if secret:
        raw = secret.encode("utf-8")
        if len(raw) < MIN_KEY_BYTES:
            return Signer(None, f"{ENV_KEY} is shorter than {MIN_KEY_BYTES} bytes")
        return Signer(raw)
    if path is None:
        return Signer(None, "no home folder for the cache key")
    try:
        return Signer(_read_or_create(path))
    except (OSError, ValueError) as exc:
        return Signer(None, f"cache key {path}: {exc}")


def _read_or_create(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # 0600 already
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(os.urandom(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # never replaces a key another process just made
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    """The key, refused if others may read or change it (as ssh does)."""
    with open(path, "rb") as fh:
        info = os.fstat(fh.fileno())
        if os.name == "posix" and (info.st_mode & 0o077 or info.st_uid != os.getuid()):
            raise ValueError("readable or writable by others, or not yours "
                             "(make it yours with permissions 0600)")
        key = fh.read(4096)
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"shorter than {MIN_KEY_BYTES} bytes")
    return key
