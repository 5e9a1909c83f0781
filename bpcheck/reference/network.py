"""NumPy reference backprop: bpcheck's numeric oracle.

Deliberately independent of the symbolic side: pure NumPy, no sympy and no other bpcheck
module, so a mistake in the symbolic machinery cannot be confirmed by the same mistake here.
Written in the style of micrograd: each operation's backward sits right beside its forward.

Conventions (the ones most course notes use):
  column vectors; a batch is a matrix whose columns are samples;
  z[l] = W[l] @ a[l-1] + b[l]   (b broadcast over the batch columns),
  a[l] = f_l(z[l]),  a[0] = x,  layers l = 1..L.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

Array = np.ndarray

# ---------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """An elementwise (or, for softmax, columnwise) nonlinearity a = forward(z).

    vjp(z, a, g) returns dL/dz given g = dL/da; it gets both z and a because some
    derivatives are cheapest in terms of the output (sigmoid, tanh, softmax).
    """

    name: str
    forward: Callable[[Array], Array]
    vjp: Callable[[Array, Array, Array], Array]


def _sigmoid(z: Array) -> Array:
    # exp(-log(1 + e^-z)) never overflows and keeps relative accuracy in both tails,
    # which log(a) and log(1 - a) in the cross-entropy losses need.
    return np.exp(-np.logaddexp(0.0, -z))


def _softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=0, keepdims=True))  # shifting by the max avoids overflow
    return e / e.sum(axis=0, keepdims=True)


def _softmax_vjp(z: Array, a: Array, g: Array) -> Array:
    # Jacobian diag(a) - a a^T applied to g, without forming it: a * (g - a.g).
    return a * (g - np.sum(a * g, axis=0, keepdims=True))


def leaky_relu(slope: float = 0.01) -> Activation:
    """z for z > 0, slope * z for z <= 0; its derivative is taken as slope at the kink."""
    return Activation("leaky_relu", lambda z: np.where(z > 0, z, slope * z),
                      lambda z, a, g: g * np.where(z > 0, 1.0, slope))


def elu(alpha: float = 1.0) -> Activation:
    """z for z > 0, alpha * (e^z - 1) for z <= 0; derivative alpha * e^z there (= a + alpha)."""
    return Activation("elu", lambda z: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))),
                      lambda z, a, g: g * np.where(z > 0, 1.0, a + alpha))


def _softplus(z: Array) -> Array:
    return np.logaddexp(0.0, z)  # log(1 + e^z) without overflow


def _swish_vjp(z: Array, a: Array, g: Array) -> Array:
    s = _sigmoid(z)  # swish'(z) = s + z s (1 - s) = s (1 + z (1 - s))
    return g * s * (1.0 + z * (1.0 - s))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, a, g: g * a * (1.0 - a)),
    "tanh": Activation("tanh", np.tanh, lambda z, a, g: g * (1.0 - a * a)),
    # relu'(z) is taken as 1 for z > 0 and 0 for z <= 0 (the subgradient 0 at the kink).
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a, g: g * (z > 0)),
    "identity": Activation("identity", lambda z: z.copy(), lambda z, a, g: g.copy()),
    # softmax normalises each column (axis 0), i.e. each sample separately.
    "softmax": Activation("softmax", _softmax, _softmax_vjp),
    "leaky_relu": leaky_relu(),
    "elu": elu(),
    "softplus": Activation("softplus", _softplus, lambda z, a, g: g * _sigmoid(z)),
    "swish": Activation("swish", lambda z: z * _sigmoid(z), _swish_vjp),
}


def activation_of(f: str | Activation) -> Activation:
    """An activation given by name (parameters at their defaults) or as itself."""
    if isinstance(f, Activation):
        return f
    if f not in ACTIVATIONS:
        raise ValueError(f"unknown activation {f!r}; known: {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[f]

# ---------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Loss:
    """value(a, y) is the loss summed over the samples (columns); grad(a, y) = d value / da.

    Per-sample losses (y and a of shape (n,) for one sample):
      mse_half             0.5 * sum((y - a)^2)
      mse_mean             mean((y - a)^2) over the n outputs of the sample
      cross_entropy        -sum(y * log(a))
      binary_cross_entropy -sum(y * log(a) + (1 - y) * log(1 - a))
    MLP(reduction="mean") divides by the batch size, so mse_mean with reduction="mean"
    is the mean over all entries of the batch.
    """

    name: str
    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]


LOSSES: dict[str, Loss] = {
    "mse_half": Loss("mse_half", lambda a, y: float(0.5 * np.sum((y - a) ** 2)), lambda a, y: a - y),
    "mse_mean": Loss("mse_mean", lambda a, y: float(np.sum((y - a) ** 2) / a.shape[0]),
                     lambda a, y: 2.0 * (a - y) / a.shape[0]),
    "cross_entropy": Loss("cross_entropy", lambda a, y: float(-np.sum(y * np.log(a))),
                          lambda a, y: -y / a),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        lambda a, y: float(-np.sum(y * np.log(a) + (1.0 - y) * np.log1p(-a))),
        lambda a, y: (a - y) / (a * (1.0 - a)),  # = -y/a + (1-y)/(1-a), over one denominator
    ),
}


def log_epsilon_loss(name: str, eps: float) -> Loss:
    """The cross-entropy loss `name` computed as course code often does, with log(a + eps)
    (and log(1 - a + eps)): its exact value and gradient, to recognise that epsilon."""
    if name == "cross_entropy":
        return Loss(f"{name}+eps", lambda a, y: float(-np.sum(y * np.log(a + eps))),
                    lambda a, y: -y / (a + eps))
    if name == "binary_cross_entropy":
        return Loss(f"{name}+eps",
                    lambda a, y: float(-np.sum(y * np.log(a + eps) + (1.0 - y) * np.log(1.0 - a + eps))),
                    lambda a, y: -y / (a + eps) + (1.0 - y) / (1.0 - a + eps))
    raise ValueError(f"no log in the loss {name!r}")

# ----------------------------------------------------------------------- MLP


@dataclass(frozen=True)
class Params:
    """W[l] has shape (n_l, n_{l-1}), b[l] shape (n_l,); index 0 is None in both."""

    W: tuple
    b: tuple


@dataclass(frozen=True)
class Trace:
    """Forward values: z[0] is None, a[0] = x."""

    z: tuple
    a: tuple


@dataclass(frozen=True)
class Grads:
    """delta[l] = dL/dz[l] and da[l] = dL/da[l] for l = 0..L (delta[0] is None, da[0] = dL/dx);
    dW[l], db[l] for l = 1..L (index 0 is None)."""

    delta: tuple
    da: tuple
    dW: tuple
    db: tuple


def _bias(b: Array, like: Array) -> Array:
    return b if like.ndim == 1 else b[:, None]  # a bias column, repeated for every sample


def _batch_size(x: Array) -> int:
    return 1 if np.ndim(x) == 1 else int(np.shape(x)[1])


@dataclass(frozen=True)
class MLP:
    """A fully connected network with per-layer activations and one loss."""

    widths: tuple[int, ...]
    activations: tuple[str | Activation, ...]  # a name, or e.g. leaky_relu(0.2)
    loss: str
    reduction: str = "sum"

    def __post_init__(self) -> None:
        if len(self.widths) < 2 or len(self.activations) != len(self.widths) - 1:
            raise ValueError("need widths (n0, ..., nL) and one activation per layer 1..L")
        for f in self.activations:
            activation_of(f)
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; known: {sorted(LOSSES)}")
        if self.reduction not in ("sum", "mean"):
            raise ValueError(f"reduction must be 'sum' or 'mean', not {self.reduction!r}")

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def _f(self, l: int) -> Activation:
        return activation_of(self.activations[l - 1])

    def _scale(self, batch: int) -> float:
        return 1.0 / batch if self.reduction == "mean" else 1.0

    def init_params(self, rng: np.random.Generator, scale: float = 1.0) -> Params:
        """W[l] and b[l] drawn from N(0, scale^2 / n_{l-1}) so activations stay O(1)."""
        W: list = [None]
        b: list = [None]
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            W.append(rng.standard_normal((n_out, n_in)) * scale / np.sqrt(n_in))
            b.append(rng.standard_normal(n_out) * scale / np.sqrt(n_in))
        return Params(tuple(W), tuple(b))

    def forward(self, params: Params, x: Array) -> Trace:
        a = np.asarray(x, dtype=np.float64)
        z_list: list = [None]
        a_list: list = [a]
        for l in range(1, self.depth + 1):
            z = params.W[l] @ a + _bias(params.b[l], a)
            a = self._f(l).forward(z)
            z_list.append(z)
            a_list.append(a)
        return Trace(tuple(z_list), tuple(a_list))

    def loss_value(self, params: Params, x: Array, y: Array, loss: Loss | None = None) -> float:
        """The loss (another Loss than the declared one if given, e.g. log_epsilon_loss)."""
        a_out = self.forward(params, x).a[-1]
        return self._loss_at_output(a_out, y, loss)

    def _loss_at_output(self, a_out: Array, y: Array, loss: Loss | None = None) -> float:
        y = np.asarray(y, dtype=np.float64)
        if y.shape != a_out.shape:
            raise ValueError(f"target shape {y.shape} != output shape {a_out.shape}")
        return (loss or LOSSES[self.loss]).value(a_out, y) * self._scale(_batch_size(a_out))

    def backward(self, params: Params, x: Array, y: Array,
                 vjps: Mapping[int, Callable[[Array, Array, Array], Array]] | None = None,
                 loss: Loss | None = None) -> Grads:
        """Backprop. vjps replaces layer l's dL/da -> dL/dz and loss the declared loss: the
        gradients a given mistake would produce (gradcheck's hints), with the same code."""
        t = self.forward(params, x)
        vjps = vjps or {}
        L = self.depth
        y = np.asarray(y, dtype=np.float64)
        delta: list = [None] * (L + 1)
        da: list = [None] * (L + 1)
        dW: list = [None] * (L + 1)
        db: list = [None] * (L + 1)
        da[L] = (loss or LOSSES[self.loss]).grad(t.a[L], y) * self._scale(_batch_size(x))
        for l in range(L, 0, -1):
            delta[l] = vjps.get(l, self._f(l).vjp)(t.z[l], t.a[l], da[l])
            a_prev = t.a[l - 1]
            # z = W a + b: dW collects delta a^T over samples; b is shared by all samples.
            dW[l] = np.outer(delta[l], a_prev) if a_prev.ndim == 1 else delta[l] @ a_prev.T
            db[l] = delta[l] if delta[l].ndim == 1 else delta[l].sum(axis=1)
            da[l - 1] = params.W[l].T @ delta[l]
        return Grads(tuple(delta), tuple(da), tuple(dW), tuple(db))

    def loss_from_layer(self, params: Params, l: int, z_l: Array, y: Array) -> float:
        """The loss as a function of z[l] alone (for l = 0, of the input a[0] = x)."""
        z_l = np.asarray(z_l, dtype=np.float64)
        a = z_l if l == 0 else self._f(l).forward(z_l)
        for k in range(l + 1, self.depth + 1):
            a = self._f(k).forward(params.W[k] @ a + _bias(params.b[k], a))
        return self._loss_at_output(a, y)


# ---------------------------------------------------------- finite differences

_CBRT_EPS = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)  # ~6e-6


