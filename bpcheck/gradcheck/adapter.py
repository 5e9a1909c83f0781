"""Drive a course's own code from a declarative TOML adapter: build the model, feed it data,
and reach its parameters, loss and gradients, wherever the code keeps them.

This deliberately IMPORTS AND RUNS the user's file (module-level code included; with
[module] run = "definitions", or for a notebook, only the statements gradcheck.source keeps):
checking code means running it.  The adapter itself is data (TOML), never executed.
"""
from __future__ import annotations

import sys
import tomllib
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .architecture import Architecture, GradcheckError
from .check import _call, run
from .forms import (architecture_loss, batch_pairs, check_returns_spec, expand_names, get,
                    read_after, resolve_named, step_gradients, stubbed, unpack)
from .notebook import load_notebook
from .source import Loaded, load_definitions, load_module
from .result import GradcheckReport

ALLOWED = {
    "module": {"stub", "run"},
    "notebook": {"skip_cells", "run_cells"},
    "model": {"kwargs"},
    "data": {"seed", "samples", "x", "y"},
    "params": {"names", "init"},
    "loss": {"method", "function", "args", "kwargs", "forward", "from"},
    "gradients": {"method", "args", "kwargs", "returns", "keys", "forward", "forward_args",
                  "step", "learning_rate", "averaged", "read"},
    "architecture": {"widths", "activations", "loss", "reduction", "mapping", "symbolic"},
    "check": {"rtol", "atol", "seed", "max_entries"},
}

_KINDS: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys(["names", "args", "forward_args", "keys", "widths", "activations", "stub",
                     "skip_cells", "run_cells", "read"], list),
    **dict.fromkeys(["kwargs", "mapping", "init"], dict),
    **dict.fromkeys(["method", "function", "forward", "loss", "reduction", "samples", "step", "run",
                     "from"], str),
    **dict.fromkeys(["rtol", "atol", "learning_rate"], (int, float)),
    "returns": (str, list),
    **dict.fromkeys(["seed", "max_entries"], int),
    **dict.fromkeys(["symbolic", "averaged"], bool),
}
ARCHITECTURE_LOSS = "the declared architecture's loss"
_KIND_NAMES = {list: "list", dict: "table", str: "string", (int, float): "number", int: "integer",
               bool: "boolean (true or false)", (str, list): "string or list"}



