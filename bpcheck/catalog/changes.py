"""Which files changed, according to git: for `bpcheck verify --changed`.

Without a revision: the working tree and the index against HEAD, plus
untracked (not ignored) files.  With `since`: everything that differs from
the merge base of `since` and HEAD, so that `--since origin/main` in a pull
request sees the branch's own changes and not what landed on main meanwhile.
"""
from __future__ import annotations

from pathlib import Path


class ChangesError(Exception):
    """git is missing, this is not a git checkout, or the revision is unknown."""


def _git(args: list[str], cwd: Path | None = None) -> str:
    import subprocess  # here: only --changed runs git, and a warm run should not pay for it
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape", check=False)
    except OSError as exc:  # git not installed
        raise ChangesError(f"--changed needs git: {exc}") from None
    if done.returncode != 0:
        raise ChangesError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def repo_root(start: Path | None = None) -> Path:
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd=start)
    except ChangesError as exc:
        raise ChangesError(f"--changed works inside a git checkout only ({exc})") from None
    return Path(out.strip()).resolve()


def _names(out: str) -> list[str]:
    return [name for name in out.split("\0") if name]


def _has_head(root: Path) -> bool:
    try:
        _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=root)
    except ChangesError:
        return False
    return True


def _base(root: Path, since: str) -> str:
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"], cwd=root)
    except ChangesError:
        raise ChangesError(f"unknown revision {since!r} (in CI, fetch it: "
                           "actions/checkout with fetch-depth: 0)") from None
    try:
        return _git(["merge-base", since, "HEAD"], cwd=root).strip()
    except ChangesError:
        return since  # unrelated histories: compare with the revision itself


def changed_files(since: str | None = None) -> set[Path]:
    """Absolute, resolved paths of changed files (deleted ones included: harmless)."""
    root = repo_root()
    names = _names(_git(["ls-files", "-z", "--others", "--exclude-standard"], cwd=root))
    if since is not None:
        names += _names(_git(["diff", "-z", "--name-only", "--no-renames", _base(root, since)],
                             cwd=root))
    elif _has_head(root):
        names += _names(_git(["diff", "-z", "--name-only", "--no-renames", "HEAD"], cwd=root))
    else:  # no commit yet: everything in the index is new
        names += _names(_git(["ls-files", "-z", "--cached"], cwd=root))
    return {(root / name).resolve() for name in names}
