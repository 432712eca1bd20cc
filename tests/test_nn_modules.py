"""nn modules as PyTorch names them: losses, LeakyReLU / Softmax / LogSoftmax / Dropout,
train() / eval(), PyTorch-style subclasses and printing; all checked against torch.nn."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tl
from tests.optional import require
from tinygrad_lite import Tensor
from tinygrad_lite.errors import DomainError
from tinygrad_lite.nn import (
    MLP,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    L1Loss,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Module,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from tinygrad_lite.nn import functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 0])
PRED = RNG.standard_normal((6, 3))
TARGET = RNG.standard_normal((6, 3))
PROBS = 1.0 / (1.0 + np.exp(-PRED))
BITS = (RNG.random((6, 3)) > 0.5).astype(float)

# --- losses against torch ------------------------------------------------------------------

LOSSES = [
    ("MSELoss", MSELoss, PRED, TARGET),
    ("L1Loss", L1Loss, PRED, TARGET),
    ("CrossEntropyLoss", CrossEntropyLoss, LOGITS, LABELS),
    ("BCELoss", BCELoss, PROBS, BITS),
    ("BCEWithLogitsLoss", BCEWithLogitsLoss, PRED, BITS),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("name", "ours", "x", "target"), LOSSES, ids=[c[0] for c in LOSSES])
def test_loss_modules_match_torch(
    name: str, ours: Any, x: np.ndarray, target: np.ndarray, reduction: str
) -> None:
    torch = require("torch")
    t_x = torch.tensor(x, requires_grad=True)
    t_target = torch.from_numpy(target)
    t_loss = getattr(torch.nn, name)(reduction=reduction)(t_x, t_target)
    upstream = RNG.standard_normal(tuple(t_loss.shape))
    t_loss.backward(torch.from_numpy(upstream))
    x_t = Tensor(x, requires_grad=True)
    loss = ours(reduction=reduction)(x_t, target)
    np.testing.assert_allclose(loss.data, t_loss.detach().numpy(), rtol=1e-12, atol=1e-14)
    loss.backward(upstream)
    np.testing.assert_allclose(x_t.grad, t_x.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_with_class_probabilities_matches_torch() -> None:
    torch = require("torch")
    probs = np.exp(TARGET[:, :3]) / np.exp(TARGET[:, :3]).sum(axis=1, keepdims=True)
    z = LOGITS[:, :3]
    t_z, t_p = torch.tensor(z, requires_grad=True), torch.tensor(probs, requires_grad=True)
    torch.nn.CrossEntropyLoss()(t_z, t_p).backward()
    z_t, p_t = Tensor(z, requires_grad=True), Tensor(probs, requires_grad=True)
    loss = CrossEntropyLoss()(z_t, p_t)
    loss.backward()
    assert loss.item() == pytest.approx(torch.nn.CrossEntropyLoss()(t_z, t_p).item(), rel=1e-12)
    np.testing.assert_allclose(z_t.grad, t_z.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(p_t.grad, t_p.grad.numpy(), rtol=1e-10)


def test_cross_entropy_float_labels_are_named() -> None:
    loss = CrossEntropyLoss()
    with pytest.raises(
        TypeError, match=r"integer class indices, got an array of dtype float64.*astype\(int\)"
    ):
        loss(Tensor(LOGITS), LABELS.astype(float))
    with pytest.raises(TypeError, match=r"got a Tensor of dtype float64.*\.long\(\)"):
        loss(Tensor(LOGITS), Tensor(LABELS))  # Tensor(...) holds floats, as torch.Tensor
    assert loss(Tensor(LOGITS), tl.tensor(LABELS)).item() > 0  # tl.tensor keeps int64
    with pytest.raises(ValueError, match=r"labels of shape \(6,\), got shape \(6, 3\)"):
        loss(Tensor(LOGITS), np.zeros((6, 3)))


def test_loss_module_reduction_is_checked_when_made() -> None:
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be one of .*'average'"):
        MSELoss(reduction="average")


@pytest.mark.parametrize("edge", [0.0, 1.0])
def test_bce_at_exactly_0_or_1_suggests_the_logits_form(edge: float) -> None:
    probs = PROBS.copy()
    probs[2, 1] = edge
    with pytest.raises(DomainError, match=r"probability .* at index \(2, 1\).*with_logits"):
        BCELoss()(Tensor(probs), BITS)
    with pytest.raises(DomainError, match="BCEWithLogitsLoss"):
        F.binary_cross_entropy(Tensor(probs), BITS)


# --- activations and dropout -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: LeakyReLU(), lambda nn: nn.LeakyReLU()),
        (lambda: LeakyReLU(0.2), lambda nn: nn.LeakyReLU(0.2)),
        (lambda: Softmax(dim=1), lambda nn: nn.Softmax(dim=1)),
        (lambda: Softmax(dim=0), lambda nn: nn.Softmax(dim=0)),
        (lambda: LogSoftmax(dim=1), lambda nn: nn.LogSoftmax(dim=1)),
        (lambda: LogSoftmax(dim=-2), lambda nn: nn.LogSoftmax(dim=-2)),
    ],
)
def test_activation_modules_match_torch(ours: Any, theirs: Any) -> None:
    torch = require("torch")
    x = LOGITS.copy()
    x[0, :2] = 0.0  # the kink of LeakyReLU: torch's slope there is negative_slope
    t_x = torch.tensor(x, requires_grad=True)
    t_out = theirs(torch.nn)(t_x)
    upstream = RNG.standard_normal(x.shape)
    t_out.backward(torch.from_numpy(upstream))
    x_t = Tensor(x, requires_grad=True)
    out = ours()(x_t)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(x_t.grad, t_x.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_needs_its_dim() -> None:
    with pytest.raises(TypeError, match=r"Softmax needs the axis.*Softmax\(dim=1\)"):
        Softmax()
    with pytest.raises(TypeError, match="LogSoftmax: dim must be an int"):
        LogSoftmax(dim=1.0)  # type: ignore[arg-type]


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest() -> None:
    tl.manual_seed(0)
    drop = Dropout(0.25)
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    out = drop(x)
    kept = out.data != 0
    # 20000 draws: the zeroed fraction is within 1% of p (more than 3 standard deviations).
    assert abs((~kept).mean() - 0.25) < 0.01
    np.testing.assert_allclose(out.data[kept], 1.0 / 0.75)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the gradient is the same mask
    tl.manual_seed(0)
    np.testing.assert_array_equal(Dropout(0.25)(x).data, out.data)  # manual_seed repeats it


def test_dropout_in_eval_mode_and_at_the_ends() -> None:
    x = Tensor(RNG.standard_normal((3, 4)))
    assert Dropout(0.5).eval()(x) is x
    assert Dropout(0.0)(x) is x
    np.testing.assert_array_equal(Dropout(1.0)(x).data, np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"Dropout: p must lie in \[0, 1\], got 1.5"):
        Dropout(1.5)
    with pytest.raises(TypeError, match="p must be a probability"):
        Dropout("half")  # type: ignore[arg-type]


# --- modules written as in PyTorch ---------------------------------------------------------


class Net(Module):
    """Workflow 3's model, written as the course writes it for PyTorch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = Linear(64, 32)
        self.fc2 = Linear(32, 16)
        self.drop = Dropout(0.2)
        self.head = Sequential(Linear(16, 10), LogSoftmax(dim=1))

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(self.fc1(x).relu())
        return self.head(self.fc2(x).relu())