def fd_step(x: float, eps: float | None = None) -> float:
    """Central-difference step for one float64 coordinate x.

    cbrt(machine eps) balances truncation error (~h^2) against rounding (~eps/h); scaling by
    max(1, |x|) keeps x + h distinct from x for large |x| and the step from underflowing for
    tiny |x|. The step is rounded so that x + h and x - h are exact: the divisor is the true step.
    """
    h = (_CBRT_EPS if eps is None else eps) * max(1.0, abs(float(x)))
    h = (float(x) + h) - float(x)
    if not h > 0.0:
        raise ValueError(f"finite-difference step vanishes at x = {x!r} (eps = {eps!r})")
    return h


def central_difference(f: Callable[[Array], float], x: Array, eps: float | None = None) -> Array:
    """Gradient of the scalar f at x by central differences, one coordinate at a time."""
    work = np.array(x, dtype=np.float64)  # a private copy: the caller's x is never touched
    grad = np.zeros_like(work)
    for i in np.ndindex(work.shape):
        old = work[i]
        h = fd_step(old, eps)
        work[i] = old + h
        f_plus = float(f(work))
        work[i] = old - h
        f_minus = float(f(work))
        work[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


@dataclass(frozen=True)
class DirectionalResult:
    """Worst of n_directions comparisons of (f(x+hv) - f(x-hv)) / 2h with grad . v."""

    max_abs_err: float
    max_rel_err: float
    numeric: float  # finite-difference directional derivative, worst direction
    analytic: float  # grad . v, worst direction
    n_directions: int

    def passed(self, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
        return self.max_abs_err <= atol or self.max_rel_err <= rtol


def _rel(a: float, b: float, floor: float = 1e-12) -> float:
    return abs(a - b) / max(abs(a), abs(b), floor)


def directional_check(f: Callable[[Array], float], grad: Array | Callable[[Array], Array], x: Array,
                      rng: np.random.Generator, n_directions: int = 20) -> DirectionalResult:
    """Check grad (an array, or a function of x) along random unit directions, as
    HIPS autograd's test_util does: two f evaluations per direction instead of two per entry."""
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(grad(x) if callable(grad) else grad, dtype=np.float64)
    h = _CBRT_EPS * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    worst = (-1.0, 0.0, 0.0, 0.0)  # (rel, abs, numeric, analytic)
    max_abs = 0.0
    for _ in range(n_directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        numeric = (float(f(x + h * v)) - float(f(x - h * v))) / (2.0 * h)
        analytic = float(np.sum(g * v))
        max_abs = max(max_abs, abs(numeric - analytic))
        rel = _rel(numeric, analytic)
        if rel > worst[0]:
            worst = (rel, abs(numeric - analytic), numeric, analytic)
    return DirectionalResult(max_abs, worst[0], worst[2], worst[3], n_directions)


@dataclass(frozen=True)
class FDConvergence:
    """Errors |FD_h - grad . v| at steps h, h/2, h/4.

    A correct gradient's error shrinks ~4x per halving (central differences are O(h^2)) or
    sits at rounding level; a wrong gradient's error plateaus at the size of the mistake.
    """

    steps: tuple[float, float, float]
    errors: tuple[float, float, float]
    noise: float  # rounding level of the differences at the smallest step

    @property
    def verdict(self) -> str:
        e0, e1, e2 = self.errors
        if e2 <= self.noise:
            return "at rounding level"
        if e0 >= 2.5 * e1 and e1 >= 2.5 * e2:
            return "converging"
        return "plateau" if e2 >= 0.5 * e0 else "unclear"

    @property
    def consistent(self) -> bool:
        return self.verdict in ("at rounding level", "converging")


def fd_convergence(f: Callable[[Array], float], grad: Array, x: Array, v: Array,
                   h: float | None = None) -> FDConvergence:
    """Directional finite differences along v at three halving steps (default h = 1e-3 scaled,
    large enough that truncation error, when present, dominates rounding)."""
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64) / np.linalg.norm(v)
    h0 = 1e-3 * max(1.0, float(np.max(np.abs(x), initial=0.0))) if h is None else h
    analytic = float(np.sum(np.asarray(grad, dtype=np.float64) * v))
    steps = (h0, h0 / 2, h0 / 4)
    errors = tuple(abs((float(f(x + s * v)) - float(f(x - s * v))) / (2 * s) - analytic) for s in steps)
    f_scale = max(1.0, abs(float(f(x))))
    noise = 100 * float(np.finfo(np.float64).eps) * f_scale / steps[-1]
    return FDConvergence(steps, errors, noise)  # type: ignore[arg-type]
