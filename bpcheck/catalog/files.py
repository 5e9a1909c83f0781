"""Load the claim catalog: TOML files under `derivations/`.

Loading parses TOML (data only) and checks every formula with `catalog.formula.parse`,
so that a bad file is reported as `file:line: message` findings and the other
files' claims are still checked.  Nothing in a file is ever executed.
"""
from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .formula import FormulaError, parse
from .schema import claim_problem, conventions_problem, strategy_problem, value_problem, where_problem
from ..model import Claim, Expect, Setting, loss_identifier

SETTING_KINDS = ("scalar", "network")
CLAIM_KEYS = {"id", "title", "source", "setting", "quantity", "formula", "chain",
              "expect", "corrects", "where", "when", "note", "scope", "strategy"}
NETWORK_KEYS = {"kind", "widths", "activation", "output", "loss", "numbering", "layout",
                "loss_symbol", "depth_symbol", "target", "orientation", "reduction",
                "batch", "sample", "note", "symbols", "leaky_slope", "elu_alpha", "bias",
                "layers", "layer_marks", "unmarked", "gradient_prefix", "hadamard", "samples",
                "batch_symbol", "activation_symbol", "weight_decay", "delta"}
SCALAR_KEYS = {"kind", "symbols", "positive", "integers", "vectors", "matrices",
               "functions", "elementwise", "define", "indexed", "sample", "note"}


