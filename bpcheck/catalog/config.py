"""Settings from `[tool.bpcheck]` in the course's pyproject.toml; flags override them."""
from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..model import Options

KEYS = {"paths", "timeout", "seed", "points", "rtol", "atol", "jobs", "cache", "cache_dir"}


@dataclass(frozen=True)
class Settings:
    options: Options
    jobs: int = 0  # 0: every core, once enough claims need deciding
    cache: bool = True
    cache_dir: str = ".bpcheck_cache"
    paths: tuple[str, ...] = ()


class ConfigError(ValueError):
    pass


def find_pyproject(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read [tool.bpcheck]: {exc}") from None
    table = data.get("tool", {}).get("bpcheck", {})
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown [tool.bpcheck] key(s): {', '.join(unknown)}")
    return table


def resolve_options(args: argparse.Namespace | None = None,
                    config: dict[str, Any] | None = None) -> Settings:
    """Defaults < [tool.bpcheck] < command-line flags."""
    if config is None:
        config = read_config(find_pyproject())
    merged = dict(config)
    for key in ("timeout", "seed", "points", "jobs"):
        value = getattr(args, key, None) if args is not None else None
        if value is not None:
            merged[key] = value
    names = {f.name for f in fields(Options)}
    opts = Options(**{k: _typed(k, v) for k, v in merged.items() if k in names})
    return Settings(options=opts, jobs=int(merged.get("jobs", 0)),
                    cache=bool(merged.get("cache", True)),
                    cache_dir=str(merged.get("cache_dir", ".bpcheck_cache")),
                    paths=tuple(merged.get("paths", ())))


def _typed(key: str, value: Any) -> Any:
    kinds = {"timeout": float, "seed": int, "points": int, "rtol": float, "atol": float}
    try:
        return kinds.get(key, lambda v: v)(value)
    except (TypeError, ValueError):
        raise ConfigError(f"[tool.bpcheck] {key} must be a number, not {value!r}") from None
