"""End-to-end training: a digits classifier, and the 3-2-3 autoencoder against hand backprop."""

from __future__ import annotations

import time

import numpy as np

import tinygrad_lite.nn.functional as F
from tests.optional import require
from tinygrad_lite import no_grad
from tinygrad_lite.data import batches, make_correlated_gaussian, train_test_split
from tinygrad_lite.nn import Linear, ReLU, Sequential, Sigmoid
from tinygrad_lite.optim import SGD, Adam
from tinygrad_lite.tensor import Tensor


def test_digits_mlp_reaches_97_percent_quickly() -> None:
    require("sklearn")
    from tinygrad_lite.data import load_digits

    X, y = load_digits()
    assert X.shape == (1797, 64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    start = time.perf_counter()
    model = Sequential(
        Linear(64, 128, init="he", seed=0), ReLU(), Linear(128, 10, init="xavier", seed=1)
    )
    opt = Adam(model.parameters(), lr=2e-3)
    order = np.random.default_rng(0)
    with no_grad():
        before = (model(Tensor(X_test)).data.argmax(axis=1) == y_test).mean()
    for _ in range(30):
        for xb, yb in batches(X_train, y_train, batch_size=32, seed=order):
            loss = F.cross_entropy(model(Tensor(xb)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with no_grad():
        accuracy = (model(Tensor(X_test)).data.argmax(axis=1) == y_test).mean()
    elapsed = time.perf_counter() - start
    assert before < 0.3  # untrained: near chance, so the accuracy below is learned
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f}"
    assert elapsed < 30.0, f"training took {elapsed:.1f} s"  # typically well under 2 s


# --- workflow 2: the 3-2-3 autoencoder ------------------------------------------------------

EPOCHS = 5  # the workflow runs 100; 5 keep the test fast and already show the curves agree
LR = 0.03


def autoencoder_data() -> tuple[np.ndarray, np.ndarray]:
    """1000 points, 3-D Gaussian with covariance 0.8 (seed 43), min-max scaled, 800/200."""
    X = make_correlated_gaussian(1000, 3, 0.8, seed=43)
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    return X[:800], X[800:]


def numpy_autoencoder(
    W1: np.ndarray, W2: np.ndarray, train: np.ndarray, test: np.ndarray
) -> tuple[list[float], list[float], list[float]]:
    """Per-sample SGD with backprop written out by hand.

    h = sigmoid(x W1 + b1), o = sigmoid(h W2 + b2), L = sum((o - x)**2).
    """
    W1, W2 = W1.copy(), W2.copy()
    b1, b2 = np.zeros(W1.shape[1]), np.zeros(W2.shape[1])

    def sig(z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-z))

    def mean_loss(X: np.ndarray) -> float:
        out = sig(sig(X @ W1 + b1) @ W2 + b2)
        return float(((out - X) ** 2).sum(axis=1).mean())

    step_losses, train_curve, test_curve = [], [], []
    for _ in range(EPOCHS):
        for x in train:
            h = sig(x @ W1 + b1)
            o = sig(h @ W2 + b2)
            step_losses.append(float(((o - x) ** 2).sum()))
            d_o = 2.0 * (o - x) * o * (1.0 - o)  # dL/d(pre-activation of o)
            d_h = (W2 @ d_o) * h * (1.0 - h)
            W2 -= LR * np.outer(h, d_o)
            b2 -= LR * d_o
            W1 -= LR * np.outer(x, d_h)
            b1 -= LR * d_h
        train_curve.append(mean_loss(train))
        test_curve.append(mean_loss(test))
    return step_losses, train_curve, test_curve


def test_autoencoder_autodiff_equals_hand_backprop() -> None:
    train, test = autoencoder_data()
    encoder, decoder = Linear(3, 2, seed=0), Linear(2, 3, seed=1)
    model = Sequential(encoder, Sigmoid(), decoder, Sigmoid())
    expected = numpy_autoencoder(encoder.weight.data, decoder.weight.data, train, test)
    opt = SGD(model.parameters(), lr=LR)

    def mean_loss(X: np.ndarray) -> float:
        with no_grad():
            return F.mse_loss(model(Tensor(X)), Tensor(X), reduction="sum").item() / len(X)

    step_losses, train_curve, test_curve = [], [], []
    for _ in range(EPOCHS):
        for x in train:
            row = Tensor(x[None, :])
            loss = F.mse_loss(model(row), row, reduction="sum")
            opt.zero_grad()
            loss.backward()
            opt.step()
            step_losses.append(loss.item())
        train_curve.append(mean_loss(train))
        test_curve.append(mean_loss(test))
    np.testing.assert_allclose(step_losses, expected[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(train_curve, expected[1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(test_curve, expected[2], rtol=0, atol=1e-10)
    assert np.all(np.diff(train_curve) < 0)  # and it is learning
