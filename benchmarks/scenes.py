"""Scenes to lay out in the layout benchmark and tests: real graphs and random ones.

`scene_of(root)` uses `tinygrad_lite.viz.build_scene` when that module is present and
otherwise a small stand-in that describes the graph the same way (a box per value, an
ellipse per operation, a cluster per scope).
"""

from __future__ import annotations

import random
from typing import Any

from tinygrad_lite.autograd import Node, toposort
from tinygrad_lite.scene import Scene, SceneCluster, SceneEdge, SceneNode
from tinygrad_lite.value import Value

FILLS = {
    "parameter": "#add8e6",
    "input": "#f5f5dc",
    "constant": "#dddddd",
    "output": "#90ee90",
    "intermediate": "#ffffff",
    "op": "#ffffff",
}


def scene_of(root: Node, rankdir: str = "LR") -> Scene:
    """The Scene the renderer would draw for `root`."""
    try:
        from tinygrad_lite import viz
    except ImportError:
        return _stand_in_scene(root, rankdir)
    return viz.build_scene(root, rankdir=rankdir, max_nodes=10**7)


def _stand_in_scene(root: Node, rankdir: str) -> Scene:
    scene = Scene(rankdir=rankdir)
    ids: dict[int, str] = {}
    scopes: set[str] = set()

    def add(kind: str, role: str, rows: list[str], cluster: str | None) -> str:
        nid = f"n{len(scene.nodes)}"
        scene.nodes.append(SceneNode(nid, kind, role, rows, FILLS[role], cluster))
        if cluster:
            scopes.add(cluster)
        return nid

    for node in toposort(root):
        if node.is_leaf:
            role = "parameter" if node.requires_grad else "input"
        else:
            role = "output" if node is root else "intermediate"
        rows = ([node.label] if node.label else []) + [
            f"data {node.data:.4f}",
            f"grad {node.grad:.4f}",
        ]
        if node.is_leaf:
            ids[id(node)] = add("value", role, rows, node.scope)
            continue
        assert node.op is not None
        op_id = add("op", "op", [node.op.symbol], node.scope)
        for i, p in enumerate(node.parents):
            if isinstance(p, Node):
                src = ids[id(p)]
            else:
                src = add("value", "constant", [f"{p:g}"], node.scope)
            scene.edges.append(SceneEdge(src, op_id, i))
        ids[id(node)] = add("value", role, rows, node.scope)
        scene.edges.append(SceneEdge(op_id, ids[id(node)]))
    paths = set()
    for s in scopes:
        parts = s.split("/")
        paths.update("/".join(parts[: k + 1]) for k in range(len(parts)))
    scene.clusters = [SceneCluster(p, p.rsplit("/", 1)[-1]) for p in sorted(paths)]
    return scene


def nine_weight_root() -> Value:
    """The nine-weight homework graph with its three parts as scopes."""
    try:
        from tinygrad_lite.examples import default_nine_weight_point, nine_weight_graph
    except ImportError:
        pass
    else:
        loss = nine_weight_graph(*default_nine_weight_point()).loss
        loss.backward()
        return loss
    from tinygrad_lite import scope

    r = random.Random(9)
    w = [Value(r.uniform(-1, 1), label=f"w{i}") for i in range(1, 10)]
    x = [Value(r.uniform(-1, 1), label=f"x{i}", requires_grad=False) for i in range(1, 6)]
    y = Value(0.5, label="y", requires_grad=False)
    with scope("part1"):
        t = w[0] * x[0] + w[1] * x[1]
        part1 = (t * t + w[5]).exp()
    with scope("part2"):
        part2 = (part1 + w[6]).tanh()
    with scope("part3"):
        part3 = (w[7] + (w[2] * x[2]).sin() * (w[3] * x[3] + w[4] * x[4])).sigmoid()
    y_hat = part3 * w[8] + part2
    loss = (y - y_hat) ** 2
    loss.label = "L"
    loss.backward()
    return loss


def mlp_root(sizes: tuple[int, ...] = (2, 4, 4, 1), seed: int = 0) -> Value:
    """One forward and backward pass of a scalar MLP (scopes mlp/layerK/neuronJ)."""
    from tinygrad_lite.nn.scalar import MLP

    model = MLP(sizes[0], list(sizes[1:]), seed=seed)
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
        ctx: Any = scope(name) if name else _null()
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


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


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
