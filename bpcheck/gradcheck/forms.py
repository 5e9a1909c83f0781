"""The shapes real course code has, read from a TOML adapter without a Python shim:

- parameter paths with list indices ("weights[1]", "layers[0].W") and "weights[*]" for every
  entry of a list of arrays;
- gradients returned as nested tuples/lists (returns = ["biases[*]", "weights[*]"]);
- gradients as the change an in-place SGD step makes ((before - after) / learning_rate);
- keyword values naming a class or function of the user's module ({ name = "CrossEntropyCost" });
- modules and functions replaced by inert stubs while the user's file is imported;
- gradients read, after a call, from where the code leaves them (read = ["layers[*].dW"]);
- the declared architecture's loss when the code has none (loss = "architecture").
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import types
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np

from .architecture import Architecture, GradcheckError
from .check import _get_path, reference_network

_INDEX = re.compile(r"\[\s*['\"]?(-?\d+|[A-Za-z_][A-Za-z0-9_]*)['\"]?\s*\]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def dotted(path: str) -> str:
    """"layers[0].W" -> "layers.0.W", "grads[W1]" -> "grads.W1": the form check._get_path
    follows (a list index, a dict key or an attribute)."""
    return _INDEX.sub(r".\1", path)


def get(owner: Any, path: str) -> Any:
    return _get_path(owner, dotted(path))


def expand_names(names: list[str], owner: Any) -> list[str]:
    """"weights[*]" -> "weights[0]", "weights[1]", ... (as many as the list on the model holds);
    "layers[*].W" -> "layers[0].W", "layers[1].W", ..."""
    out: list[str] = []
    for name in names:
        head, star, rest = name.partition("[*]")
        if not star:
            out.append(name)
            continue
        seq = get(owner, head)
        if not isinstance(seq, (list, tuple)):
            raise GradcheckError(f"path '{name}': '{head}' is a {type(seq).__name__}, not a list")
        out += expand_names([f"{head}[{i}]{rest}" for i in range(len(seq))], owner)
    return out


def read_after(call: Callable[[], Any], paths: list[str], names: list[str], root: Any,
               label: str) -> Callable[[], dict[str, Any]]:
    """Gradients the call leaves on an object (an optimizer's dict, each layer's dW): the paths,
    expanded after the call, are read in the order of the parameter names."""

    def gradients() -> dict[str, Any]:
        call()
        where = expand_names(paths, root)
        if len(where) != len(names):
            raise GradcheckError(f"adapter: [gradients] read gives {len(where)} paths after {label} "
                                 f"({', '.join(where)}) for {len(names)} parameters")
        out = {}
        for n, p in zip(names, where):
            try:
                out[n] = get(root, p)
            except GradcheckError:
                raise GradcheckError(f"after {label}, nothing at '{p}' (the gradient of '{n}')") from None
        return out

    return gradients


# ------------------------------------------------------------------ nested returned structures


def unpack(raw: Any, spec: Any, owner: Any, label: str, where: str = "") -> dict[str, Any]:
    """Match what the user's code returned against the returns spec, position by position."""
    if isinstance(spec, str) and not spec.endswith("[*]"):
        return {spec: raw}
    names = expand_names([spec], owner) if isinstance(spec, str) else spec
    if not isinstance(raw, (list, tuple)) or len(raw) != len(names):
        got = f"{len(raw)} items" if isinstance(raw, (list, tuple)) else type(raw).__name__
        raise GradcheckError(f"{label} returned {got}{where}; the adapter's returns expects "
                             f"{len(names)} ({_show(spec)})")
    out: dict[str, Any] = {}
    for i, (item, sub) in enumerate(zip(raw, names)):
        out |= unpack(item, sub, owner, label, f"{where}[{i}]")
    return out


def check_returns_spec(spec: Any) -> None:
    if isinstance(spec, list):
        for s in spec:
            check_returns_spec(s)
    elif not isinstance(spec, str):
        raise GradcheckError(f"adapter: [gradients] returns holds {spec!r}; each position is a "
                             "parameter name, 'name[*]' or a nested list")


def _show(spec: Any) -> str:
    return spec if isinstance(spec, str) else "[" + ", ".join(map(_show, spec)) + "]"


# ------------------------------------------------------------------------- in-place update step


def step_gradients(call_step: Callable[[], Any], names: list[str], owner: Any, eta: float,
                   scale: float) -> Callable[[], dict[str, np.ndarray]]:
    """Gradients read off one SGD step: scale * (before - after) / eta; the parameters (the
    very array objects, even when the step rebinds them) are put back afterwards."""

    def gradients() -> dict[str, np.ndarray]:
        originals = {n: get(owner, n) for n in names}
        before = {n: np.array(a, dtype=np.float64) for n, a in originals.items()}
        call_step()
        after = {n: np.array(get(owner, n), dtype=np.float64) for n in names}
        for n, a in originals.items():
            _put_back(owner, n, a, before[n])
        out = {}
        for n in names:
            if after[n].shape != before[n].shape:
                raise GradcheckError(f"the update step changed the shape of '{n}' from "
                                     f"{before[n].shape} to {after[n].shape}")
            out[n] = (before[n] - after[n]) * (scale / eta)
        return out

    return gradients


