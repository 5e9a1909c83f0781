"""The setting a note's formula is read in: the file's defaults, a named setting, or a
catalog's, with an annotation's overrides; and the catalog claims and settings notes may name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..catalog.files import (NETWORK_KEYS, SCALAR_KEYS, freeze, load_settings, setting_problem,
                             load_catalog)
from ..model import Claim, Setting
from . import implied
from .defaults import problems, typed
from .scan import SETTING_KEYS, Annotation, Display, ScanState

_SCALAR_ONLY = SCALAR_KEYS - NETWORK_KEYS - {"note"}


class Refs:
    """Catalog claims and settings that annotations may name (claim=, setting=).

    Given as dicts, or read from TOML `paths` on first use (most notes name none)."""

    def __init__(self, claims: dict[str, Claim] | None = None,
                 settings: dict[str, Setting] | None = None, paths: Iterable[Path] = ()) -> None:
        self._claims, self._settings, self._paths = claims, settings, tuple(paths)

    @property
    def claims(self) -> dict[str, Claim]:
        if self._claims is None:
            self._claims = {c.id: c for c in load_catalog(self._paths).claims}
        return self._claims

    @property
    def settings(self) -> dict[str, Setting]:
        if self._settings is None:
            self._settings = _settings_from(self._paths)
        return self._settings


@dataclass
class State:
    """One file being read: its path, the run's catalog refs, what its annotations said so
    far, and the catalogs it names (`catalog=`)."""

    path: Path
    refs: Refs
    scan: ScanState
    catalogs: dict[str, Refs] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)  # set-up problems already reported
    carry: tuple[Any, ...] | None = None  # the display before (text, context, carry, names)
    local: dict[str, Any] = field(default_factory=dict)  # letters the note defines (s = σ(z))
    macros: dict[str, Any] = field(default_factory=dict)  # \newcommand of the note's preamble


class Problem(Exception):
    def __init__(self, message: str, line: int = 0, where: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.where = message, line, where



# ---- settings -------------------------------------------------------------------------------

def setting_for(d: Display, ann: Annotation, state: State, refs: Refs,
             ref: Claim | None) -> Setting:
    a, defaults = ann.attrs, d.defaults
    overrides = {k: v for k, v in a.items() if k in SETTING_KEYS}
    name = a.get("setting") or (None if ref else defaults.get("setting"))
    base = ref.setting if ref else None
    if name in state.scan.settings:
        base = new_setting(name, state.scan.settings[name], {}, ann)
    elif name is not None:
        base = refs.settings.get(name)
        if base is None:
            raise Problem(f"setting={name}: no such setting", ann.line, ann.where)
    if base is None:
        return new_setting(state.path.name, {k: v for k, v in defaults.items()
                                               if k in SETTING_KEYS}, overrides, ann)
    if not overrides:
        return base
    allowed = NETWORK_KEYS if base.kind == "network" else SCALAR_KEYS
    bad = sorted(set(overrides) - allowed)
    if bad:
        raise Problem(f"{', '.join(bad)} do(es) not apply to a {base.kind} setting",
                       ann.line, ann.where)
    params = dict(base.params)
    params.update((k, freeze(value(k, v, ann))) for k, v in overrides.items())
    return Setting(base.name + "*", base.kind, tuple(sorted(params.items())))


def new_setting(name: str, defaults: dict[str, Any], overrides: dict[str, Any],
                 ann: Annotation) -> Setting:
    kind = overrides.get("kind") or defaults.get("kind") or \
        ("scalar" if set(overrides) & _SCALAR_ONLY else "network")
    allowed = NETWORK_KEYS if kind == "network" else SCALAR_KEYS
    bad = sorted(set(overrides) - allowed - {"kind"})
    wrong = problems({k: v for k, v in overrides.items() if k in allowed})
    if wrong:
        raise Problem("; ".join(p for _, p in wrong), ann.line, ann.where)
    if bad:
        raise Problem(f"{', '.join(bad)} do(es) not apply to a {kind} setting", ann.line,
                       ann.where)
    body = {k: value(k, v, ann) for k, v in {**defaults, **overrides}.items() if k in allowed}
    body["kind"] = kind
    body = implied.with_implied_keys(body)  # loss_symbol=L: the depth is D
    if kind == "network" and "widths" not in body:
        raise Problem("no setting: give widths=... (and activation=, loss=) in the file's "
                       "<!-- bpcheck-defaults: ... --> or in the annotation", ann.line, ann.where)
    problem = setting_problem(body)
    if problem:
        raise Problem(f"setting: {problem}", ann.line, ann.where)
    return Setting(name, kind, tuple(sorted((k, freeze(v)) for k, v in body.items()
                                            if k != "kind")))


def value(key: str, raw: Any, ann: Annotation) -> Any:
    """An attribute's text as the setting value TOML would give (widths=4,3,2 -> [4, 3, 2])."""
    try:
        return typed(key, raw)
    except (ValueError, TypeError):
        raise Problem(f"cannot read {key}={raw!r}", ann.line, ann.where) from None


def refs_for(d: Display, state: State, ann: Annotation) -> Refs:
    """The run's catalog refs, plus a `catalog=` TOML file named by the notes."""
    path = ann.attrs.get("catalog") or d.defaults.get("catalog")
    if not path:
        return state.refs
    if path not in state.catalogs:
        full = state.path.parent / path
        if not full.exists():
            raise Problem(f"catalog={path}: no such file", ann.line, ann.where)
        state.catalogs[path] = refs_from([full])
    more = state.catalogs[path]
    return Refs({**state.refs.claims, **more.claims}, {**state.refs.settings, **more.settings})


def refs_from(paths: Iterable[str | Path]) -> Refs:
    """The claims and named settings of TOML catalogs, read when first needed."""
    return Refs(paths=[Path(p) for p in paths])


def _settings_from(paths: Iterable[Path]) -> dict[str, Setting]:
    import tomllib
    from ..catalog.files import discover
    settings: dict[str, Setting] = {}
    for path in discover(paths):
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text).get("setting", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # reported when the catalog itself is loaded
        settings.update(load_settings(str(path), text, raw, []))
    return settings
