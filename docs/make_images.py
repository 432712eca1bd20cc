"""Draw every picture used in README.md and docs/ from the library itself.

Run with ``make images`` (or ``python docs/make_images.py``). Pictures go to docs/images/
as SVG, so they render on a code host and stay small. Graphviz (the ``dot`` program)
draws most of them; ``builtin_*`` pictures come from the built-in layout engine, which
needs nothing installed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz

import tinygrad_lite as tl
from tinygrad_lite import Tensor, Value
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.nn import MLP, Linear, Sequential, Tanh
from tinygrad_lite.nn import functional as F
from tinygrad_lite.viz import Style, dot_available, draw, draw_dot, render, scene_to_dot
from tinygrad_lite.viz.steps import backward_steps

IMAGES = Path(__file__).resolve().parent / "images"


def save(name: str, picture: Any) -> None:
    """Write a Graphviz picture or a built-in drawing to docs/images/<name>.svg."""
    path = IMAGES / f"{name}.svg"
    if isinstance(picture, graphviz.Digraph):
        render(picture, path)
    else:  # the built-in engine's SvgDrawing
        picture.save(path)
    print(f"wrote {path.relative_to(IMAGES.parent.parent)}")


def nine_weight() -> Value:
    """The homework graph at its default point, after backward."""
    x, y, w = default_nine_weight_point()
    g = nine_weight_graph(x, y, w)
    g.loss.backward()
    return g.loss


def small_expression() -> tuple[Value, Value, Value]:
    """c = tanh(a*b + exp(a)) at a = 2, b = -3, after backward."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a.exp()).tanh()
    c.label = "c"
    c.backward()
    return a, b, c


def reuse() -> Value:
    """b = a*a*a: a feeds three edges; its gradient is the sum over them."""
    a = Value(3.0, label="a")
    b = a * a * a
    b.label = "b"
    b.backward()
    return b


def constant() -> Value:
    """x*2 + 1: the 2 and the 1 are plain numbers in the graph, drawn grey."""
    x = Value(1.5, label="x")
    y = x * 2 + 1
    y.label = "y"
    y.backward()
    return y


def second_order() -> Value:
    """The graph of dy/dx for y = tanh(x), recorded by backward(create_graph=True)."""
    x = Value(0.5, label="x")
    x.tanh().backward(create_graph=True)
    dx = x.grad
    dx.label = "dy/dx"
    return dx  # type: ignore[no-any-return]


def scalar_mlp() -> Value:
    """A scalar MLP(2, [3, 1]) on one input: a graph with module clusters."""
    model = MLP(2, [3, 1], nonlin="tanh", seed=0)
    out = model([0.5, -1.0])
    loss: Value = (out - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def tensor_mlp() -> Tensor:
    """A small Tensor network: each box is a whole array."""
    model = Sequential(Linear(2, 8, seed=0), Tanh(), Linear(8, 3, seed=1))
    x = Tensor([[0.5, -1.0], [1.0, 2.0], [0.0, 0.3], [-1.0, 1.0]], label="x")
    loss = F.cross_entropy(model(x), [0, 2, 1, 0])
    loss.label = "loss"
    loss.backward()
    return loss


def lecture_neuron() -> Value:
    """The lecture's neuron: x1=2, x2=0, w1=-3, w2=1, b=6.88..., o = tanh(n)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def wrong_rule() -> Value:
    """A graph whose gradient for one parameter is wrong, for the check=True picture."""
    from tinygrad_lite.autograd import apply
    from tinygrad_lite.ops import Op, exp, log

    def softplus_forward(a: Any) -> Any:
        return log(1.0 + exp(a))

    wrong = Op(
        "softplus",
        "softplus",
        "d softplus(a)/da = exp(a)  (wrong)",
        softplus_forward,
        (lambda g, out, a: g * exp(a),),
    )
    a, c = Value(0.3, label="a"), Value(-1.2, label="c")
    out = apply(Value, wrong, (a,), wrong.forward(a.data)) * c  # wrong for a, right for c
    out.label = "out"
    out.backward()
    return out


def pictures() -> dict[str, Callable[[], Any]]:
    """Every picture by file name."""
    _, _, c = small_expression()
    a_hl, _, c_hl = small_expression()
    loss = nine_weight()
    mlp = scalar_mlp()
    return {
        # README.md and index.md
        "nine_weight": lambda: draw_dot(loss),
        # concepts.md
        "expression": lambda: draw_dot(c),
        "expression_edges": lambda: draw_dot(c, edge_labels=True),
        "reuse": lambda: draw_dot(reuse(), edge_labels=True),
        "constant": lambda: draw_dot(constant()),
        "second_order": lambda: draw_dot(second_order()),
        # drawing.md: one picture per option
        "option_tb": lambda: draw_dot(c, rankdir="TB"),
        "option_no_grad": lambda: draw_dot(c, show_grad=False),
        "option_no_data": lambda: draw_dot(c, show_data=False),
        "option_legend": lambda: draw_dot(constant(), legend=True),
        "option_title": lambda: draw_dot(c, title="c = tanh(a*b + exp(a))"),
        "option_highlight": lambda: draw_dot(c_hl, highlight=a_hl),
        "option_check": lambda: draw_dot(wrong_rule(), check=True, legend=True),
        "option_clusters": lambda: draw_dot(mlp),
        "option_depth0": lambda: draw_dot(mlp, depth=0),
        "option_depth1": lambda: draw_dot(mlp, depth=1),
        "option_tensor": lambda: draw_dot(tensor_mlp()),
        "option_step": lambda: scene_to_dot(backward_steps(c).scene(5)),
        "option_roles": lambda: draw_dot(lecture_neuron(), legend=True),
        "style_slide": lambda: draw_dot(loss, style="slide"),
        "style_slide_builtin": lambda: draw(loss, engine="builtin", style="slide"),
        "style_custom": lambda: draw_dot(
            c, style=Style(font_scale=1.3, digits=2, colours={"output": "#ffd27f"})
        ),
        "builtin_nine_weight": lambda: draw(loss, engine="builtin"),
        "builtin_expression": lambda: draw(c, engine="builtin", edge_labels=True),
    }


def main() -> int:
    if not dot_available():
        print("make_images needs the Graphviz 'dot' program; see docs/install.md", file=sys.stderr)
        return 1
    IMAGES.mkdir(exist_ok=True)
    for name, make in pictures().items():
        save(name, make())
    print(f"tinygrad_lite {tl.__version__}: {len(pictures())} pictures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
