"""PLANTED BUG: step() uses the sigmoid slope for a tanh layer.

A course file that loads its data, imports a progress bar and plots at import time (written
for bpcheck's examples). The data file does not exist: the adapter stubs numpy.load, tqdm and
matplotlib, so importing it only defines TinyNet (a stubbed loop runs zero times)."""
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm


class TinyNet:
    def __init__(self, n_in=3, n_out=2, seed=0):
        rng = np.random.default_rng(seed)
        self.W = rng.standard_normal((n_out, n_in))
        self.b = np.zeros(n_out)

    def loss(self, x, y):  # rows are samples; tanh output, half squared error
        return 0.5 * float(np.sum((np.tanh(x @ self.W.T + self.b) - y) ** 2))

    def step(self, x, y, lr=0.1):
        a = np.tanh(x @ self.W.T + self.b)
        delta = (a - y) * a * (1 - a)  # planted bug: the sigmoid slope in a tanh layer
        self.W -= lr * delta.T @ x
        self.b -= lr * delta.sum(axis=0)


data = np.load("digits_never_shipped.npz")
X, Y = data["x"] / 255.0, data["y"]
net = TinyNet()
for epoch in tqdm(range(100)):
    net.step(X, Y)
plt.plot(net.W)
plt.show()
