"""NumPy reference for 2-D convolution and pooling (single channel, stride 1 / k).

Same rules as bpcheck.reference: pure NumPy, no sympy, no other bpcheck module; each
backward beside its forward. Arrays are 2-D (height, width); G is always dL/d(output).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _out_shape(x: Array, K: Array) -> tuple[int, int]:
    ok = x.ndim == 2 and K.ndim == 2
    oh, ow = (x.shape[0] - K.shape[0] + 1, x.shape[1] - K.shape[1] + 1) if ok else (0, 0)
    if oh < 1 or ow < 1:
        raise ValueError(f"need 2-D x at least as large as 2-D K, got {x.shape} and {K.shape}")
    return oh, ow


def conv2d(x: Array, K: Array) -> Array:
    """Valid cross-correlation: out[i, j] = sum_{p,q} K[p, q] * x[i + p, j + q]."""
    x, K = np.asarray(x, dtype=np.float64), np.asarray(K, dtype=np.float64)
    oh, ow = _out_shape(x, K)
    out = np.zeros((oh, ow))
    for p, q in np.ndindex(K.shape):  # one shifted copy of x per kernel entry
        out += K[p, q] * x[p : p + oh, q : q + ow]
    return out


def conv2d_backward(x: Array, K: Array, G: Array) -> tuple[Array, Array]:
    """(dL/dx, dL/dK). Each kernel entry K[p, q] met the window x[p:p+oh, q:q+ow], so
    dK[p, q] = sum(G * window) and that window receives K[p, q] * G (a "full" convolution)."""
    x, K, G = (np.asarray(t, dtype=np.float64) for t in (x, K, G))
    oh, ow = _out_shape(x, K)
    if G.shape != (oh, ow):
        raise ValueError(f"G has shape {G.shape}, the output has {(oh, ow)}")
    dx, dK = np.zeros_like(x), np.zeros_like(K)
    for p, q in np.ndindex(K.shape):
        dK[p, q] = np.sum(G * x[p : p + oh, q : q + ow])
        dx[p : p + oh, q : q + ow] += K[p, q] * G
    return dx, dK


def _windows(x: Array, k: int) -> Array:
    """View x as (H/k, W/k, k*k): one row-major flattened k x k window per output pixel."""
    x = np.asarray(x, dtype=np.float64)
    H, W = x.shape
    if k < 1 or H % k or W % k:
        raise ValueError(f"pooling needs x dims divisible by k, got {x.shape} and k = {k}")
    return x.reshape(H // k, k, W // k, k).transpose(0, 2, 1, 3).reshape(H // k, W // k, k * k)


def _unwindows(w: Array, k: int) -> Array:
    """Inverse of _windows."""
    h, v = w.shape[:2]
    return w.reshape(h, v, k, k).transpose(0, 2, 1, 3).reshape(h * k, v * k)


def maxpool2d(x: Array, k: int) -> Array:
    return _windows(x, k).max(axis=2)


def maxpool2d_backward(x: Array, k: int, G: Array) -> Array:
    """Only the maximum of each window influenced the output, so it alone gets G.
    Ties go to the first maximum in row-major order (np.argmax picks the first)."""
    w = _windows(x, k)
    dw = np.zeros_like(w)
    first_max = w.argmax(axis=2)[..., None]
    np.put_along_axis(dw, first_max, np.asarray(G, dtype=np.float64)[..., None], axis=2)
    return _unwindows(dw, k)


def meanpool2d(x: Array, k: int) -> Array:
    return _windows(x, k).mean(axis=2)


def meanpool2d_backward(x: Array, k: int, G: Array) -> Array:
    """Every pixel of a window counts 1/k^2 in its mean, so each gets G / k^2."""
    _windows(x, k)  # validates the shape
    G = np.asarray(G, dtype=np.float64)
    return np.repeat(np.repeat(G, k, axis=0), k, axis=1) / (k * k)
