"""A note's set-up values, checked where they are written.

A `bpcheck-defaults` line, front matter or notebook metadata gives its values as text
(`widths=3,4,2`, `activation=tanh`); they are read into the values a TOML catalog would
give and checked with the catalog's own vocabulary (`catalog.schema`), so that a typo
(`activation=sigmoidd`, `orientation=rowz`, `widths=3,x`) is an error naming the line and
the accepted values, never a setting silently left at its default.
"""
from __future__ import annotations

import re
from typing import Any

from ..catalog.files import NETWORK_KEYS, SCALAR_KEYS
from . import entrylayers, namekeys, widthletter
from ..catalog.schema import CHOICES, conventions_problem, value_problem

# keys a defaults line may give besides a setting's: what they mean is the notes' own
DEFAULTS_ONLY = frozenset({"setting", "catalog", "where", "check", "names", "row_vectors", "gradients",
                           "true_class", "other_class", "samples_view", "table_columns", "bias_unit",
                           *entrylayers.KEYS, *widthletter.KEYS})
SETTING_KEYS = frozenset((NETWORK_KEYS | SCALAR_KEYS) - {"note", "define", "sample", "cases",
                                                          "indexed"})
ACCEPTED = SETTING_KEYS | DEFAULTS_ONLY
LIST_KEYS = {"symbols", "positive", "integers", "functions", "elementwise"}
WHERE_RANGE = re.compile(r"([A-Za-z]\w*)\s*=\s*([^\s,;=]+?)\s*\.\.\s*([^\s,;=]+)")
_OTHER_CHOICES = {"check": ("all", "annotated"), "kind": ("network", "scalar"),
                  "bias": ("true", "false"), "row_vectors": ("true", "false"),
                  "samples_view": ("on", "off"), "gradients": ("columns", "rows"),
                  "table_columns": ("conventions", "off"), "bias_unit": ("0",)}


def typed(key: str, raw: Any) -> Any:
    """An attribute's text as the setting value TOML would give (widths=4,3,2 -> [4, 3, 2]);
    ValueError when it cannot be read.  Values that are not text (notebook metadata is JSON
    already) are returned as they are."""
    if not isinstance(raw, str):
        return raw
    items = [s for s in re.split(r"[\s,]+", raw.strip().strip("[]")) if s]
    if key == "widths":
        return [int(s) for s in items]
    if key == "batch":
        return int(raw)
    if key in ("leaky_slope", "elu_alpha"):
        return float(raw)
    if key == "weight_decay":  # a number, or the note's symbol (\lambda -> lambda)
        text = raw.strip().lstrip("\\")
        return float(text) if re.fullmatch(r"\d+(\.\d*)?", text) else \
            "lam" if text == "lambda" else text
    if key in ("bias", "row_vectors") and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    if key in LIST_KEYS:
        return items
    if key == "vectors":
        return {n: int(k) for n, k in (s.split(":") for s in items)}
    if key == "matrices":
        return {n: [int(r) for r in shape.split("x")] for n, shape in
                (s.split(":") for s in items)}
    return raw


def problems(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, what is wrong) for each bad key or value of a note's set-up, in key order."""
    out: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    for key, raw in attrs.items():
        problem = _problem(key, raw)
        if problem:
            out.append((key, problem))
        elif key in SETTING_KEYS:
            body[key] = typed(key, raw)
    if not out and "widths" in body:
        problem = conventions_problem(body)
        if problem:
            key = next((k for k in ("layers", "layer_marks", "gradient_prefix", "unmarked")
                        if k in problem), "layers")
            out.append((key, f"{key}={attrs.get(key, '')}: {problem}"))
    return out


def _problem(key: str, raw: Any) -> str:
    if key not in ACCEPTED:
        return f"unknown key {key!r} (accepted: {', '.join(sorted(ACCEPTED))})"
    text = raw if isinstance(raw, str) else repr(raw)
    if key in _OTHER_CHOICES:
        value = raw.strip() if isinstance(raw, str) else str(raw).lower()
        ok = value in _OTHER_CHOICES[key]
        return "" if ok else f"{key}={text}: {key} must be one of " \
                             f"{', '.join(_OTHER_CHOICES[key])}"
    if key == "where":
        rest = WHERE_RANGE.sub("", str(raw))
        return f"where={text}: write index ranges like where=\"l=1..L-1\"" \
            if re.sub(r"[\s,;]", "", rest) else ""
    if key == "names":
        wrong = namekeys.bad_entry(raw)
        return f"names={text}: {wrong}" if wrong else ""
    if key in entrylayers.KEYS:
        return entrylayers.key_problem(key, raw)
    if key in widthletter.KEYS:
        return widthletter.key_problem(key, raw)
    if key in DEFAULTS_ONLY:
        return "" if isinstance(raw, str) and raw.strip() else f"{key} needs a value"
    try:
        value = typed(key, raw)
    except (ValueError, TypeError):
        return f"cannot read {key}={text}: {_expected(key)}"
    if key == "widths":
        ok = isinstance(value, list) and len(value) >= 2 and \
            all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)
        return "" if ok else f"{key}={text}: {_expected(key)}"
    problem = value_problem(key, value)
    return f"{key}={text}: {problem}" if problem else ""


def _expected(key: str) -> str:
    if key in CHOICES:
        return f"{key} must be one of {', '.join(CHOICES[key])}"
    return {"widths": "widths must be at least two positive integers, e.g. widths=3,4,2",
            "batch": "batch must be a positive integer",
            "vectors": "vectors must be name:size pairs, e.g. vectors=x:3,y:2",
            "matrices": "matrices must be name:rowsxcols pairs, e.g. matrices=A:2x3"}.get(
        key, f"{key} must be a number")


_STAR = re.compile(r"\^\s*(?:\{\s*(?:\*|\\ast|\\star)\s*\}|\\ast\b|\\star\b|\*)")


def note_names(raw: str) -> dict[str, str] | None:
    """`names=p:a^{[L]},N_{out}:n_2`: what the note's own names stand for, in the setting's
    LaTeX (a name as namekeys reads it); None when it cannot be read."""
    out: dict[str, str] = {}
    for item in namekeys.entries(raw):
        name, sep, latex = item.partition(":")
        name = _STAR.sub("^*", name)  # y^{*}, y^\ast: the starred name y^*
        if not sep or not namekeys.is_name(name) or not latex.strip():
            return None
        out[name.strip()] = latex.strip()
    return out or None
