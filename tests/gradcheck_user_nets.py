"""A hand-written course-style network for the gradcheck architecture and hint tests: its own
activations, derivatives, losses and parameter layouts (columns or rows, biases separate,
absent or folded into W), written independently of bpcheck's reference, with planted mistakes."""
from __future__ import annotations

import numpy as np

from bpcheck.gradcheck import Architecture, gradcheck_arrays


def _sig(z):
    return 1 / (1 + np.exp(-z))


# name -> (f, f'), written independently of bpcheck.reference
ACTS = {
    "leaky_relu(0.2)": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2)),
    "elu(alpha=1.5)": (lambda z: np.where(z > 0, z, 1.5 * (np.exp(np.minimum(z, 0)) - 1)),
                       lambda z: np.where(z > 0, 1.0, 1.5 * np.exp(np.minimum(z, 0)))),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log1p(np.exp(z)), _sig),
    "swish": (lambda z: z * _sig(z), lambda z: _sig(z) * (1 + z * (1 - _sig(z)))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (_sig, lambda z: _sig(z) * (1 - _sig(z))),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "identity": (lambda z: z, np.ones_like),
}
# (output activation, loss): the loss's own value and dL/dz at the output, per sample column
HEADS = {
    ("identity", "mse_half"): (lambda a, y: 0.5 * np.sum((a - y) ** 2), lambda a, y: a - y),
    ("sigmoid", "mse_mean"): (lambda a, y: np.sum((a - y) ** 2) / len(a),
                              lambda a, y: 2 * (a - y) / len(a) * a * (1 - a)),
    ("sigmoid", "binary_cross_entropy"): (lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
                                          lambda a, y: a - y),
    ("softmax", "cross_entropy"): (lambda a, y: -np.sum(y * np.log(a)), lambda a, y: a - y),
}
STORAGES = ("plain", "no_bias", "folded_last", "folded_first",
            "plain_T", "no_bias_T", "folded_last_T", "folded_first_T")


def _out(head, z):
    if head == "softmax":
        e = np.exp(z - z.max(axis=0))
        return e / e.sum(axis=0)
    return ACTS[head][0](z)


