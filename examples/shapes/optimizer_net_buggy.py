"""PLANTED BUG: the gradient of W1 is the product in the wrong order (d_hidden.T @ X).

A two-layer classifier whose backward() hands each gradient to an optimizer object instead of
returning it (written for bpcheck's examples): after net.backward(X, Y) the gradient of
params[name] is in net.optimizer.grads[name], and net.optimizer.step(net.params) applies them.
Samples are rows; a tanh hidden layer, a softmax output and the mean cross-entropy."""
import numpy as np


class GradientDescent:
    def __init__(self, lr=0.1):
        self.lr = lr
        self.grads = {}

    def store(self, name, grad):
        self.grads[name] = grad

    def step(self, params):
        for name, grad in self.grads.items():
            params[name] -= self.lr * grad


class SoftmaxClassifier:
    def __init__(self, n_in, n_hidden, n_classes, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": rng.standard_normal((n_in, n_hidden)) * 0.5,
            "b1": np.zeros(n_hidden),
            "W2": rng.standard_normal((n_hidden, n_classes)) * 0.5,
            "b2": np.zeros(n_classes),
        }
        self.optimizer = GradientDescent()

    def forward(self, X):
        p = self.params
        self.hidden = np.tanh(X @ p["W1"] + p["b1"])
        scores = self.hidden @ p["W2"] + p["b2"]
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, X, Y):
        return -np.sum(Y * np.log(self.forward(X))) / len(X)

    def backward(self, X, Y):
        d_scores = (self.forward(X) - Y) / len(X)
        self.optimizer.store("W2", self.hidden.T @ d_scores)
        self.optimizer.store("b2", d_scores.sum(axis=0))
        d_hidden = (d_scores @ self.params["W2"].T) * (1 - self.hidden ** 2)
        self.optimizer.store("W1", d_hidden.T @ X)  # planted bug: the product in the wrong order
        self.optimizer.store("b1", d_hidden.sum(axis=0))
