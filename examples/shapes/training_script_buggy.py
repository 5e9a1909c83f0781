"""PLANTED BUG: the hidden layer's delta lacks the sigmoid slope a1 (1 - a1).

A course script (written for bpcheck's examples): at import time it loads its data from a
CSV file that is not shipped, trains a small sigmoid network, then asks for inputs in an
input() loop. It has no loss function (the loss is printed inside the training loop).

The adapter runs only its definitions ([module] run = "definitions": the imports, the
constants, sigmoid and XorNet) and takes the loss from the declared architecture."""
import numpy as np

HIDDEN = 4
LEARNING_RATE = 0.8
EPOCHS = 3000


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class XorNet:
    def __init__(self, n_hidden=HIDDEN, seed=3):
        rng = np.random.default_rng(seed)
        self.W1 = rng.uniform(-1, 1, (n_hidden, 2))
        self.b1 = np.zeros((n_hidden, 1))
        self.W2 = rng.uniform(-1, 1, (1, n_hidden))
        self.b2 = np.zeros((1, 1))

    def forward(self, X):
        self.a1 = sigmoid(self.W1 @ X + self.b1)
        self.a2 = sigmoid(self.W2 @ self.a1 + self.b2)
        return self.a2

    def backward(self, X, Y):
        out = self.forward(X)
        d2 = (out - Y) * out * (1 - out)
        d1 = self.W2.T @ d2  # planted bug: the sigmoid slope of the hidden layer is missing
        return {"W2": d2 @ self.a1.T, "b2": d2.sum(axis=1, keepdims=True),
                "W1": d1 @ X.T, "b1": d1.sum(axis=1, keepdims=True)}


table = np.loadtxt("xor.csv", delimiter=",")
X, Y = table[:, :2].T, table[:, 2:].T
net = XorNet()
for epoch in range(EPOCHS):
    grads = net.backward(X, Y)
    for name, grad in grads.items():
        setattr(net, name, getattr(net, name) - LEARNING_RATE * grad)
    if epoch % 500 == 0:
        print(epoch, 0.5 * np.sum((net.forward(X) - Y) ** 2))

while True:
    line = input("two inputs (empty line to quit): ")
    if not line:
        break
    print(net.forward(np.array(line.split(), dtype=float).reshape(2, 1)))