@dataclass(frozen=True)
class LoadError:
    """A finding about input that cannot be processed (pyflakes style)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Unchecked:
    """A statement of a note that no claim checks: skipped (with the reason), an update
    rule, or not understood (with the construct)."""

    file: str
    line: int
    kind: str  # "skipped", "update" or "not understood"
    reason: str
    latex: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}: {self.reason}"


@dataclass(frozen=True)
class Catalog:
    claims: tuple[Claim, ...]
    errors: tuple[LoadError, ...]
    documents: tuple[tuple[str, dict[str, Any]], ...] = ()
    unchecked: tuple[Unchecked, ...] = ()  # statements of notes that no claim checks


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The derivation files named by `paths` (files or folders), sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(p.rglob("*.toml")))
        else:
            found.append(p)
    return found


def load_catalog(paths: Iterable[str | Path], keyword: str | None = None,
                 cache_dir: str | None = None) -> Catalog:
    claims: list[Claim] = []
    errors: list[LoadError] = []
    docs: list[tuple[str, dict[str, Any]]] = []
    for path in discover(paths):
        file_claims, file_errors, doc = (load_file_cached(path, cache_dir) if cache_dir
                                         else load_file(path))
        claims.extend(file_claims)
        errors.extend(file_errors)
        docs.append((str(path), doc))
    claims = first_of_each_id(claims, errors)
    if keyword:
        claims = [c for c in claims if matches(c, keyword)]
    return Catalog(tuple(claims), tuple(errors), tuple(docs))


def matches(claim: Claim, pattern: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatch(claim.id, pattern)
    return pattern.lower() in f"{claim.id} {claim.title}".lower()


def first_of_each_id(claims: Iterable[Claim], errors: list[LoadError],
                     earlier: Iterable[Claim] = ()) -> list[Claim]:
    """The claims whose id no earlier claim has; each later one is an error at its line."""
    seen: dict[str, Claim] = {c.id: c for c in earlier}
    kept = []
    for c in claims:
        if c.id in seen:
            errors.append(LoadError(c.file, c.line, f"duplicate claim id {c.id!r} "
                                    f"(first at {seen[c.id].file}:{seen[c.id].line})"))
            continue
        seen[c.id] = c
        kept.append(c)
    return kept


def load_file(path: Path) -> tuple[list[Claim], list[LoadError], dict[str, Any]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [LoadError(name, 1, f"cannot read file: {exc}")], {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        return [], [LoadError(name, int(m.group(1)) if m else 1, f"invalid TOML: {exc}")], {}
    except (RecursionError, MemoryError):  # the TOML reader recurses per nesting level
        return [], [LoadError(name, _line_of_most(text, "[{"), "invalid TOML: arrays or "
                              "tables nested too deeply")], {}
    except ValueError:  # Python's own limit: an integer of more than 4300 digits
        return [], [LoadError(name, _line_of_most(text, "0123456789"), "invalid TOML: "
                              "a number with too many digits")], {}
    lines = _claim_lines(text)
    errors: list[LoadError] = []
    settings = load_settings(name, text, data.get("setting", {}), errors)
    claims = []
    raw_claims = data.get("claim", [])
    if not isinstance(raw_claims, list):
        errors.append(LoadError(name, 1, "'claim' must be an array of tables ([[claim]])"))
        raw_claims = []
    for k, raw in enumerate(raw_claims):
        line = lines[k] if k < len(lines) else 1
        try:
            claim = _load_claim(name, text, line, raw, settings, errors)
        except (RecursionError, MemoryError, ValueError, TypeError, AttributeError,
                KeyError, IndexError) as exc:  # a last guard: an error, never a traceback
            errors.append(LoadError(name, line, f"cannot read this claim ({type(exc).__name__})"))
            claim = None
        if claim is not None:
            claims.append(claim)
    document = data.get("document", {})
    if not isinstance(document, dict):
        errors.append(LoadError(name, 1, "'document' must be a table"))
        document = {}
    return claims, errors, document


def _line_of_most(text: str, chars: str) -> int:
    """The line holding the most of `chars` (where the nesting or the long number is)."""
    counts = [sum(map(ln.count, chars)) for ln in text.splitlines()] or [0]
    return counts.index(max(counts)) + 1


def load_file_cached(path: Path, cache_dir: str):
    """load_file, kept per file content in the cache folder (errors are not cached)."""
    from . import parsed_cache as cc
    try:
        key = cc.key_for(path, path.read_bytes())
    except OSError:
        return load_file(path)
    entry = cc.read(cache_dir, key)
    if entry is not None:
        try:
            return [cc.claim_from_json(d) for d in entry["claims"]], [], entry["document"]
        except (KeyError, TypeError, ValueError):
            pass
    claims, errors, doc = load_file(path)
    if not errors:
        cc.write(cache_dir, key, {"claims": [cc.claim_to_json(c) for c in claims],
                                  "document": doc})
    return claims, errors, doc


def _claim_lines(text: str) -> list[int]:
    return [i + 1 for i, ln in enumerate(_lines(text)) if ln.strip() == "[[claim]]"]


_SPLIT: list[tuple[str, list[str]]] = []  # the last file's lines: split once, not per claim


def _lines(text: str) -> list[str]:
    if not _SPLIT or _SPLIT[0][0] is not text:
        _SPLIT[:] = [(text, text.splitlines())]
    return _SPLIT[0][1]


def _key_line(text: str, start: int, key: str) -> int:
    """Line of `key = ...` at or after line `start` (1-based), for error messages."""
    lines = _lines(text)
    for i in range(start - 1, len(lines)):
        if i > start - 1 and lines[i].strip() == "[[claim]]":
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start


def load_settings(name: str, text: str, raw: Any,
                   errors: list[LoadError]) -> dict[str, Setting]:
    settings: dict[str, Setting] = {}
    if not isinstance(raw, dict):
        errors.append(LoadError(name, 1, "'setting' must be a table of named settings"))
        return settings
    for sname, body in raw.items():
        line = _setting_line(text, sname)
        problem = setting_problem(body)
        if problem:
            errors.append(LoadError(name, line, f"setting {sname!r}: {problem}"))
            continue
        bad = next(((k, p) for k, p in ((k, value_problem(k, v)) for k, v in body.items()) if p),
                   None)
        if bad:
            errors.append(LoadError(name, _key_line(text, line, bad[0]),
                                    f"setting {sname!r}: {bad[1]}"))
            continue
        problem = _define_problem(body)
        if problem:
            errors.append(LoadError(name, _key_line(text, line, "define"),
                                    f"setting {sname!r}: {problem}"))
            continue
        params = tuple(sorted((k, freeze(v)) for k, v in body.items() if k != "kind"))
        settings[sname] = Setting(sname, body["kind"], params)
    return settings


def _define_problem(body: dict[str, Any]) -> str:
    """A `define` formula checked now, as a claim's formulas are (not when deciding)."""
    defines = body.get("define") or {}
    if not defines:
        return ""
    known = setting_names(Setting("", body["kind"], tuple(
        (k, freeze(v)) for k, v in body.items() if k != "kind")))
    for dname, text in defines.items():
        try:
            parse(text, known)
        except FormulaError as exc:
            return f"define {dname!r}: {exc}"
    return ""


def _setting_line(text: str, sname: str) -> int:
    for i, ln in enumerate(_lines(text)):
        if ln.strip() in (f"[setting.{sname}]", f'[setting."{sname}"]'):
            return i + 1
    return 1


def setting_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "must be a table"
    kind = body.get("kind")
    if kind not in SETTING_KINDS:
        return f"kind must be one of {', '.join(SETTING_KINDS)}, not {kind!r}"
    allowed = NETWORK_KEYS if kind == "network" else SCALAR_KEYS
    unknown = sorted(set(body) - allowed)
    if unknown:
        return f"unknown key(s) {', '.join(unknown)}"
    if kind == "network":
        w = body.get("widths")
        if not (isinstance(w, list) and len(w) >= 2 and all(isinstance(n, int) and n > 0 for n in w)):
            return "widths must be a list of at least two positive integers"
        if loss_identifier(str(body.get("loss_symbol", "J"))) == body.get("depth_symbol", "L"):
            return "loss_symbol and depth_symbol must differ (set depth_symbol, e.g. \"D\")"
        return conventions_problem(body)
    return ""


def freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def _load_claim(name: str, text: str, line: int, raw: Any, settings: dict[str, Setting],
                errors: list[LoadError]) -> Claim | None:
    def fail(msg: str, key: str | None = None, offset: int = 0) -> None:
        msg = msg if len(msg) < 300 else msg[:240] + "…"  # a 1 MB formula is not repeated
        at = _key_line(text, line, key) + offset if key else line
        errors.append(LoadError(name, at, f"claim {raw.get('id', '?')!r}: {msg}"
                                if isinstance(raw, dict) else msg))

    if not isinstance(raw, dict):
        fail("a claim must be a table")
        return None
    unknown = sorted(set(raw) - CLAIM_KEYS)
    if unknown:
        fail(f"unknown key(s) {', '.join(unknown)}", unknown[0])
        return None
    for key in ("id", "source", "setting", "quantity"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            fail(f"missing or empty '{key}'", key if key in raw else None)
            return None
    key, problem = claim_problem(raw)
    if problem:
        fail(problem, key)
        return None
    setting = settings.get(raw["setting"])
    if setting is None:
        fail(f"unknown setting {raw['setting']!r}", "setting")
        return None
    rest = raw.get("chain", [raw["formula"]] if "formula" in raw else None)
    if not isinstance(rest, list) or not rest or not all(isinstance(s, str) for s in rest):
        fail("needs 'formula' (a string) or 'chain' (a list of strings)")
        return None
    if "formula" in raw and "chain" in raw:
        fail("give either 'formula' or 'chain', not both", "chain")
        return None
    expect = raw.get("expect", "holds")
    if expect not in ("holds", "erratum"):
        fail("expect must be 'holds' or 'erratum'", "expect")
        return None
    where = raw.get("where", {})
    if not isinstance(where, dict) or not all(isinstance(v, str) for v in where.values()):
        fail("where must be a table of index ranges like { l = \"1..L-1\" }", "where")
        return None
    problem = where_problem(where, _taken_names(setting))
    if problem:
        fail(problem, "where")
        return None
    if not all(".." in rng for rng in where.values()):
        fail("where: a range must look like 'low..high'", "where")
        return None
    problem = strategy_problem(raw.get("strategy", ""), setting.kind,
                               set(setting.get("integers", ()) or ()),
                               bool(setting.get("indexed")), where)
    if problem:
        fail(problem, "where" if problem.startswith("where") else "strategy")
        return None
    sides = (raw["quantity"], *rest)
    known = setting_names(setting) | set(where)
    side_keys = ["quantity"] + (["chain"] * len(rest) if "chain" in raw else ["formula"])
    for side, key in zip(sides, side_keys):
        try:
            parse(side, known)
        except FormulaError as exc:
            fail(f"{exc} in {side.strip()!r}", key, exc.line_offset)
            return None
    for var, rng in where.items():
        if ".." not in rng:
            fail(f"range for {var!r} must look like 'low..high'", "where")
            return None
        for end in rng.split("..", 1):
            try:
                parse(end, known)
            except FormulaError as exc:
                fail(f"range for {var!r}: {exc}", "where")
                return None
    when = raw.get("when", "")
    if when:
        try:
            parse(when, known)
        except FormulaError as exc:
            fail(f"when: {exc}", "when")
            return None
    return Claim(
        id=raw["id"], title=raw.get("title", raw["id"]), file=name, line=line,
        source=raw["source"], setting=setting, sides=tuple(sides),
        expect=Expect(expect), where=tuple(where.items()), when=when,
        corrects=raw.get("corrects", ""), note=raw.get("note", ""),
        scope=raw.get("scope", ""), strategy=raw.get("strategy", ""),
        side_lines=tuple(_key_line(text, line, k) for k in side_keys),
    )


def _taken_names(setting: Setting) -> set[str]:
    """Names a `where` index must not reuse: every name of the setting except a
    scalar setting's integers (an every-size claim ranges over those)."""
    names = setting_names(setting)
    if setting.kind == "scalar":
        names -= set(setting.get("integers", ()) or ())
    return names


def setting_names(setting: Setting) -> set[str]:
    """Names a formula may use in this setting (besides FUNCTIONS)."""
    if setting.kind == "network":
        names = {"x", "y", "W", "b", "B", "z", "a", "delta", "yhat", "n", "kt"}
        names.add(setting.loss_name())
        names.add(setting.get("depth_symbol", "L"))
        names.update(setting.get("symbols", ()) or ())
        decay = setting.get("weight_decay", 0)
        if isinstance(decay, str):
            names.add(decay)
        return names
    names: set[str] = set()
    for key in ("symbols", "positive", "integers", "functions", "elementwise", "indexed"):
        names.update(setting.get(key, ()) or ())
    for key in ("vectors", "matrices", "define"):
        names.update(k for k, _ in (setting.get(key, ()) or ()))
    for key in ("functions", "elementwise"):
        names.update(f + "prime" for f in setting.get(key, ()) or ())
    names.discard("")
    return names