def test_train_and_eval_reach_every_child_and_return_self() -> None:
    net = Net()
    modules = [net, net.fc1, net.fc2, net.drop, net.head, net.head[0], net.head[1]]
    assert all(m.training for m in modules)
    assert net.eval() is net
    assert not any(m.training for m in modules)
    assert net.train() is net
    assert all(m.training for m in modules)
    net.train(False)
    assert not net.head[1].training
    with pytest.raises(ValueError, match=r"train\(mode\) takes a bool"):
        net.train("no")  # type: ignore[arg-type]
    scalar = MLP(2, [3, 1], seed=0).eval()
    assert not scalar.layers[1].neurons[0].training  # lists of modules are reached too


def test_pytorch_style_subclass_has_torchs_parameter_names() -> None:
    torch = require("torch")

    class TorchNet(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = torch.nn.Linear(64, 32)
            self.fc2 = torch.nn.Linear(32, 16)
            self.drop = torch.nn.Dropout(0.2)
            self.head = torch.nn.Sequential(torch.nn.Linear(16, 10), torch.nn.LogSoftmax(dim=1))

    assert list(Net().state_dict()) == list(TorchNet().state_dict())


def test_printing_reads_like_torch() -> None:
    torch = require("torch")
    ours = Sequential(
        Linear(2, 10), Sigmoid(), Linear(10, 10), Tanh(), ReLU(), LeakyReLU(0.1), Softmax(dim=1)
    )
    nn = torch.nn
    theirs = nn.Sequential(
        nn.Linear(2, 10),
        nn.Sigmoid(),
        nn.Linear(10, 10),
        nn.Tanh(),
        nn.ReLU(),
        nn.LeakyReLU(0.1),
        nn.Softmax(dim=1),
    )
    assert repr(ours) == repr(theirs)
    # Dropout: PyTorch adds ", inplace=False"; there is no in-place dropout here.
    want = repr(
        nn.Sequential(nn.Linear(16, 10), nn.LogSoftmax(dim=1), nn.CrossEntropyLoss(), nn.MSELoss())
    )
    got = repr(Sequential(Linear(16, 10), LogSoftmax(dim=1), CrossEntropyLoss(), MSELoss()))
    assert got == want
    text = repr(Net())
    assert text.splitlines()[:4] == [
        "Net(",
        "  (fc1): Linear(in_features=64, out_features=32, bias=True)",
        "  (fc2): Linear(in_features=32, out_features=16, bias=True)",
        "  (drop): Dropout(p=0.2)",
    ]
    assert "    (1): LogSoftmax(dim=1)" in text


def test_scalar_models_print_their_layers() -> None:
    assert repr(MLP(3, [4, 4, 1], seed=0)).splitlines() == [
        "MLP(",
        "  (layers.0): Layer(nin=3, nout=4, nonlin='tanh')",
        "  (layers.1): Layer(nin=4, nout=4, nonlin='tanh')",
        "  (layers.2): Layer(nin=4, nout=1, nonlin='linear')",
        ")",
    ]


def test_linear_has_torchs_size_names() -> None:
    layer = Linear(5, 3, seed=0)
    assert (layer.in_features, layer.out_features) == (5, 3)
    assert layer.weight.shape == (5, 3)  # (in, out): the transpose of PyTorch's


# --- the library's random state --------------------------------------------------------------


def test_unseeded_layers_and_models_follow_manual_seed() -> None:
    tl.manual_seed(11)
    a, m = Linear(4, 3), MLP(2, [3, 1])
    tl.manual_seed(11)
    b, n = Linear(4, 3), MLP(2, [3, 1])
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert [p.data for p in m.parameters()] == [p.data for p in n.parameters()]
    c = Linear(4, 3)  # the state moved on: different weights
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_an_explicit_seed_wins_and_leaves_the_library_state_alone() -> None:
    tl.manual_seed(5)
    first = Linear(4, 3)
    tl.manual_seed(5)
    Linear(4, 3, seed=99)
    MLP(2, [3, 1], seed=99)
    second = Linear(4, 3)
    np.testing.assert_array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(
        Linear(4, 3, seed=99).weight.data, Linear(4, 3, seed=99).weight.data
    )


# --- imports point one way ------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_lite"


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The `modules` that `path` imports, at any depth (lazy and TYPE_CHECKING imports too).

    ``from tinygrad_lite.nn import state`` imports the module ``tinygrad_lite.nn.state``;
    ``from tinygrad_lite.nn.state import state_dict`` imports it too.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found & modules


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_two_of_checkpoint_nn_optim_data_import_each_other() -> None:
    files = [PACKAGE / "checkpoint.py"] + [
        p for sub in ("nn", "optim", "data") for p in sorted((PACKAGE / sub).glob("*.py"))
    ]
    modules = {_module_name(p) for p in files}
    graph = {_module_name(p): _imports(p, modules) for p in files}
    assert "tinygrad_lite.nn.state" in graph["tinygrad_lite.nn.module"]  # the scan works
    assert "tinygrad_lite.nn.module" in graph["tinygrad_lite.checkpoint"]
    circles = sorted((a, b) for a, deps in graph.items() for b in deps if a < b and a in graph[b])
    assert not circles, f"modules importing each other: {circles}"


def test_course_code_reaches_nn_and_optim_through_the_package() -> None:
    """``import tinygrad_lite as torch`` then ``torch.nn.Linear``, ``torch.optim.SGD``."""
    import tinygrad_lite as torch

    model = torch.nn.Sequential(torch.nn.Linear(2, 1, seed=0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.05
