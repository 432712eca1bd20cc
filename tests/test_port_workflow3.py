"""Workflow 3's PyTorch model, ported by changing only the imports.

The course's digits classifier as its PyTorch code is written (an `nn.Module` subclass
with fc1..fc4, `x.view`, `torch.relu`, `nn.CrossEntropyLoss()`, `optim.SGD` over a
`DataLoader`, evaluation under `no_grad()`, accuracy from `argmax(dim=1)`) runs once with
PyTorch and once with tinygrad_lite, from the same source text, on scikit-learn's 8x8
digits. Both must land in the same accuracy band.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_lite as tl
from tests.optional import require

PYTORCH_IMPORTS = """
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset
"""

TINYGRAD_LITE_IMPORTS = """
import tinygrad_lite as torch
from tinygrad_lite import nn, optim
from tinygrad_lite.data import DataLoader, TensorDataset
"""

#: The course's code, as written for PyTorch (28*28 MNIST images become 8*8 digits).
COURSE_CODE = """
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8 * 8, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 32)
        self.fc4 = nn.Linear(32, 10)

    def forward(self, x):
        x = x.view(-1, 8 * 8)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        x = torch.relu(self.fc3(x))
        return self.fc4(x)


train_loader = DataLoader(
    TensorDataset(torch.tensor(X_train), torch.tensor(y_train)), batch_size=32, shuffle=True
)
test_loader = DataLoader(TensorDataset(torch.tensor(X_test), torch.tensor(y_test)), batch_size=64)

model = Net()
print(model)
loss = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.05)

for epoch in range(EPOCHS):
    train_loss = 0.0
    for images, labels in train_loader:
        optimizer.zero_grad()
        fit = loss(model(images), labels)
        fit.backward()
        optimizer.step()
        train_loss += fit.item()
    train_loss /= len(train_loader)

correct = 0
with torch.no_grad():
    for images, labels in test_loader:
        predicted = model(images).argmax(dim=1)
        correct += (predicted == labels).sum().item()
accuracy = correct / len(y_test)
"""

EPOCHS = 15


def digits() -> dict[str, Any]:
    """The 8x8 digits as (n, 1, 8, 8) images, standardised as course code normalises MNIST."""
    require("sklearn")
    from tinygrad_lite.data import StandardScaler, load_digits, train_test_split

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    images = {"X_train": X_train.reshape(-1, 1, 8, 8), "X_test": X_test.reshape(-1, 1, 8, 8)}
    return {**images, "y_train": y_train, "y_test": y_test, "EPOCHS": EPOCHS}


def run(imports: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "course", **digits()}
    exec(compile(imports + COURSE_CODE, "course", "exec"), namespace)
    return namespace


def test_the_same_code_reaches_the_same_accuracy_band_in_both() -> None:
    torch = require("torch")
    threads = torch.get_num_threads()
    dtype, our_dtype = torch.get_default_dtype(), tl.get_default_dtype()
    torch.set_num_threads(1)  # small matrices: threads only contend on a shared machine
    try:
        theirs = run(PYTORCH_IMPORTS)
        ours = run(TINYGRAD_LITE_IMPORTS)
    finally:  # the course code sets the default dtype: leave both libraries as they were
        torch.set_num_threads(threads)
        torch.set_default_dtype(dtype)
        tl.set_default_dtype(our_dtype)
    print(f"accuracy: torch {theirs['accuracy']:.4f}, tinygrad_lite {ours['accuracy']:.4f}")
    # Before training, ten classes give about 10%; both must learn the digits well.
    assert theirs["accuracy"] > 0.9
    assert ours["accuracy"] > 0.9
    assert abs(ours["accuracy"] - theirs["accuracy"]) < 0.05
    assert ours["train_loss"] < 0.5
    assert np.isfinite(ours["train_loss"])
    assert repr(ours["model"]) == repr(theirs["model"])  # print(model) reads the same