def _put_back(owner: Any, name: str, original: Any, values: np.ndarray) -> None:
    np.copyto(original, values)
    path = dotted(name)
    parent_path, _, last = path.rpartition(".")
    parent = _get_path(owner, parent_path) if parent_path else owner
    if get(owner, name) is original:
        return
    try:
        if isinstance(parent, dict):
            parent[last] = original
        elif isinstance(parent, list) and last.lstrip("-").isdigit():
            parent[int(last)] = original
        else:
            setattr(parent, last, original)
    except (AttributeError, TypeError):
        raise GradcheckError(f"the update step replaced '{name}' and it cannot be put back "
                             f"(its container is a {type(parent).__name__})") from None


def batch_pairs(x: np.ndarray, y: np.ndarray, samples: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The data as a list of (x, y) pairs, one per sample (a column vector each with columns)."""
    if samples == "columns":
        n = x.shape[-1] if x.ndim == 2 else 1
        col = (lambda a, i: a[:, [i]]) if x.ndim == 2 else (lambda a, i: a)
        return [(col(x, i), col(y, i) if y.ndim == 2 else y) for i in range(n)]
    return [(x[i], y[i]) for i in range(len(x))]


# ---------------------------------------------------------------- module names as keyword values


def resolve_named(kwargs: dict[str, Any], module: Any, where: str) -> dict[str, Any]:
    """{ cost = { name = "CrossEntropyCost" } } -> cost=module.CrossEntropyCost (an attribute
    lookup, never eval); other values pass through unchanged."""
    out = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and set(value) == {"name"}:
            name = value["name"]
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise GradcheckError(f"adapter: {where} {key} = {{ name = {name!r} }} is not a name")
            obj = module
            for part in name.split("."):
                if not hasattr(obj, part):
                    raise GradcheckError(f"adapter: {where} {key}: the user file has no {name!r}")
                obj = getattr(obj, part)
            value = obj
        out[key] = value
    return out


# ----------------------------------------------------------------------------- import-time stubs


class Inert:
    """Stands in for a stubbed module or function: any attribute, call, item, arithmetic or
    `with` gives another Inert; iterating it gives nothing (a stubbed loop runs zero times)."""

    def __init__(self, name: str = "stub") -> None:
        self._name = name

    def __getattr__(self, attr: str) -> "Inert":
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Inert(f"{self._name}.{attr}")

    def __call__(self, *args: Any, **kwargs: Any) -> "Inert":
        return Inert(f"{self._name}()")

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __getitem__(self, key: Any) -> "Inert":
        return Inert(f"{self._name}[]")

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __enter__(self) -> "Inert":
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"<bpcheck stub {self._name}>"


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(Inert, f"__{_op}__", lambda self, other: self)
    setattr(Inert, f"__r{_op}__", lambda self, other: self)
Inert.__neg__ = lambda self: self  # type: ignore[attr-defined]


class _StubModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Inert(f"{self.__name__}.{attr}")


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of the stubbed modules and their submodules with stub modules."""

    def __init__(self, roots: list[str]) -> None:
        self.roots = roots

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == r or fullname.startswith(r + ".") for r in self.roots):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so `import matplotlib.pyplot` works
        return module

    def exec_module(self, module) -> None:
        pass


@contextmanager
def stubbed(names: list[str]) -> Iterator[None]:
    """While the user's file is imported: modules named in `names` (and their submodules) are
    stub modules; a name "module.function" of an importable module has that attribute replaced.
    Everything is restored afterwards (the user's module keeps the stubs it took)."""
    functions, modules = _split_stub_names(names)
    saved_modules = {k: v for k, v in sys.modules.items()
                     if any(k == r or k.startswith(r + ".") for r in modules)}
    saved_attrs = [(owner, attr, getattr(owner, attr)) for owner, attr in functions]
    finder = _StubFinder(modules)
    for k in saved_modules:
        del sys.modules[k]
    sys.meta_path.insert(0, finder)
    for owner, attr, _ in saved_attrs:
        setattr(owner, attr, Inert(f"{owner.__name__}.{attr}"))
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if any(k == r or k.startswith(r + ".") for r in modules)]:
            del sys.modules[k]
        sys.modules.update(saved_modules)
        for owner, attr, value in saved_attrs:
            setattr(owner, attr, value)


def _split_stub_names(names: list[str]) -> tuple[list[tuple[Any, str]], list[str]]:
    functions, modules = [], []
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise GradcheckError(f"adapter: [module] stub holds {name!r}, not a dotted name")
        parent, _, attr = name.rpartition(".")
        owner = _importable(parent) if parent else None
        if owner is not None and hasattr(owner, attr) and not isinstance(getattr(owner, attr), types.ModuleType):
            functions.append((owner, attr))
        else:
            modules.append(name)
    return functions, modules


def _importable(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - not importable: the name is stubbed as a module instead
        return None


# ------------------------------------------------------------- the loss of the declared network


def architecture_loss(arch: Architecture, slots: list[tuple[str, np.ndarray]]) -> Callable[[], float]:
    """loss = "architecture": the declared network's loss, computed by bpcheck's NumPy reference
    from the user's own arrays (read afresh on every call, so finite differences that perturb
    them in place see the change)."""
    unmapped = [n for n, _ in slots if n not in arch.mapping]
    if unmapped:
        raise GradcheckError(f'adapter: loss = "architecture" needs every parameter in [architecture] '
                             f"mapping; missing: {', '.join(unmapped)}")
    net, _, read_params = reference_network(arch, dict(slots))

    def loss() -> float:
        try:
            return net.loss_value(read_params(), arch.x, arch.y)
        except ValueError as e:
            raise GradcheckError(f"architecture: {e}") from None

    return loss