class UserNet:
    """A course-style network whose parameters are stored as `storage` says; forward and
    backward work in that storage directly (rows = samples for the _T storages)."""

    def __init__(self, widths, hidden, head, storage, seed=0, batch=3, scale=1.0):
        self.widths, self.hidden, self.head, self.storage = widths, hidden, head, storage
        rng = np.random.default_rng(seed)
        self.rows = storage.endswith("_T")
        self.fold = storage.split("_")[1] if storage.startswith("folded") else None
        self.bias = storage.startswith("plain")
        self.params = {}
        for l in range(1, len(widths)):
            n_in = widths[l - 1] + (1 if self.fold else 0)
            shape = (n_in, widths[l]) if self.rows else (widths[l], n_in)
            self.params[f"W{l}"] = rng.standard_normal(shape) * scale / np.sqrt(n_in)
            if self.bias:
                self.params[f"b{l}"] = rng.standard_normal((1, widths[l]) if self.rows else (widths[l], 1))
        self.x = rng.standard_normal((widths[0], batch))
        if head[1] == "cross_entropy":
            self.y = np.eye(widths[-1])[:, rng.integers(widths[-1], size=batch)]
        else:
            self.y = rng.uniform(0.1, 0.9, (widths[-1], batch))

    def mapping(self):
        out = {}
        for l in range(1, len(self.widths)):
            t = ".T" if self.rows else ""
            w = {None: f"W[{l}]", "last": f"[W[{l}], b[{l}]]", "first": f"[b[{l}], W[{l}]]"}[self.fold]
            out[f"W{l}"] = w + t
            if self.bias:
                out[f"b{l}"] = f"b[{l}]"
        return out

    # everything below is in the user's own orientation: columns, or rows (_T)
    def _augment(self, a):
        if not self.fold:
            return a
        ones = np.ones((1, a.shape[1])) if not self.rows else np.ones((a.shape[0], 1))
        parts = [a, ones] if self.fold == "last" else [ones, a]
        return np.hstack(parts) if self.rows else np.vstack(parts)

    def _weights(self, W):  # W without its bias row/column, for the backward pass
        if not self.fold:
            return W
        cut = slice(None, -1) if self.fold == "last" else slice(1, None)
        return W[cut] if self.rows else W[:, cut]

    def forward(self, p):
        a = self.x.T if self.rows else self.x
        zs, inputs = [], []
        L = len(self.widths) - 1
        for l in range(1, L + 1):
            a_in = self._augment(a)
            W = p[f"W{l}"]
            z = a_in @ W if self.rows else W @ a_in
            if self.bias:
                z = z + p[f"b{l}"]
            zs.append(z)
            inputs.append(a_in)
            f = self.hidden[l - 1] if l < L else self.head[0]
            a = _out(f, z.T).T if self.rows and f == "softmax" else _out(f, z)
        return zs, inputs, a

    def loss(self, p, reduction, eps=0.0):
        a = self.forward(p)[2]
        a = a.T if self.rows else a
        if eps and self.head[1] == "binary_cross_entropy":  # log(p + eps) and log(1 - p + eps)
            value = -np.sum(self.y * np.log(a + eps) + (1 - self.y) * np.log(1 - a + eps))
        else:
            value = HEADS[self.head][0](a + eps, self.y)
        return value / self.y.shape[1] if reduction == "mean" else value

    def _output_delta(self, a, y, mistake):
        """dL/dz at the output, columns; mistake "softmax_diag": dL/da times a (1 - a)."""
        if mistake == ("softmax_diag",):
            g = -y / a if self.head[1] == "cross_entropy" else a - y
            return g * a * (1 - a)
        return HEADS[self.head][1](a, y)

    def grads(self, p, reduction, mistake=None):
        """mistake: ("missing", l) drops hidden layer l's f'; ("deriv", l, name) uses name's f'
        there (l = 0: in every hidden layer); ("swap", l) the outer product of W_l in the wrong order; ("scale", name, c);
        ("softmax_diag",); "double" is ("scale", "W<L>", 2)."""
        zs, inputs, a = self.forward(p)
        L = len(self.widths) - 1
        mistake = ("scale", f"W{L}", 2.0) if mistake == "double" else mistake
        delta = self._output_delta(a.T, self.y, mistake).T if self.rows else self._output_delta(a, self.y, mistake)
        delta = delta / self.y.shape[1] if reduction == "mean" else delta
        out = {}
        for l in range(L, 0, -1):
            a_in = inputs[l - 1]
            out[f"W{l}"] = a_in.T @ delta if self.rows else delta @ a_in.T
            if mistake == ("swap", l):
                out[f"W{l}"] = out[f"W{l}"].T
            if self.bias:
                out[f"b{l}"] = delta.sum(axis=0 if self.rows else 1, keepdims=True)
            if l > 1:
                W = self._weights(p[f"W{l}"])
                g = delta @ W.T if self.rows else W.T @ delta
                act = self.hidden[l - 2]
                if mistake and mistake[0] == "deriv" and mistake[1] in (l - 1, 0):  # 0: every layer
                    act = mistake[2]
                delta = g if mistake == ("missing", l - 1) else g * ACTS[act][1](zs[l - 2])
        if mistake and mistake[0] == "scale":
            out[mistake[1]] = mistake[2] * out[mistake[1]]
        return out

    def architecture(self, reduction, symbolic=False):
        return Architecture(self.widths, tuple(self.hidden) + (self.head[0],), self.head[1],
                            self.x, self.y, self.mapping(), reduction, symbolic)

    def check(self, reduction, mistake=None, symbolic=False, eps=0.0, rtol=1e-5):
        return gradcheck_arrays(lambda p: self.loss(p, reduction, eps), self.params,
                                lambda p: self.grads(p, reduction, mistake),
                                architecture=self.architecture(reduction, symbolic), rtol=rtol)


