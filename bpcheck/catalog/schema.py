"""The types a catalog's values must have, checked while loading.

TOML gives numbers, dates, arrays and tables wherever a file puts them; a value of
the wrong type found only while deciding would be an ERROR verdict (or a
traceback) with no file:line.  Each check returns a problem ("" when none).
The option lists mirror the symbolic stage's (a test keeps them equal): the
catalog never imports SymPy.
"""
from __future__ import annotations

import keyword
import re

from typing import Any

from .formula import CONSTANTS, FUNCTIONS
from ..model import loss_identifier

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "softmax", "leaky_relu", "elu",
               "softplus", "swish")
CHOICES = {
    "activation": ACTIVATIONS, "output": ACTIVATIONS,
    "loss": ("mse_half", "mse_sum", "mse_mean", "cross_entropy", "binary_cross_entropy",
             "generic"),
    "numbering": ("standard", "ufldl"), "orientation": ("out_in", "in_out"),
    "reduction": ("sum", "mean"), "target": ("free", "onehot", "binary", "probability"),
    "layout": ("numerator", "denominator"),
    "layer_marks": ("superscript", "subscript"), "gradient_prefix": ("d",),
    "delta": ("batch", "per_example"),  # delta[l]: ∂J/∂Z, or each sample's own δ (columns)
}
NAME_LISTS = ("symbols", "positive", "integers", "functions", "elementwise", "indexed")
TEXT_KEYS = ("title", "note", "corrects", "scope", "strategy", "when")


def is_name(value: Any) -> bool:
    return isinstance(value, str) and value.isidentifier() and not value.startswith("__") \
        and not keyword.iskeyword(value)  # `lambda` cannot be a name of a formula: write lam


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(is_name(v) for v in value)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 10_000


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and abs(value) < 1e300


def _table(value: Any, check) -> bool:
    return isinstance(value, dict) and all(is_name(k) and check(v) for k, v in value.items())


_SHORT = {"bce": "binary_cross_entropy", "ce": "cross_entropy", "xent": "cross_entropy",
          "mse": "mse_half", "l2": "mse_half", "nll": "cross_entropy", "lrelu": "leaky_relu"}


def _choice_hint(value: Any, choices: Any) -> str:
    """`loss=bce`: did you mean binary_cross_entropy? (a short name or a close spelling)"""
    if not isinstance(value, str):
        return ""
    short = _SHORT.get(value.strip().lower())
    if short in choices:
        return f" (did you mean {short}?)"
    import difflib
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def value_problem(key: str, value: Any) -> str:
    """What is wrong with a setting's `key = value` ("" when nothing)."""
    if key in CHOICES:
        ok = value in CHOICES[key] if isinstance(value, str) else False
        return "" if ok else f"{key} must be one of {', '.join(CHOICES[key])}" + \
            _choice_hint(value, CHOICES[key])
    if key in NAME_LISTS:
        return "" if _names(value) else f"{key} must be a list of names"
    if key == "loss_symbol":
        return "" if isinstance(value, str) and is_name(loss_identifier(value)) else \
            "loss_symbol must be a name or \\mathcal{X}, \\mathscr{X}, \\ell"
    if key == "depth_symbol":
        return "" if is_name(value) else f"{key} must be a name"
    if key == "vectors":
        return "" if _table(value, _positive_int) else \
            "vectors must be a table of sizes like { z = 3 }"
    if key == "matrices":
        shape = lambda v: isinstance(v, list) and len(v) == 2 and all(map(_positive_int, v))
        return "" if _table(value, shape) else \
            "matrices must be a table of shapes like { W = [2, 3] }"
    if key == "define":
        return "" if _table(value, lambda v: isinstance(v, str)) else \
            "define must be a table of formulas like { a = \"f(z)\" }"
    if key == "sample":
        pair = lambda v: (isinstance(v, list) and len(v) == 2 and all(map(_number, v))
                          and v[0] <= v[1])
        return "" if _table(value, pair) else \
            "sample must be a table of ranges like { eta = [0.0, 0.1] }"
    if key in ("leaky_slope", "elu_alpha"):
        return "" if _number(value) else f"{key} must be a number"
    if key == "weight_decay":  # λ/2 Σ_l ‖W[l]‖² added to the loss: a number ≥ 0 or a name
        ok = (_number(value) and value >= 0) or (isinstance(value, str) and is_name(value))
        return "" if ok else "weight_decay must be a number ≥ 0 or a name (e.g. lambda)"
    if key == "bias":
        return "" if isinstance(value, bool) else "bias must be true or false"
    if key == "batch":
        return "" if _positive_int(value) else "batch must be a positive integer"
    if key == "note":
        return "" if isinstance(value, str) else "note must be a string"
    return ""


def layer_names(value: Any) -> list[str]:
    """`layers` as names: a list, or the text `h,o` of a notes defaults line."""
    if isinstance(value, str):
        return [s for s in re.split(r"[\s,]+", value.strip().strip("[]")) if s]
    return list(value) if isinstance(value, (list, tuple)) else []


