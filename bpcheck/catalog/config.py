"""Settings from the project's configuration; flags override them.

The project root is found as pytest and ruff find theirs: the nearest folder at or above
the current one with a `bpcheck.toml` (keys at its top level) or a `pyproject.toml` with a
`[tool.bpcheck]` table.  Configured paths and the cache folder are relative to that root,
so `bpcheck verify` gives the same run from any subfolder; paths given on the command line
stay relative to the current folder.
"""
from __future__ import annotations

import argparse
import math
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..model import Options

KEYS = {"paths", "timeout", "seed", "points", "rtol", "atol", "jobs", "cache", "cache_dir"}
DEFAULT_CACHE_DIR = ".bpcheck_cache"
DEFAULT_PATH = "derivations"


@dataclass(frozen=True)
class Settings:
    options: Options
    jobs: int = 0  # 0: every core, once enough claims need deciding
    cache: bool = True
    cache_dir: str = DEFAULT_CACHE_DIR
    paths: tuple[str, ...] = ()  # the configured ones, relative to the current folder
    root: str = "."  # the project root, relative to the current folder
    config_file: str = ""  # where the settings were read ("" : defaults only)

    @property
    def default_paths(self) -> tuple[str, ...]:
        """What a run checks when no PATH is given."""
        return self.paths or (os.path.normpath(os.path.join(self.root, DEFAULT_PATH)),)


class ConfigError(ValueError):
    pass


def find_project(start: Path | None = None) -> tuple[Path, Path | None]:
    """(root, configuration file): the nearest folder configured for bpcheck, or the
    start folder with no file."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "bpcheck.toml"
        if own.is_file():
            return folder, own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_table(pyproject):
            return folder, pyproject
    return here, None


def _has_table(pyproject: Path) -> bool:
    """Read as text first: an unrelated (even broken) pyproject.toml is passed over."""
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return "tool.bpcheck" in text and "bpcheck" in _parsed(pyproject, text).get("tool", {})


def find_pyproject(start: Path | None = None) -> Path | None:
    return find_project(start)[1]


def _parsed(path: Path, text: str | None = None) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8") if text is None else text)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the bpcheck settings: {exc}") from None


def read_config(path: Path | None) -> dict[str, Any]:
    """The settings table of `path` (a bpcheck.toml's top level, or a pyproject's
    [tool.bpcheck]), with every key and type checked."""
    if path is None:
        return {}
    data = _parsed(path)
    table = data if path.name == "bpcheck.toml" else data.get("tool", {}).get("bpcheck", {})
    where = f"{path}: " + ("" if path.name == "bpcheck.toml" else "[tool.bpcheck] ")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}must be a table")
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{where}unknown key(s): {', '.join(unknown)}")
    for key, value in table.items():
        problem = _type_problem(key, value)
        if problem:
            raise ConfigError(f"{where}{key} {problem}, not {value!r}")
    return table


def _type_problem(key: str, value: Any) -> str:
    """What is wrong with a configured value's type ("" when nothing is)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if key == "paths":
        ok = isinstance(value, list) and all(isinstance(p, str) and p for p in value)
        return "" if ok else "must be a list of paths (strings), e.g. [\"derivations\"]"
    if key in ("seed", "points", "jobs"):
        return "" if number and float(value).is_integer() else "must be a whole number"
    if key in ("timeout", "rtol", "atol"):
        return "" if number else "must be a number"
    if key == "cache":
        return "" if isinstance(value, bool) else "must be true or false"
    if key == "cache_dir":
        return "" if isinstance(value, str) and value else "must be a folder name (a string)"
    return ""


def resolve_options(args: argparse.Namespace | None = None,
                    config: dict[str, Any] | None = None) -> Settings:
    """Defaults < the project's configuration < command-line flags.  With `config`
    given, no file is searched and paths stay as they are."""
    root, file = (Path.cwd(), None) if config is not None else find_project()
    if config is None:
        config = read_config(file)
    merged = dict(config)
    for key in ("timeout", "seed", "points", "jobs"):
        value = getattr(args, key, None) if args is not None else None
        if value is not None:
            merged[key] = value
    check_ranges(merged)
    names = {f.name for f in fields(Options)}
    opts = Options(**{k: _typed(k, v) for k, v in merged.items() if k in names})
    at_root = lambda p: _from_root(root, p)
    return Settings(options=opts, jobs=int(merged.get("jobs", 0)),
                    cache=bool(merged.get("cache", True)),
                    cache_dir=at_root(str(merged.get("cache_dir", DEFAULT_CACHE_DIR))),
                    paths=tuple(at_root(p) for p in merged.get("paths", ())),
                    root=at_root("."), config_file=str(file or ""))


def _from_root(root: Path, path: str) -> str:
    """A configured path, as seen from the current folder (unchanged at the root)."""
    if os.path.isabs(path):
        return path
    try:
        return os.path.normpath(os.path.relpath(root / path))
    except ValueError:  # another drive (Windows)
        return str(root / path)


RANGES = {  # key: (flag, smallest allowed, what it is)
    "timeout": ("--timeout", 0, "the time limit in seconds (0: no limit)"),
    "points": ("--points", 1, "the number of sample points"),
    "jobs": ("-j", 0, "the number of worker processes (0: chosen by bpcheck)"),
    "rtol": (None, 0, "the relative tolerance"),
    "atol": (None, 0, "the absolute tolerance"),
}


def check_ranges(merged: dict[str, Any]) -> None:
    """A value a flag or the configuration gives must make sense (a negative time limit
    must not silently mean "no limit")."""
    for key, (flag, least, what) in RANGES.items():
        value = merged.get(key)
        if value is None:
            continue
        try:
            bad = not (math.isfinite(float(value)) and float(value) >= least)
        except (TypeError, ValueError):
            bad = True
        if bad:
            given = f"{flag}, or {key} in the configuration" if flag else key
            raise ConfigError(f"{what} ({given}) must be a number ≥ {least}, not {value!r}")


def _typed(key: str, value: Any) -> Any:
    kinds = {"timeout": float, "seed": int, "points": int, "rtol": float, "atol": float}
    try:
        return kinds.get(key, lambda v: v)(value)
    except (TypeError, ValueError):
        raise ConfigError(f"[tool.bpcheck] {key} must be a number, not {value!r}") from None
