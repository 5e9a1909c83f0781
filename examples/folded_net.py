"""A course-style NumPy network with each bias folded into its weight matrix: 2-4-4-1, leaky
ReLU (slope 0.1) in the hidden layers, a sigmoid output and the mean binary cross-entropy.

Each layer's input gets a leading row of ones (x0 = 1), so the first column of each Theta is
that layer's bias. Check it with:

    bpcheck gradcheck examples/folded_net.py:FoldedNet --adapter examples/folded_net.toml
"""

import numpy as np

SLOPE = 0.1


def with_ones(A):
    """A with a row of ones on top: the constant input that multiplies the bias column."""
    return np.vstack([np.ones((1, A.shape[1])), A])


class FoldedNet:
    def __init__(self, sizes=(2, 4, 4, 1), seed=0):
        rng = np.random.default_rng(seed)
        self.Theta = [rng.standard_normal((n_out, n_in + 1)) / np.sqrt(n_in + 1)
                      for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def forward(self, X):
        """X has one sample per column; returns the inputs (with their ones) and the z's."""
        inputs, zs, A = [], [], X
        for l, Theta in enumerate(self.Theta):
            inputs.append(with_ones(A))
            zs.append(Theta @ inputs[-1])
            last = l == len(self.Theta) - 1
            A = 1 / (1 + np.exp(-zs[-1])) if last else np.where(zs[-1] > 0, zs[-1], SLOPE * zs[-1])
        return inputs, zs, A

    def cost(self, X, Y):
        P = self.forward(X)[2]
        return -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P))

    def gradients(self, X, Y):
        inputs, zs, P = self.forward(X)
        D = (P - Y) / X.shape[1]  # sigmoid with cross-entropy: dJ/dz = P - Y, averaged
        grads = [None] * len(self.Theta)
        for l in range(len(self.Theta) - 1, -1, -1):
            grads[l] = D @ inputs[l].T
            if l > 0:  # back through the weights (not the bias column) and the leaky ReLU
                D = (self.Theta[l][:, 1:].T @ D) * np.where(zs[l - 1] > 0, 1.0, SLOPE)
        return grads
