"""A textbook-style network (written for bpcheck's examples): parameters are lists of arrays,
one per layer; backprop(x, y) returns (bias gradients, weight gradients) as two lists, and
update_mini_batch(batch, eta) takes one averaged SGD step. The cost is a class passed in."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_slope(z):
    s = sigmoid(z)
    return s * (1.0 - s)


class SquaredCost:
    @staticmethod
    def value(a, y):
        return 0.5 * float(np.sum((a - y) ** 2))

    @staticmethod
    def output_error(z, a, y):
        return (a - y) * sigmoid_slope(z)


class CrossEntropyCost:
    @staticmethod
    def value(a, y):
        return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))

    @staticmethod
    def output_error(z, a, y):
        return a - y


class Network:
    def __init__(self, sizes, cost=SquaredCost, seed=1):
        rng = np.random.default_rng(seed)
        self.sizes, self.cost = sizes, cost
        self.biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
        self.weights = [rng.standard_normal((m, n)) for n, m in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(w @ a + b)
        return a

    def total_cost(self, pairs):
        return sum(self.cost.value(self.feedforward(x), y) for x, y in pairs)

    def backprop(self, x, y):
        grad_b = [np.zeros(b.shape) for b in self.biases]
        grad_w = [np.zeros(w.shape) for w in self.weights]
        a, acts, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            zs.append(w @ a + b)
            a = sigmoid(zs[-1])
            acts.append(a)
        delta = self.cost.output_error(zs[-1], acts[-1], y)
        grad_b[-1], grad_w[-1] = delta, delta @ acts[-2].T
        for k in range(2, len(self.sizes)):
            delta = (self.weights[-k + 1].T @ delta) * sigmoid_slope(zs[-k])
            grad_b[-k], grad_w[-k] = delta, delta @ acts[-k - 1].T
        return grad_b, grad_w

    def update_mini_batch(self, batch, eta):
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in batch:
            gb, gw = self.backprop(x, y)
            sum_b = [s + g for s, g in zip(sum_b, gb)]
            sum_w = [s + g for s, g in zip(sum_w, gw)]
        self.weights = [w - (eta / len(batch)) * g for w, g in zip(self.weights, sum_w)]
        self.biases = [b - (eta / len(batch)) * g for b, g in zip(self.biases, sum_b)]