def conventions_problem(body: dict[str, Any]) -> str:
    """The notation keys of a network setting, checked against its widths: `layers` names
    the layers after the input (or every layer, the input first), `unmarked` is the layer
    bare W, b, z, a, δ mean (a number, one of `layers`, or the depth symbol)."""
    widths = body.get("widths") or []
    names = layer_names(body.get("layers", []))
    if "layers" in body:
        if not names or not all(len(n) == 1 and n.isalpha() for n in names) \
                or len(set(names)) != len(names):
            return "layers must be distinct letters, e.g. layers=h,o"
        if len(names) not in (len(widths) - 1, len(widths)):
            return (f"layers names {len(names)} layers; the widths have {len(widths)} "
                    f"(name the {len(widths) - 1} after the input, or all {len(widths)})")
    if "activation_symbol" in body and not _activation_symbol(body["activation_symbol"]):
        return ("activation_symbol names the note's activation: one letter or Greek letter, "
                "e.g. \\phi, \\sigma, g")
    for key in ("layer_marks", "gradient_prefix"):
        if key in body and body[key] not in CHOICES[key]:
            return f"{key} must be one of {', '.join(CHOICES[key])}"
    for key in ("samples", "batch_symbol"):
        if key in body and not _letter_list(body[key]):
            return f"{key} must be single letters, e.g. {key}=i (or a list)"
    if "samples" in body and not body.get("batch"):
        return "samples needs batch=N: a sample is a column of the batch"
    if "hadamard" in body and not hadamard_symbols(body["hadamard"]):
        return ("hadamard names the note's elementwise product: *, \\times, \\cdot, "
                "\\otimes or \\circledcirc (a list)")
    if "unmarked" in body:
        value = body["unmarked"]
        text = str(value).strip() if isinstance(value, (int, str)) else ""
        if not (text.isdigit() or text in names or text == body.get("depth_symbol", "L")):
            return "unmarked must be a layer: a number, one of layers, or the depth symbol"
    return ""


def _activation_symbol(value: Any) -> str:
    """`\\phi`, `\\varphi`, `\\sigma`, `g`: the symbol's name, or "" when it is none."""
    text = value.strip() if isinstance(value, str) else ""
    m = re.fullmatch(r"\\?([A-Za-z]+)", text)
    return m.group(1) if m and (len(m.group(1)) == 1 or text.startswith("\\")) else ""


def _letter_list(value: Any) -> bool:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) \
        else None
    return bool(items) and all(isinstance(i, str) and len(i.strip()) == 1 and i.strip().isalpha()
                               for i in items)


HADAMARD_SYMBOLS = ("*", "\\times", "\\cdot", "\\otimes", "\\circledcirc")


def hadamard_symbols(value: Any) -> tuple[str, ...]:
    """`hadamard="*,\\times"` (or a list): the symbols a note writes for the elementwise
    product, besides \\odot and \\circ; () when the value is not such a list."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) \
        else None
    if not items or not all(isinstance(i, str) and i.strip() in HADAMARD_SYMBOLS for i in items):
        return ()
    return tuple(i.strip() for i in items)


def claim_problem(raw: dict[str, Any]) -> tuple[str, str]:
    """(key, problem) for the first text field of a claim that is not a string."""
    for key in TEXT_KEYS:
        if key in raw and not isinstance(raw[key], str):
            return key, f"'{key}' must be a string, not {type(raw[key]).__name__}"
    return "", ""


def where_problem(where: dict[str, str], taken: set[str]) -> str:
    """An index of `where` must be a fresh name: not a setting's symbol, a function
    or a constant (it would silently replace them in the formula)."""
    for var in where:
        if not is_name(var):
            return f"where: {var!r} is not a name"
        if var in taken or var in FUNCTIONS or var in CONSTANTS:
            return f"where: index {var!r} would hide the setting's or the language's {var!r}"
    return ""


def strategy_problem(strategy: str, kind: str, integers: set[str], indexed: bool,
                     where: dict[str, str]) -> str:
    """An every-size claim (strategy "indexed") ranges over the setting's integers,
    each bound an integer or one of them (what its proof and its concrete-size
    backstop read); a setting with indexed names is decided only that way."""
    if strategy not in ("", "indexed"):
        return "strategy must be \"indexed\" (or left out)"
    if strategy != "indexed":
        return "a setting with indexed names needs strategy = \"indexed\"" if indexed else ""
    if kind != "scalar":
        return "strategy \"indexed\" needs a scalar setting"
    for var, rng in where.items():
        if var not in integers:
            return f"where: index {var!r} must be one of the setting's integers"
        for end in rng.split("..", 1):
            if not _size_bound(end.strip(), integers):
                return (f"where: range for {var!r}: each end must be an integer, one of the "
                        f"setting's integers, or one of them plus or minus an integer "
                        f"(n-1), not {end.strip()[:40]!r}")
    return ""


_BOUND = re.compile(r"(?:(\d+)|([A-Za-z_]\w*)(?:\s*[-+]\s*\d+)?)")


def _size_bound(end: str, integers: set[str]) -> bool:
    """`3`, `n` or `n - 1`: the bounds an every-size proof reads (an integer, or a size
    shifted by an integer)."""
    m = _BOUND.fullmatch(end)
    return bool(m) and (m.group(1) is not None or m.group(2) in integers)
