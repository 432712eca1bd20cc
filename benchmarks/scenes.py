"""Graphs to lay out in the layout benchmark: the nine-weight graph, MLPs, random ones."""

from __future__ import annotations

import random
from contextlib import nullcontext
from typing import Any

from tinygrad_lite.autograd import Node
from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
from tinygrad_lite.value import Value
from tinygrad_lite.viz import build_scene
from tinygrad_lite.viz.scene import Scene


def scene_of(root: Node, rankdir: str = "LR") -> Scene:
    """The Scene the renderer draws for `root` (no cap on its size)."""
    return build_scene(root, rankdir=rankdir, max_nodes=10**7)


def nine_weight_root() -> Value:
    """The nine-weight homework graph (three parts as scopes), after backward."""
    loss = nine_weight_graph(*default_nine_weight_point()).loss
    loss.backward()
    return loss


def mlp_root(sizes: tuple[int, ...] = (2, 4, 4, 1), seed: int = 0) -> Value:
    """One forward and backward pass of a scalar MLP (scopes mlp/layerK/neuronJ)."""
    from tinygrad_lite.nn.scalar import MLP

    model = MLP(sizes[0], list(sizes[1:]), nonlin="relu", seed=seed)
    out = model([Value(0.5, label="x0"), Value(-1.5, label="x1")][: sizes[0]])
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.backward()
    return loss


def random_root(n_ops: int, seed: int, scoped: bool = True) -> Value:
    """A random expression graph with `n_ops` operations, some inside random scopes."""
    from tinygrad_lite import scope

    r = random.Random(seed)
    pool: list[Value] = [Value(r.uniform(-1, 1), label=f"a{i}") for i in range(4)]
    made = 0
    while made < n_ops:
        name = f"s{r.randrange(3)}" if scoped and r.random() < 0.5 else None
        count = r.randint(2, 6)
        ctx: Any = scope(name) if name else nullcontext()
        with ctx:
            for _ in range(count):
                a = pool[-1 - min(len(pool) - 1, int(r.expovariate(0.3)))]
                b = pool[-1 - min(len(pool) - 1, int(r.expovariate(0.3)))]
                kind = r.randrange(5)
                if kind == 0:
                    pool.append(a + b)
                elif kind == 1:
                    pool.append(a * b)
                elif kind == 2:
                    pool.append(a.tanh())
                elif kind == 3:
                    pool.append(a - b)
                else:
                    pool.append(Value(r.uniform(-1, 1), label=f"a{len(pool)}") * a)
                made += 1
    out = pool[-1]
    for v in pool[-6:-1]:
        out = out + v
    return out


def big_scene(n: int, seed: int = 0) -> Scene:
    """A scalar expression graph whose picture has at least `n` boxes (for the speed check)."""
    r = random.Random(seed)
    pool = [Value(r.uniform(-1, 1), label=f"a{i}") for i in range(8)]
    while True:
        # each operation adds a value box and an operation ellipse
        for _ in range(n // 8):
            a = pool[-1 - int(r.expovariate(0.5)) % len(pool)]
            b = pool[-1 - int(r.expovariate(0.05)) % len(pool)]
            pool.append(a * b if r.random() < 0.5 else a + b)
        scene = scene_of(pool[-1])
        if len(scene.nodes) >= n:
            return scene


def big_mlp_scene(hidden: int = 12) -> Scene:
    """A scalar MLP (2 -> hidden -> hidden -> 1) drawn node by node, clusters and all."""
    return scene_of(mlp_root((2, hidden, hidden, 1)))
