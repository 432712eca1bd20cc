"""One name per node: labels, qualified duplicates, automatic names that never clash."""

from __future__ import annotations

from tinygrad_lite import Tensor, Value
from tinygrad_lite.naming import names_for
from tinygrad_lite.nn import MLP


def test_labels_are_names_and_unlabelled_nodes_are_named_after_their_op() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    names = names_for(c)
    assert [names[n] for n in (a, b, c)] == ["a", "b", "tanh1"]
    assert sorted(names.values()) == ["a", "add1", "b", "exp1", "mul1", "tanh1"]


def test_automatic_names_skip_names_the_user_gave() -> None:
    a = Value(1.0, label="mul1")
    out = a * a * 2.0
    names = names_for(out)
    assert names[a] == "mul1"
    assert names[out] == "mul3"  # mul1 is the user's; the first product is mul2


def test_repeated_labels_are_qualified_by_scope_and_boxes_show_the_short_name() -> None:
    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, 2.0])
    names = names_for(out)
    first = model.layers[0].neurons[1].w[0]
    assert names[first] == "mlp/layer0/neuron1/w0"
    assert names.short(first) == "w0"
    assert len(set(names.values())) == len(names)


def test_repeated_labels_without_a_scope_get_a_counter() -> None:
    x1, x2 = Value(1.0, label="x"), Value(2.0, label="x")
    names = names_for(x1 * x2)
    assert {names[x1], names[x2]} == {"x", "x#2"}


def test_unlabelled_leaves_are_params_or_inputs() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    names = names_for((w * x).sum())
    assert (names[w], names[x]) == ("param1", "input1")