def load_adapter(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise GradcheckError(f"cannot read adapter {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise GradcheckError(f"adapter {path} is not valid TOML: {e}") from None
    doc = doc.get("gradcheck", doc)
    if isinstance(doc.get("loss"), str):  # loss = "architecture", the short form of [loss] from
        doc["loss"] = {"from": doc["loss"]}
    for section, table in doc.items():
        if section not in ALLOWED or not isinstance(table, dict):
            raise GradcheckError(f"adapter {path}: unknown section [{section}] "
                                 f"(known: {', '.join(sorted(ALLOWED))})")
        unknown = set(table) - ALLOWED[section]
        if unknown:
            raise GradcheckError(f"adapter {path}: unknown key(s) {sorted(unknown)} in [{section}] "
                                 f"(known: {', '.join(sorted(ALLOWED[section]))})")
        for key, value in table.items():
            kind = _KINDS.get(key)
            if kind and not isinstance(value, kind):
                raise GradcheckError(f"adapter {path}: [{section}] {key} should be a "
                                     f"{_KIND_NAMES[kind]}, not {value!r}")
    if not doc.get("params", {}).get("names"):
        raise GradcheckError(f"adapter {path}: [params] names = [...] is required")
    _check_choices(doc, path)
    return doc


def _check_choices(doc: dict[str, Any], path: Path) -> None:
    loss, module = doc.get("loss", {}), doc.get("module", {})
    if loss.get("from", "architecture") != "architecture":
        raise GradcheckError(f'adapter {path}: loss = {loss["from"]!r}; the only source is "architecture"')
    if "from" in loss and "architecture" not in doc:
        raise GradcheckError(f'adapter {path}: loss = "architecture" needs an [architecture] section')
    if module.get("run", "all") not in ("all", "definitions"):
        raise GradcheckError(f"adapter {path}: [module] run = {module['run']!r}; "
                             "use 'all' (import the file) or 'definitions'")


def _array(spec: Any, rng: np.random.Generator, what: str, class_axis: int = 0) -> np.ndarray:
    if not isinstance(spec, dict):
        try:
            return np.array(spec, dtype=np.float64)
        except (TypeError, ValueError):
            raise GradcheckError(f"adapter: {what} is neither numbers nor a {{shape = ...}} table") from None
    shape, dist = tuple(spec.get("shape", ())), spec.get("distribution", "normal")
    if dist == "normal":
        return rng.standard_normal(shape) * spec.get("scale", 1.0)
    if dist == "uniform":
        return rng.uniform(spec.get("low", 0.0), spec.get("high", 1.0), shape)
    if dist == "onehot" and len(shape) in (1, 2):
        n_classes = shape[class_axis] if len(shape) == 2 else shape[0]
        labels = rng.integers(n_classes, size=shape[1 - class_axis] if len(shape) == 2 else 1)
        eye = np.eye(n_classes)[:, labels]
        return eye.reshape(shape) if len(shape) == 1 else (eye if class_axis == 0 else eye.T)
    raise GradcheckError(f"adapter: {what} has unknown distribution {dist!r} "
                         "(normal, uniform, onehot for 1-D/2-D)")


def _data(adapter: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.random.Generator, str]:
    data = adapter.get("data", {})
    samples = data.get("samples", "columns")
    if samples not in ("columns", "rows") or "x" not in data or "y" not in data:
        raise GradcheckError("adapter: [data] needs x, y and samples = 'columns' or 'rows'")
    rng = np.random.default_rng(data.get("seed", 0))
    axis = 0 if samples == "columns" else 1
    return _array(data["x"], rng, "x", axis), _array(data["y"], rng, "y", axis), rng, samples


def _architecture(adapter: dict[str, Any], x: np.ndarray, y: np.ndarray, samples: str) -> Architecture | None:
    arch = adapter.get("architecture")
    if arch is None:
        return None
    missing = {"widths", "activations", "loss", "mapping"} - set(arch)
    if missing:
        raise GradcheckError(f"adapter: [architecture] lacks {sorted(missing)}")
    flip = samples == "rows" and x.ndim == 2  # the reference wants one sample per column
    return Architecture(tuple(arch["widths"]), tuple(arch["activations"]), arch["loss"],
                        x.T if flip else x, y.T if flip else y, dict(arch["mapping"]),
                        arch.get("reduction", "sum"), arch.get("symbolic"))


# ------------------------------------------------------------------------------ user code


@contextmanager
def _user_dir(path: Path) -> Iterator[None]:
    """Let the user's file import its siblings, as it would when run directly."""
    sys.path.insert(0, str(path.parent))
    try:
        yield
    finally:
        sys.path.remove(str(path.parent))


def _load(path: Path, adapter: dict[str, Any]) -> Loaded:
    """A notebook's cells, a script's definitions, or the whole module (the default)."""
    module_s = adapter.get("module", {})
    with stubbed(module_s.get("stub", [])):
        if path.suffix == ".ipynb":
            return load_notebook(path, adapter.get("notebook", {}))
        if "notebook" in adapter:
            raise GradcheckError(f"adapter: [notebook] is for a .ipynb target, not {path}")
        return load_definitions(path) if module_s.get("run") == "definitions" else load_module(path)


def _lookup(obj: Any, name: str, what: str) -> Any:
    if not hasattr(obj, name):
        raise GradcheckError(f"{what} has no attribute {name!r}")
    return getattr(obj, name)


def check_target(target: str, adapter: dict[str, Any]) -> GradcheckReport:
    """Build the model (or parameters) the adapter describes and run the check."""
    file, sep, name = target.rpartition(":")
    if not sep or not file or not name:
        raise GradcheckError("target must look like path/to/file.py:ClassOrFunction "
                             f"(or file.ipynb:Name), not {target!r}")
    path = Path(file)
    with _user_dir(path):
        loaded = _load(path, adapter)
        try:
            return _check_loaded(loaded, path, name, adapter)
        except GradcheckError as e:
            raise GradcheckError(loaded.explain(str(e))) from None


def _check_loaded(loaded: Loaded, path: Path, name: str, adapter: dict[str, Any]) -> GradcheckReport:
    module = loaded.module
    if not hasattr(module, name) and name in loaded.skipped_names:
        raise GradcheckError(f"{path} defines {name!r} only in a statement that was not run "
                             f"({loaded.skipped_names[name]}; see the definitions rule)")
    obj = _lookup(module, name, str(path))
    x, y, rng, samples = _data(adapter)
    setup = _function_setup if "init" in adapter["params"] else _model_setup
    env = {"x": x, "y": y, "batch": batch_pairs(x, y, samples)}
    slots, call_loss, call_backward, labels = setup(module, name, obj, adapter, env, rng)
    arch = _architecture(adapter, x, y, samples)
    if call_loss is None:  # loss = "architecture"
        call_loss = architecture_loss(arch, slots)
    check = adapter.get("check", {})
    report = run(slots, call_loss, call_backward, architecture=arch,
                 rtol=check.get("rtol", 1e-5), atol=check.get("atol", 1e-8),
                 seed=check.get("seed", 0), max_entries=check.get("max_entries"), labels=labels)
    return replace(report, notes=(*loaded.notes, *report.notes))


def _bind(fn: Any, section: dict[str, Any], env: dict[str, Any], default: list[str], key: str = "args"):
    """A no-argument call of fn with the adapter's argument names resolved; and those names."""
    args = section.get(key, default)
    unknown = [a for a in args if a not in env]
    if unknown:
        raise GradcheckError(f"adapter: unknown argument name(s) {unknown} in {key} (use {sorted(env)})")
    kwargs = resolve_named(section.get("kwargs", {}), env["module"], "kwargs") if key == "args" else {}
    value = {a: env[a] for a in args}
    return (lambda: fn(*[v() if isinstance(v, _Lazy) else v for v in value.values()], **kwargs)), \
        ", ".join(args)


class _Lazy:
    """An argument computed afresh at every call (the model's output for a loss function)."""

    def __init__(self, compute) -> None:
        self.compute = compute

    def __call__(self) -> Any:
        return self.compute()


def _model_setup(module, name, cls, adapter, env, rng):
    kwargs = resolve_named(adapter.get("model", {}).get("kwargs", {}), module, "[model] kwargs")
    model = _call(lambda: cls(**kwargs), f"{name}(**[model].kwargs)")
    names = expand_names(adapter["params"]["names"], model)
    slots = [(n, get(model, n)) for n in names]
    loss_s, grad_s = adapter.get("loss", {}), adapter.get("gradients", {})
    env = env | {"module": module, "eta": grad_s.get("learning_rate"), "model": model}
    grad_m = grad_s.get("step", grad_s.get("method", "backward"))
    what = f"the {name} model"
    call_loss, loss_label = _model_loss(model, name, loss_s, env)
    call_grad, grad_args = _bind(_lookup(model, grad_m, what), grad_s, env, ["x", "y"])
    if "step" in grad_s:
        labels = (loss_label, f"{name}.{grad_m}({grad_args}) (update step)")
        return slots, call_loss, _step(call_grad, grad_s, names, model, env), labels
    labels = (loss_label, f"{name}.{grad_m}({grad_args})")
    if "forward" in grad_s:  # backward(y) that relies on activations cached by forward(x)
        fwd, fwd_args = _bind(_lookup(model, grad_s["forward"], what), grad_s, env, ["x"], "forward_args")
        call_grad, labels = _then(fwd, call_grad), (labels[0], f"{name}.{grad_s['forward']}({fwd_args}) "
                                                               f"then {labels[1]}")
    return slots, call_loss, _collect(call_grad, grad_s, names, model, labels[1], model), labels


def _model_loss(model, name: str, loss_s: dict[str, Any], env: dict[str, Any]):
    """The loss call and its label: the model's method (default loss(x, y)), a function of the
    module (default f(model, x, y); "output" is model.<forward>(x)), or None for the declared
    architecture's loss."""
    if "from" in loss_s:
        return None, ARCHITECTURE_LOSS
    if "function" not in loss_s:
        method = loss_s.get("method", "loss")
        call, args = _bind(_lookup(model, method, f"the {name} model"), loss_s, env, ["x", "y"])
        return call, f"{name}.{method}({args})"
    if "forward" in loss_s:
        forward = _lookup(model, loss_s["forward"], f"the {name} model")
        env = env | {"output": _Lazy(lambda: forward(env["x"]))}
    fn = _lookup(env["module"], loss_s["function"], "the user file")
    call, args = _bind(fn, loss_s, env, ["model", "x", "y"])
    return call, f"{loss_s['function']}({args})"


def _then(first, second):
    return lambda: (first(), second())[1]


def _step(call_step, grad_s: dict[str, Any], names: list[str], model: Any, env: dict[str, Any]):
    eta = grad_s.get("learning_rate")
    if not isinstance(eta, (int, float)) or isinstance(eta, bool) or not eta > 0:
        raise GradcheckError("adapter: [gradients] step needs learning_rate = a positive number "
                             "(the one the step uses)")
    scale = float(len(env["batch"])) if grad_s.get("averaged", False) else 1.0
    return step_gradients(call_step, names, model, float(eta), scale)


def _function_setup(module, name, fn, adapter, env, rng):
    init = adapter["params"]["init"]
    names = adapter["params"]["names"]
    missing = [n for n in names if n not in init]
    if missing:
        raise GradcheckError(f"adapter: [params] init has no value for {missing}")
    params = {n: _array(init[n], rng, f"params.init.{n}") for n in names}
    if "step" in adapter.get("gradients", {}):
        raise GradcheckError("adapter: [gradients] step needs a model (drop [params] init)")
    env = env | {"params": params, "module": module}
    loss_s, grad_s = adapter.get("loss", {}), adapter.get("gradients", {})
    if "from" in loss_s:
        call_loss, loss_label = None, ARCHITECTURE_LOSS
    elif "function" in loss_s:
        call_loss, loss_args = _bind(_lookup(module, loss_s["function"], "the user file"), loss_s, env,
                                     ["params", "x", "y"])
        loss_label = f"{loss_s['function']}({loss_args})"
    else:
        raise GradcheckError("adapter: with [params] init, [loss] function = '...' names the loss "
                             'function (or loss = "architecture")')
    call_grad, grad_args = _bind(fn, grad_s, env, ["params", "x", "y"])
    labels = (loss_label, f"{name}({grad_args})")
    return list(params.items()), call_loss, _collect(call_grad, grad_s, names, params, labels[1], module), labels


def _collect(call, section: dict[str, Any], names: list[str], owner: Any, label: str, root: Any):
    """Turn the user's return convention into a dict or list gradcheck understands; root is
    where [gradients] read paths start (the model, or the module in the function form)."""
    returns, keys = section.get("returns", "dict"), section.get("keys")
    if "read" in section:
        if "returns" in section or keys is not None:
            raise GradcheckError("adapter: [gradients] read replaces returns and keys; give one of them")
        return read_after(call, section["read"], names, root, label)
    if isinstance(returns, list):  # nested tuples/lists, e.g. (nabla_b, nabla_w)
        check_returns_spec(returns)
        return lambda: unpack(call(), returns, owner, label)
    if returns not in ("dict", "list", "attributes") or (keys is not None and len(keys) != len(names)):
        raise GradcheckError("adapter: [gradients] returns must be dict, list or attributes, "
                             "and keys (if given) one per parameter name")
    if returns == "attributes" and keys is None:
        raise GradcheckError("adapter: [gradients] returns = 'attributes' needs keys = [...]")

    def collect() -> Any:
        raw = call()
        if returns == "attributes":
            return {n: get(owner, k) for n, k in zip(names, keys)}
        if returns == "dict" and keys is not None:
            if not isinstance(raw, dict) or any(k not in raw for k in keys):
                got = list(raw) if isinstance(raw, dict) else type(raw).__name__
                raise GradcheckError(f"{label} returned {got}; the adapter expects keys {keys}")
            return {n: raw[k] for n, k in zip(names, keys)}
        return raw

    return collect
