"""A course-style NumPy network: 2-3-3-1, sigmoid everywhere, squared loss, gradient descent.

Written for bpcheck's examples, in the style many ML courses use: column vectors (one sample
per column), parameters as attributes, a hand-written backward() that returns the gradients.
Check it with:

    bpcheck gradcheck examples/course_net.py:CourseNet --adapter examples/course_net.toml
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class CourseNet:
    def __init__(self, sizes=(2, 3, 3, 1), seed=0):
        rng = np.random.default_rng(seed)
        n0, n1, n2, n3 = sizes
        self.W1, self.b1 = rng.standard_normal((n1, n0)), rng.standard_normal((n1, 1))
        self.W2, self.b2 = rng.standard_normal((n2, n1)), rng.standard_normal((n2, 1))
        self.W3, self.b3 = rng.standard_normal((n3, n2)), rng.standard_normal((n3, 1))

    def forward(self, X):
        """X has one sample per column; keeps the activations for backward()."""
        self.A0 = X
        self.A1 = sigmoid(self.W1 @ X + self.b1)
        self.A2 = sigmoid(self.W2 @ self.A1 + self.b2)
        self.A3 = sigmoid(self.W3 @ self.A2 + self.b3)
        return self.A3

    def loss(self, X, Y):
        """L = 1/2 * sum over samples and outputs of (A3 - Y)^2."""
        return 0.5 * np.sum((self.forward(X) - Y) ** 2)

    def backward(self, X, Y):
        """Gradients of loss(X, Y) with respect to every parameter, by the chain rule."""
        self.forward(X)
        dZ3 = (self.A3 - Y) * self.A3 * (1 - self.A3)  # sigma'(z) = a (1 - a)
        dZ2 = (self.W3.T @ dZ3) * self.A2 * (1 - self.A2)
        dZ1 = (self.W2.T @ dZ2) * self.A1 * (1 - self.A1)
        return {
            "W3": dZ3 @ self.A2.T, "b3": dZ3.sum(axis=1, keepdims=True),
            "W2": dZ2 @ self.A1.T, "b2": dZ2.sum(axis=1, keepdims=True),
            "W1": dZ1 @ self.A0.T, "b1": dZ1.sum(axis=1, keepdims=True),
        }

    def train_step(self, X, Y, lr=1.0):
        grads = self.backward(X, Y)
        for name, grad in grads.items():
            setattr(self, name, getattr(self, name) - lr * grad)
        return self.loss(X, Y)


if __name__ == "__main__":
    # XOR, the classic: four samples, one per column.
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    net = CourseNet(seed=1)
    for epoch in range(5001):
        loss = net.train_step(X, Y, lr=2.0)
        if epoch % 1000 == 0:
            print(f"epoch {epoch:5d}  loss {loss:.4f}")
    print("predictions:", np.round(net.forward(X), 2))
