"""A layered (Sugiyama-style) layout for a `Scene`, with clusters, in pure Python.

It is the engine behind pictures drawn without the Graphviz program. The steps are the
classic ones: put every node on a layer so that each edge points to a later layer, break
long edges into chains of invisible points, order each layer to reduce crossings
(barycenter sweeps and adjacent swaps from several starting orders, the best kept), then
place nodes along the layer and across it. Edges run straight through each layer's band,
so two edges cross between two layers exactly when the ordering says they do.

Clusters are what general-purpose layout libraries leave out, so they are built in here:

* ordering keeps the members of every cluster next to each other in each layer, and two
  sibling clusters keep the same relative order in every layer they share (a vertex can
  still hop over a whole cluster block, and two sibling clusters can trade places in
  every layer at once, when that removes crossings);
* placement runs bottom up: a cluster's contents are placed first, then the cluster is
  one rigid block to its parent, so sibling rectangles cannot overlap and nested ones nest.

Coordinates are computed along two axes: `u` runs across layers, `v` along a layer. For
rankdir "LR" u is x and v is y; for "TB" they swap.

The scene's `Style` sizes everything: text and the boxes around it grow with
`font_scale`, the gaps between layers and boxes with `spacing`.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from tinygrad_lite.viz.scene import Scene, SceneNode

__all__ = [
    "CHAR_WIDTH",
    "FONT_SIZE",
    "LABEL_FONT",
    "LINE_HEIGHT",
    "Layout",
    "Rect",
    "Route",
    "count_crossings",
    "layout_scene",
    "node_size",
    "text_width",
]

FONT_SIZE = 11.0
"""The font size of box text, in px; text is drawn in a monospace font."""
CHAR_WIDTH = 0.66 * FONT_SIZE
"""Estimated advance of one character. Monospace fonts advance 0.6 em; the margin keeps
text inside its box whichever monospace font the viewer picks."""
LINE_HEIGHT = 1.5 * FONT_SIZE
"""The height of one line of box text, in px."""
LABEL_FONT = 0.8 * FONT_SIZE
"""The font size of edge labels and the legend, in px."""
PAD_X = 8.0  #: inside a box, left and right of the text
PAD_Y = 4.0  #: inside a box, above and below the text
OP_MIN = (34.0, 26.0)  #: smallest ellipse for an operation

LAYER_GAP = 36.0  #: between the columns (LR) or rows (TB) of nodes, before cluster margins
NODE_GAP = 14.0  #: between two boxes in the same layer
DUMMY_GAP = 8.0  #: room kept for an edge passing through a layer
CLUSTER_PAD = 8.0  #: inside a cluster rectangle, around what it holds
CLUSTER_GAP = 12.0  #: between a cluster rectangle and its neighbours in a layer
LABEL_PAD = 4.0  #: around a cluster label

_SWEEPS = 24  # at most this many rounds of sweeps from one starting order
_SWAP_ROUNDS = 4  # rounds of sweeps after exchanging two sibling clusters
#: the ordering's work budget, in vertices times rounds: small graphs get many rounds and
#: starting orders, a graph with 20,000 vertices (bends included) three rounds
_WORK = 60_000
_PLACE_ROUNDS = 30  # rounds of pulling nodes toward their neighbours
_PLACE_ROUNDS_BIG = 5  # the same in a cluster with 3,000 items or more
#: how hard an edge piece pulls its ends together in placement, by how many of its two ends
#: are bend points: a long edge's inner pieces pull hardest (dot uses 1, 2 and 8 too)
_PULL = (1.0, 2.0, 8.0)
_LONE = 0.4  #: the pull of a node with a single edge on its neighbour, relative


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in picture coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def overlaps(self, other: Rect) -> bool:
        """True if the interiors intersect (touching edges do not count)."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def contains(self, other: Rect) -> bool:
        """True if `other` lies inside this rectangle (edges may touch)."""
        return (
            self.left <= other.left
            and self.top <= other.top
            and other.right <= self.right
            and other.bottom <= self.bottom
        )


@dataclass
class Route:
    """Where one scene edge runs: from the source box to the target box, through bends."""

    src: str
    dst: str
    index: int
    points: list[tuple[float, float]]
    duplicate: int = 0  #: which of several edges between the same two nodes (0, 1, ...)
    duplicates: int = 1  #: how many edges join the same two nodes
    label_at: tuple[float, float] | None = None  #: centre of the edge's label, if drawn


@dataclass
class Layout:
    """The geometry of a scene: every box, cluster rectangle and edge route."""

    rankdir: str
    nodes: dict[str, Rect] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)
    clusters: dict[str, Rect] = field(default_factory=dict)
    cluster_labels: dict[str, str] = field(default_factory=dict)
    edges: list[Route] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A safe upper estimate of how wide `text` is drawn in the monospace font.

    Wide characters (CJK and the like) take two cells of a monospace font.
    """
    cells = len(text)
    if not text.isascii():
        cells += sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return cells * CHAR_WIDTH * font_size / FONT_SIZE


def node_size(node: SceneNode, font_scale: float = 1.0) -> tuple[float, float]:
    """Width and height of a node's box, large enough for all of its rows at `font_scale`."""
    rows = node.rows or [""]
    s = font_scale
    tw = max(text_width(r, FONT_SIZE * s) for r in rows)
    th = len(rows) * LINE_HEIGHT * s
    if node.kind == "op":
        # an ellipse holds a tw x th rectangle when its semi-axes are sqrt(2) times larger
        w = max(OP_MIN[0] * s, math.sqrt(2) * (tw + 2 * PAD_Y * s))
        h = max(OP_MIN[1] * s, math.sqrt(2) * th)
        if len(rows) == 1 and len(rows[0]) <= 2:  # a one- or two-character symbol: a circle
            w = h = max(w, h)
        return (w, h)
    return (tw + 2 * PAD_X * s, th + 2 * PAD_Y * s)


def _parent_path(path: str) -> str | None:
    return path.rsplit("/", 1)[0] if "/" in path else None


class _Graph:
    """The layered graph with invisible points on long edges; vertices are ints."""

    def __init__(self, scene: Scene) -> None:
        if scene.rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {scene.rankdir!r}")
        self.lr = scene.rankdir in ("LR", "RL")
        self.scene = scene
        self.fs = scene.style.font_scale  #: text size, times the default
        self.sp = scene.style.spacing  #: gaps, times the default
        ids: dict[str, int] = {}
        for n in scene.nodes:
            if n.id in ids:
                raise ValueError(f"scene has two nodes with id {n.id!r}")
            ids[n.id] = len(ids)
        for e in scene.edges:
            for end in (e.src, e.dst):
                if end not in ids:
                    raise ValueError(f"edge {e.src!r} -> {e.dst!r} names unknown node {end!r}")
            if e.src == e.dst:
                raise ValueError(f"edge {e.src!r} -> {e.dst!r} is a loop; a graph is acyclic")
        self.ids = ids
        self.n_real = len(ids)
        self._clusters(scene)
        self._layers(scene)
        self._dummies(scene)

    # --- clusters --------------------------------------------------------------
    def _clusters(self, scene: Scene) -> None:
        labels: dict[str, str] = {}
        for c in scene.clusters:
            labels[c.path] = c.label
        for n in scene.nodes:
            path = n.cluster
            while path:
                labels.setdefault(path, path.rsplit("/", 1)[-1])
                path = _parent_path(path) or ""
        for path in list(labels):
            parent = _parent_path(path)
            while parent:
                labels.setdefault(parent, parent.rsplit("/", 1)[-1])
                parent = _parent_path(parent)
        # cluster 0 is the whole picture; others are numbered parents first
        paths = sorted(labels, key=lambda p: (p.count("/"), p))
        self.cpath: list[str] = ["", *paths]
        self.clabel: list[str] = ["", *[labels[p] for p in paths]]
        cid = {p: i + 1 for i, p in enumerate(paths)}
        self.cparent: list[int] = [-1] + [cid.get(_parent_path(p) or "", 0) for p in paths]
        self.cdepth: list[int] = [0] + [p.count("/") + 1 for p in paths]
        self.cid = cid

    def _anc(self, c: int) -> tuple[int, ...]:
        chain = []
        while c >= 0:
            chain.append(c)
            c = self.cparent[c]
        return tuple(reversed(chain))

    # --- layers ----------------------------------------------------------------
    def _layers(self, scene: Scene) -> None:
        n = self.n_real
        self.flipped = self._break_cycles(scene)
        succ: list[list[int]] = [[] for _ in range(n)]
        pred: list[list[int]] = [[] for _ in range(n)]
        for k, e in enumerate(scene.edges):
            s, d = self.ids[e.src], self.ids[e.dst]
            if k in self.flipped:
                s, d = d, s
            succ[s].append(d)
            pred[d].append(s)
        indeg = [len(p) for p in pred]
        ready = [v for v in range(n) if indeg[v] == 0]
        topo: list[int] = []
        while ready:
            v = ready.pop()
            topo.append(v)
            for w in succ[v]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
        layer = [0] * n
        for v in topo:
            for w in succ[v]:
                layer[w] = max(layer[w], layer[v] + 1)
        # shorten edges: a node with more outputs than inputs moves as late as it can
        # (inputs sit just before their first consumer instead of all on the first layer)
        for v in reversed(topo):
            if succ[v] and len(succ[v]) > len(pred[v]):
                layer[v] = min(layer[w] for w in succ[v]) - 1
        low = min(layer, default=0)
        self.layer = [lv - low for v, lv in enumerate(layer)]

    def _break_cycles(self, scene: Scene) -> set[int]:
        """Edges to draw against the flow so that the rest is acyclic (none for a graph
        made by the engine; summary boxes of collapsed clusters can close a loop)."""
        n = self.n_real
        out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for k, e in enumerate(scene.edges):
            out[self.ids[e.src]].append((self.ids[e.dst], k))
        state = [0] * n  # 0 new, 1 on the stack, 2 done
        flipped: set[int] = set()
        for start in range(n):
            if state[start]:
                continue
            state[start] = 1
            stack = [(start, 0)]
            while stack:
                v, i = stack[-1]
                if i == len(out[v]):
                    state[v] = 2
                    stack.pop()
                    continue
                stack[-1] = (v, i + 1)
                w, k = out[v][i]
                if state[w] == 1:
                    flipped.add(k)
                elif state[w] == 0:
                    state[w] = 1
                    stack.append((w, 0))
        return flipped

    # --- long edges ------------------------------------------------------------
    def _dummies(self, scene: Scene) -> None:
        lr = self.lr
        su: list[float] = []
        sv: list[float] = []
        self.ncluster: list[int] = []
        for node in scene.nodes:
            w, h = node_size(node, self.fs)
            su.append(w if lr else h)
            sv.append(h if lr else w)
            self.ncluster.append(self.cid[node.cluster] if node.cluster else 0)
        layer = self.layer
        self.chains: list[list[int]] = []
        for k, e in enumerate(scene.edges):
            s, d = self.ids[e.src], self.ids[e.dst]
            if k in self.flipped:
                s, d = d, s
            chain = [s]
            if layer[d] - layer[s] > 1:
                home = _common(self._anc(self.ncluster[s]), self._anc(self.ncluster[d]))
                for lv in range(layer[s] + 1, layer[d]):
                    chain.append(len(layer))
                    layer.append(lv)
                    su.append(0.0)
                    sv.append(0.0)
                    self.ncluster.append(home)
            chain.append(d)
            self.chains.append(chain)
        # a cluster must be present in every layer it spans, or a neighbour could slip into
        # its rectangle there: hold its place with an empty filler
        ncl = len(self.cpath)
        lo, hi = [len(layer)] * ncl, [-1] * ncl
        present: set[tuple[int, int]] = set()
        for v in range(len(layer)):
            for c in self._anc(self.ncluster[v])[1:]:
                lo[c], hi[c] = min(lo[c], layer[v]), max(hi[c], layer[v])
                present.add((c, layer[v]))
        for c in sorted(range(1, ncl), key=lambda c: -self.cdepth[c]):
            for lv in range(lo[c], hi[c] + 1):
                if (c, lv) not in present:
                    layer.append(lv)
                    su.append(0.0)
                    sv.append(0.0)
                    self.ncluster.append(c)
                    present.update((a, lv) for a in self._anc(c))
        self.su, self.sv = su, sv
        nv = len(layer)
        self.up: list[list[int]] = [[] for _ in range(nv)]
        self.down: list[list[int]] = [[] for _ in range(nv)]
        for chain in self.chains:
            for a, b in pairwise(chain):
                self.down[a].append(b)
                self.up[b].append(a)
        self.anc: list[tuple[int, ...]] = [self._anc(c) for c in self.ncluster]
        self.nlayers = max(layer, default=-1) + 1


def _common(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """The innermost cluster containing both ancestor chains."""
    home = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        home = x
    return home


# ----------------------------------------------------------------------------------
# Ordering: crossing reduction with contiguous clusters
# ----------------------------------------------------------------------------------


class _Order:
    def __init__(self, g: _Graph) -> None:
        self.g = g
        self.has_clusters = len(g.cpath) > 1
        layers: list[list[int]] = [[] for _ in range(g.nlayers)]
        for v in range(len(g.layer)):  # real nodes in topological id order, then dummies
            layers[g.layer[v]].append(v)
        self.layers = layers
        self.pos = [0] * len(g.layer)
        self._index_all()
        self.rank = self._cluster_rank()

    def start(self, keys: list[float]) -> None:
        """Order every layer by `keys` (clusters kept together, in the order keys give)."""
        for layer in self.layers:
            layer.sort(key=lambda v: keys[v])
        self._index_all()
        self.rank = self._cluster_rank()
        for lv in range(self.g.nlayers):
            self.layers[lv] = self._arrange(self.layers[lv], keys)
        self._index_all()

    def scene_keys(self) -> list[float]:
        """Scene order (topological); a bend sits next to the node its edge leaves."""
        g = self.g
        keys = [float(v) for v in range(len(g.layer))]
        for chain in g.chains:
            for k, v in enumerate(chain[1:-1], start=1):
                keys[v] = keys[chain[0]] + k * 1e-3
        return keys

    def dfs_keys(self, reverse: bool = False) -> list[float]:
        """Depth-first order from the outputs back through the inputs, argument by argument.

        For an expression graph this is the order the expression is written in.
        """
        g = self.g
        keys = [-1.0] * len(g.layer)
        count = 0
        sinks = [v for v in range(len(g.layer)) if not g.down[v]]
        for s in reversed(sinks):
            stack = [s]
            while stack:
                v = stack.pop()
                if keys[v] >= 0:
                    continue
                keys[v] = count
                count += 1
                stack.extend(g.up[v] if reverse else reversed(g.up[v]))
        return keys

    def _index_all(self) -> None:
        for layer in self.layers:
            for i, v in enumerate(layer):
                self.pos[v] = i

    def _cluster_rank(self) -> list[int]:
        """A global order of clusters (by mean relative position) shared by all layers."""
        g = self.g
        total = [0.0] * len(g.cpath)
        count = [0] * len(g.cpath)
        for layer in self.layers:
            n = len(layer)
            for v in layer:
                for c in g.anc[v][1:]:
                    total[c] += (self.pos[v] + 0.5) / n
                    count[c] += 1
        mean = [t / k if k else 0.0 for t, k in zip(total, count, strict=True)]
        order = sorted(range(len(g.cpath)), key=lambda c: mean[c])
        rank = [0] * len(g.cpath)
        for r, c in enumerate(order):
            rank[c] = r
        return rank

    def _arrange(self, verts: list[int], keys: Sequence[float] | dict[int, float]) -> list[int]:
        """Sort one layer by key, keeping each cluster contiguous and in global order."""
        if not self.has_clusters:
            return sorted(verts, key=lambda v: keys[v])
        anc, rank = self.g.anc, self.rank

        def place(vs: list[int], depth: int) -> list[int]:
            items: list[tuple[float, int, int]] = []
            sub: dict[int, list[int]] = defaultdict(list)
            for v in vs:
                if len(anc[v]) == depth + 1:
                    items.append((keys[v], 0, v))
                else:
                    sub[anc[v][depth + 1]].append(v)
            for c, members in sub.items():
                items.append((sum(keys[v] for v in members) / len(members), 1, c))
            items.sort()
            slots = sorted((c for _, kind, c in items if kind == 1), key=lambda c: rank[c])
            out: list[int] = []
            j = 0
            for _, kind, x in items:
                if kind == 0:
                    out.append(x)
                else:
                    out.extend(place(sub[slots[j]], depth + 1))
                    j += 1
            return out

        return place(verts, 0)

    def crossings(self) -> int:
        return sum(self._crossings_between(lv) for lv in range(len(self.layers) - 1))

    def _crossings_between(self, lv: int) -> int:
        pos, down = self.pos, self.g.down
        pairs = sorted((pos[a], pos[b]) for a in self.layers[lv] for b in down[a])
        return _inversions([b for _, b in pairs], len(self.layers[lv + 1]))

    def sweep(self, downward: bool, ties: bool) -> None:
        """Re-sort every layer by the barycenter of its neighbours in the layer before it.

        With `ties`, vertices with equal keys swap their current order (to leave a plateau).
        """
        g, pos = self.g, self.pos
        order = range(1, g.nlayers) if downward else range(g.nlayers - 2, -1, -1)
        tie = -1e-6 if ties else 1e-6
        for lv in order:
            ref = lv - 1 if downward else lv + 1
            scale = len(self.layers[ref]) / max(1, len(self.layers[lv]))
            keys: dict[int, float] = {}
            for v in self.layers[lv]:
                nb = g.up[v] if downward else g.down[v]
                if nb:
                    keys[v] = sum(pos[u] for u in nb) / len(nb) + pos[v] * tie
                else:
                    keys[v] = pos[v] * scale
            layer = self._arrange(self.layers[lv], keys)
            self.layers[lv] = layer
            for i, v in enumerate(layer):
                pos[v] = i

    def transpose(self, max_passes: int, ties: bool) -> None:
        """Swap neighbours in a layer while that removes crossings.

        Two vertices of one cluster swap; a vertex also swaps with a whole cluster block
        beside it (the block keeps its inside order and its place among its siblings).
        With `ties`, two vertices also swap when that leaves the count unchanged.
        """
        pos, anc, up, down = self.pos, self.g.anc, self.g.up, self.g.down
        for _ in range(max_passes):
            improved = False
            for layer in self.layers:
                for i in range(len(layer) - 1):
                    v, w = layer[i], layer[i + 1]
                    if anc[v] == anc[w]:
                        before = _pair_cross(pos, up, down, v, w)
                        after = _pair_cross(pos, up, down, w, v)
                        if after < before or (ties and after == before and before):
                            layer[i], layer[i + 1] = w, v
                            pos[v], pos[w] = i + 1, i
                            improved = improved or after < before
                    elif self._swap_block(layer, i):
                        improved = True
            if not improved:
                return

    def _swap_block(self, layer: list[int], i: int) -> bool:
        """Swap a vertex and the cluster block beside it (at i and i + 1) if that helps."""
        pos, anc, up, down = self.pos, self.g.anc, self.g.up, self.g.down
        av, aw = anc[layer[i]], anc[layer[i + 1]]
        p = 0  # the depth below which the two differ
        while p < len(av) and p < len(aw) and av[p] == aw[p]:
            p += 1
        if (len(av) == p) == (len(aw) == p):  # two sibling blocks: their order is global
            return False

        def inside(u: int, block: int) -> bool:
            return len(anc[u]) > p and anc[u][p] == block

        if len(aw) == p:  # a block ending at i, then a vertex
            lo = i
            while lo > 0 and inside(layer[lo - 1], av[p]):
                lo -= 1
            hi, lone, members = i + 2, layer[i + 1], layer[lo : i + 1]
            now = sum(_pair_cross(pos, up, down, b, lone) for b in members)
            new = sum(_pair_cross(pos, up, down, lone, b) for b in members)
            moved = [lone, *members]
        else:  # a vertex, then a block starting at i + 1
            hi = i + 2
            while hi < len(layer) and inside(layer[hi], aw[p]):
                hi += 1
            lo, lone, members = i, layer[i], layer[i + 1 : hi]
            now = sum(_pair_cross(pos, up, down, lone, b) for b in members)
            new = sum(_pair_cross(pos, up, down, b, lone) for b in members)
            moved = [*members, lone]
        if new >= now:
            return False
        layer[lo:hi] = moved
        for k in range(lo, hi):
            pos[layer[k]] = k
        return True

    def swap_clusters(self, best: int, budget: int) -> tuple[int, int]:
        """Exchange two sibling clusters in every layer at once, then improve; keep the
        exchange if it removes crossings. Returns the crossings and the rounds used."""
        g = self.g
        kids: dict[int, list[int]] = defaultdict(list)
        for c in range(1, len(g.cpath)):
            kids[g.cparent[c]].append(c)
        where: list[set[int]] = [set() for _ in g.cpath]
        for v in range(len(g.layer)):
            for c in g.anc[v][1:]:
                where[c].add(g.layer[v])
        used = 0
        for group in kids.values():
            group.sort(key=lambda c: self.rank[c])
            for x, y in pairwise(list(group)):
                if used >= budget:
                    return best, used
                shared = where[x] & where[y]
                if not shared:
                    continue
                saved = [list(layer) for layer in self.layers]
                rank = self.rank
                rank[x], rank[y] = rank[y], rank[x]
                for lv in shared:
                    self.layers[lv] = self._arrange(self.layers[lv], self.pos)
                    for i, v in enumerate(self.layers[lv]):
                        self.pos[v] = i
                found, n = self.improve(min(_SWAP_ROUNDS, budget - used), patience=2)
                used += n + 1
                if found < best:
                    best = found
                    continue
                rank[x], rank[y] = rank[y], rank[x]
                self.layers = saved
                self._index_all()
        return best, used

    def improve(self, rounds: int, patience: int = 4) -> tuple[int, int]:
        """Sweeps and swaps from the current order; ends on the best order seen.

        Returns the crossings and the number of rounds run.
        """
        passes = 4 if len(self.pos) < 4000 else 1
        best = self.crossings()
        saved = [list(layer) for layer in self.layers]
        stale = used = 0
        while used < rounds and best > 0 and stale < patience:
            ties = used % 4 >= 2  # every other pair of rounds, as dot does
            self.sweep(downward=used % 2 == 0, ties=ties)
            self.transpose(passes, ties=ties)
            used += 1
            found = self.crossings()
            if found < best:
                best, stale = found, 0
                saved = [list(layer) for layer in self.layers]
            else:
                stale += 1
        self.layers = saved
        self._index_all()
        return best, used

    def run(self) -> None:
        """Improve from several starting orders within a work budget; keep the fewest crossings.

        Starts: scene order, depth-first from the output (arguments in order, then in reverse).
        After each, sibling clusters are tried in exchanged order.
        """
        budget = max(3, _WORK // max(1, len(self.pos)))  # rounds of sweeps we can afford
        starts: list[Callable[[], list[float]]] = [
            self.scene_keys,
            self.dfs_keys,
            lambda: self.dfs_keys(reverse=True),
        ]
        best, best_layers, best_rank = -1, self.layers, self.rank
        for make_keys in starts:
            if budget <= 0:
                break
            self.start(make_keys())
            found, used = self.improve(min(_SWEEPS, budget))
            budget -= used
            while self.has_clusters and budget > 0:
                swapped, used = self.swap_clusters(found, budget)
                budget -= used
                if swapped >= found:
                    break
                found = swapped
            if best < 0 or found < best:
                best, best_rank = found, list(self.rank)
                best_layers = [list(layer) for layer in self.layers]
            if best == 0:
                break
        self.layers = best_layers
        self.rank = best_rank
        self._index_all()


def _pair_cross(pos: list[int], up: list[list[int]], down: list[list[int]], v: int, w: int) -> int:
    """Crossings between the edges of v and of w when v is placed just before w."""
    n = 0
    for nb in (up, down):
        for a in nb[v]:
            pa = pos[a]
            for b in nb[w]:
                if pos[b] < pa:
                    n += 1
    return n


def _inversions(seq: list[int], size: int) -> int:
    """Pairs i < j with seq[i] > seq[j], with a Fenwick tree (values in range(size))."""
    tree = [0] * (size + 1)
    count = 0
    for seen, x in enumerate(seq):
        i = x + 1
        le = 0
        while i > 0:
            le += tree[i]
            i -= i & -i
        count += seen - le
        i = x + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


# ----------------------------------------------------------------------------------
# Placement
# ----------------------------------------------------------------------------------


def _label_size(text: str, font_scale: float = 1.0) -> tuple[float, float]:
    """The room a cluster's caption takes, at `font_scale`."""
    return (
        text_width(text, FONT_SIZE * font_scale) + 2 * LABEL_PAD,
        LINE_HEIGHT * font_scale + LABEL_PAD,
    )


class _Placer:
    """Places vertices along the layers (v axis), cluster by cluster, inner ones first."""

    def __init__(self, g: _Graph, layers: list[list[int]]) -> None:
        self.g = g
        self.layers = layers
        nc = len(g.cpath)
        self.children: list[list[int]] = [[] for _ in range(nc)]
        for c in range(1, nc):
            self.children[g.cparent[c]].append(c)
        #: for a cluster: room before its contents (label strip) and its total size along v
        self.head = [0.0] * nc
        self.size = [0.0] * nc
        #: offset of each vertex centre, and of each child block top, inside its cluster
        self.off: dict[int, float] = {}
        self.block_off: dict[int, float] = {}
        self.subtree_off: list[dict[int, float]] = [{} for _ in range(nc)]

    def run(self) -> tuple[list[float], list[float], list[float]]:
        """Centre of every vertex along v, and top and size of every cluster block."""
        g = self.g
        for c in sorted(range(len(g.cpath)), key=lambda c: -g.cdepth[c]):
            self._place(c)
        top = [0.0] * len(g.cpath)
        for c in range(1, len(g.cpath)):  # parents come first in numbering
            if c in self.block_off:  # a cluster without members is not drawn
                top[c] = top[g.cparent[c]] + self.block_off[c]
        vpos = [0.0] * len(g.layer)
        for v in range(len(g.layer)):
            c = g.ncluster[v]
            vpos[v] = top[c] + self.off[v]
        return vpos, top, self.size

    def _place(self, c: int) -> None:
        g = self.g
        depth = g.cdepth[c]
        # item ids: a vertex v is v, a child cluster d is -(d + 1)
        seqs: list[list[int]] = []
        for layer in self.layers:
            seq: list[int] = []
            for v in layer:
                a = g.anc[v]
                if len(a) <= depth or a[depth] != c:
                    continue
                item = v if len(a) == depth + 1 else -(a[depth + 1] + 1)
                if not seq or seq[-1] != item:
                    seq.append(item)
            if seq:
                seqs.append(seq)

        def size(item: int) -> float:
            return g.sv[item] if item >= 0 else self.size[-item - 1]

        def gap(a: int, b: int) -> float:
            if a < 0 or b < 0:
                return CLUSTER_GAP * g.sp
            if g.su[a] == 0.0 or g.su[b] == 0.0:
                return DUMMY_GAP * g.sp
            return NODE_GAP * g.sp

        def centre(x: int) -> float:
            """Offset of vertex x's centre from the top of the item holding it here."""
            if g.ncluster[x] == c:
                return g.sv[x] / 2
            d = g.anc[x][depth + 1]
            return self.subtree_off[d][x]

        def lone(x: int) -> bool:
            return x < g.n_real and len(g.up[x]) + len(g.down[x]) == 1

        def item_of(x: int) -> int:
            a = g.anc[x]
            return x if len(a) == depth + 1 else -(a[depth + 1] + 1)

        # constraints: consecutive items in a layer keep their distance
        succs: dict[int, list[tuple[int, float]]] = defaultdict(list)
        preds: dict[int, list[tuple[int, float]]] = defaultdict(list)
        items: dict[int, None] = {}
        for seq in seqs:
            for it in seq:
                items[it] = None
            for first, second in pairwise(seq):
                need = size(first) + gap(first, second)
                succs[first].append((second, need))
                preds[second].append((first, need))
        order = _topo(list(items), succs, preds)

        # pulls: edges between two different items inside this cluster
        pulls: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
        for chain in g.chains:
            for x, y in pairwise(chain):
                ax, ay = g.anc[x], g.anc[y]
                if len(ax) <= depth or len(ay) <= depth or ax[depth] != c or ay[depth] != c:
                    continue
                ia, ib = item_of(x), item_of(y)
                if ia == ib:
                    continue
                ca, cb = centre(x), centre(y)
                # long edges pull hardest, so that they run straight (weights as in dot)
                w = _PULL[(x >= g.n_real) + (y >= g.n_real)]
                # a node with a single edge follows its neighbour rather than leading it:
                # two such ends of one node (a constant in, the output out) would
                # otherwise outvote its real neighbour and let the chain drift away
                pulls[ia].append((ib, cb - ca, w * _LONE if lone(y) else w))
                pulls[ib].append((ia, ca - cb, w * _LONE if lone(x) else w))

        # start: every layer centred on 0
        want: dict[int, float] = {}
        for seq in seqs:
            total = sum(size(it) for it in seq) + sum(gap(a, b) for a, b in pairwise(seq))
            at = -total / 2
            for i, it in enumerate(seq):
                want[it] = max(want.get(it, at), at)
                at += size(it) + (gap(it, seq[i + 1]) if i + 1 < len(seq) else 0.0)
        p = _project(order, want, succs, preds)
        rounds = _PLACE_ROUNDS if len(order) < 3000 else _PLACE_ROUNDS_BIG
        for _ in range(rounds):
            for it in order:
                ps = pulls.get(it)
                if not ps:
                    want[it] = p[it]
                elif len(ps) == 1:
                    j, d, _ = ps[0]
                    want[it] = p[j] + d
                elif len(ps) == 2:  # most often a bend point: the weighted mean (a median
                    # would follow the heavier pull, and a chain of bends would float free)
                    (j, d, wj), (k, e, wk) = ps
                    want[it] = ((p[j] + d) * wj + (p[k] + e) * wk) / (wj + wk)
                else:  # the weighted median of where the neighbours would like this item
                    want[it] = _weighted_median(sorted([(p[j] + d, w) for j, d, w in ps]))
            p = _project(order, want, succs, preds)

        low = min((p[it] for it in order), default=0.0)
        high = max((p[it] + size(it) for it in order), default=0.0)
        if c == 0:
            head, tail = 0.0, 0.0
        else:
            lw, lh = _label_size(g.clabel[c], g.fs)
            head = CLUSTER_PAD + (lh if g.lr else lw)
            tail = CLUSTER_PAD
        self.head[c] = head
        self.size[c] = head + (high - low) + tail
        if c != 0 and not g.lr:
            self.size[c] = max(self.size[c], _label_size(g.clabel[c], g.fs)[0] + 2 * CLUSTER_PAD)
        sub: dict[int, float] = {}
        for it in order:
            top = head + p[it] - low
            if it >= 0:
                self.off[it] = top + g.sv[it] / 2
                sub[it] = self.off[it]
            else:
                d = -it - 1
                self.block_off[d] = top
                for x, o in self.subtree_off[d].items():
                    sub[x] = top + o
        self.subtree_off[c] = sub


def _weighted_median(targets: list[tuple[float, float]]) -> float:
    """The point minimising the weighted sum of distances to sorted (target, weight) pairs."""
    half = sum(w for _, w in targets) / 2
    seen = 0.0
    for i, (t, w) in enumerate(targets):
        seen += w
        if seen > half:
            return t
        if seen == half:
            return (t + targets[i + 1][0]) / 2
    return targets[-1][0]


def _topo(
    items: list[int],
    succs: dict[int, list[tuple[int, float]]],
    preds: dict[int, list[tuple[int, float]]],
) -> list[int]:
    indeg = {it: len(preds.get(it, ())) for it in items}
    ready = [it for it in items if indeg[it] == 0]
    out: list[int] = []
    while ready:
        it = ready.pop()
        out.append(it)
        for nxt, _ in succs.get(it, ()):
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    if len(out) != len(items):  # cannot happen with a consistent cluster order
        raise RuntimeError("layout: cluster order is inconsistent between layers")
    return out


def _project(
    order: list[int],
    want: dict[int, float],
    succs: dict[int, list[tuple[int, float]]],
    preds: dict[int, list[tuple[int, float]]],
) -> dict[int, float]:
    """Positions near `want` that keep every distance: the mean of a push down and up.

    Pushing each item down past its predecessors gives one valid placement, pushing each up
    before its successors gives another; the constraints are linear, so their mean is valid.
    """
    lo: dict[int, float] = {}
    for it in order:
        y = want[it]
        for a, need in preds.get(it, ()):
            bound = lo[a] + need
            if bound > y:
                y = bound
        lo[it] = y
    out: dict[int, float] = {}
    hi: dict[int, float] = {}
    for it in reversed(order):
        y = want[it]
        for b, need in succs.get(it, ()):
            bound = hi[b] - need
            if bound < y:
                y = bound
        hi[it] = y
        out[it] = (lo[it] + y) / 2
    return out


# ----------------------------------------------------------------------------------
# Putting it together
# ----------------------------------------------------------------------------------


def layout_scene(scene: Scene, *, margin: float = 8.0) -> Layout:
    """Compute where every node, cluster and edge of `scene` goes.

    Raises:
        ValueError: for an unknown rankdir, duplicate node ids, an edge naming an unknown
            node, or an edge from a node to itself. (Edges closing a longer cycle are
            drawn against the flow rather than refused.)
    """
    g = _Graph(scene)
    order = _Order(g)
    order.run()
    layers = order.layers
    nl = g.nlayers
    nc = len(g.cpath)

    # cluster spans and nesting heights (how many cluster levels lie inside)
    span_lo = [nl] * nc
    span_hi = [-1] * nc
    for v in range(len(g.layer)):
        for c in g.anc[v][1:]:
            span_lo[c] = min(span_lo[c], g.layer[v])
            span_hi[c] = max(span_hi[c], g.layer[v])
    height = [0] * nc
    for c in sorted(range(1, nc), key=lambda c: -g.cdepth[c]):
        p = g.cparent[c]
        if p > 0:
            height[p] = max(height[p], height[c] + 1)
    max_height = max(height, default=0)
    pad = CLUSTER_PAD * min(max(g.sp, 0.5), 1.0)  # cluster margins shrink with the spacing
    ext = [pad * (height[c] + 1) for c in range(nc)]
    layer_gap = LAYER_GAP * max(g.sp, 0.5)  # an S-curve between layers needs some room
    label_font = LABEL_FONT * g.fs
    base_gap = layer_gap + 2 * pad * (max_height + 1)
    # room for a label beside each labelled edge, in the gaps that edge spans only
    gaps = [base_gap] * nl
    for e in scene.edges:
        if not e.label:
            continue
        a, b = sorted((g.layer[g.ids[e.src]], g.layer[g.ids[e.dst]]))
        need = text_width(e.label, label_font) + 2 * layer_gap if g.lr else 3 * label_font
        for lv in range(a, b):
            gaps[lv] = max(gaps[lv], need if g.lr else need + layer_gap)

    # along u: one band per layer, wide enough for its widest box
    band = [1.0] * nl
    for v in range(g.n_real):
        band[g.layer[v]] = max(band[g.layer[v]], g.su[v])

    def starts() -> list[float]:
        s, u = [], 0.0
        for lv in range(nl):
            s.append(u)
            u += band[lv] + gaps[lv]
        return s

    start = starts()
    if g.lr:  # cluster labels run along u: widen the cluster's last band if one is too long
        for c in sorted(range(1, nc), key=lambda c: -g.cdepth[c]):
            if span_hi[c] < 0:
                continue
            need = _label_size(g.clabel[c], g.fs)[0] + 2 * LABEL_PAD
            have = start[span_hi[c]] + band[span_hi[c]] - start[span_lo[c]] + 2 * ext[c]
            if have < need:
                band[span_hi[c]] += need - have
                start = starts()

    vpos, top, sizes = _Placer(g, layers).run()
    out = Layout(rankdir=scene.rankdir)

    def to_xy(u: float, v: float) -> tuple[float, float]:
        return (u, v) if g.lr else (v, u)

    def rect(u0: float, u1: float, v0: float, v1: float) -> Rect:
        (x0, y0), (x1, y1) = to_xy(u0, v0), to_xy(u1, v1)
        return Rect(x0, y0, x1, y1)

    centre_u = [start[lv] + band[lv] / 2 for lv in range(nl)]
    boxes: dict[int, Rect] = {}
    for v in range(g.n_real):
        cu, cv = centre_u[g.layer[v]], vpos[v]
        boxes[v] = rect(cu - g.su[v] / 2, cu + g.su[v] / 2, cv - g.sv[v] / 2, cv + g.sv[v] / 2)

    crects: dict[int, Rect] = {}
    for c in range(1, nc):
        if span_hi[c] >= 0:
            u0 = start[span_lo[c]] - ext[c]
            u1 = start[span_hi[c]] + band[span_hi[c]] + ext[c]
            crects[c] = rect(u0, u1, top[c], top[c] + sizes[c])
    bands = [(start[lv], start[lv] + band[lv]) for lv in range(nl)]
    return _finish(g, out, boxes, crects, vpos, bands, margin)


def _finish(
    g: _Graph,
    out: Layout,
    boxes: dict[int, Rect],
    crects: dict[int, Rect],
    vpos: list[float],
    bands: list[tuple[float, float]],
    margin: float,
) -> Layout:
    """Move everything to positive coordinates and route the edges.

    Every edge runs straight along the layer axis inside a layer's band (from its box to
    the band's edge, or right through the band at a bend point), so between two layers
    all edges span the same gap: two of them cross there exactly when the ordering says
    they do, and nowhere else.
    """
    lr = g.lr
    routes: list[list[tuple[float, float]]] = []
    for chain in g.chains:
        first, last = chain[0], chain[-1]
        sr, dr = boxes[first], boxes[last]
        # (u, v) along the route: out of the source box, through each band, into the target
        uv = [(sr.right, vpos[first]) if lr else (sr.bottom, vpos[first])]
        uv.append((bands[g.layer[first]][1], vpos[first]))
        for bend in chain[1:-1]:
            lo, hi = bands[g.layer[bend]]
            uv += [(lo, vpos[bend]), (hi, vpos[bend])]
        uv.append((bands[g.layer[last]][0], vpos[last]))
        uv.append((dr.left, vpos[last]) if lr else (dr.top, vpos[last]))
        kept = [uv[0]]
        for p in uv[1:]:
            if abs(p[0] - kept[-1][0]) > 1e-9 or abs(p[1] - kept[-1][1]) > 1e-9:
                kept.append(p)
        if len(kept) == 1:
            kept.append(uv[-1])
        routes.append([(pu, pv) if lr else (pv, pu) for pu, pv in kept])

    every = list(boxes.values()) + list(crects.values())
    every += [Rect(x, y, x, y) for pts in routes for x, y in pts]  # bends may stick out
    left = min((r.left for r in every), default=0.0) - margin
    upper = min((r.top for r in every), default=0.0) - margin

    def shift(r: Rect) -> Rect:
        return Rect(r.left - left, r.top - upper, r.right - left, r.bottom - upper)

    for v, r in boxes.items():
        nid = g.scene.nodes[v].id
        out.nodes[nid] = shift(r)
        out.layers[nid] = g.layer[v]
    for c, r in crects.items():
        out.clusters[g.cpath[c]] = shift(r)
        out.cluster_labels[g.cpath[c]] = g.clabel[c]
    out.width = max((r.right for r in every), default=0.0) - left + margin
    out.height = max((r.bottom for r in every), default=0.0) - upper + margin

    pair_count: dict[tuple[int, int], int] = defaultdict(int)
    for chain in g.chains:
        pair_count[(chain[0], chain[-1])] += 1
    seen: dict[tuple[int, int], int] = defaultdict(int)
    for k, (e, chain, raw) in enumerate(zip(g.scene.edges, g.chains, routes, strict=True)):
        pts = [(x - left, y - upper) for x, y in raw]
        if k in g.flipped:
            pts.reverse()
        first, last = chain[0], chain[-1]
        dup = seen[(first, last)]
        seen[(first, last)] += 1
        out.edges.append(Route(e.src, e.dst, e.index, pts, dup, pair_count[(first, last)]))
    if out.rankdir in ("RL", "BT"):
        _mirror(out, horizontal=out.rankdir == "RL")
    return out


def _mirror(out: Layout, horizontal: bool) -> None:
    """Flip a finished LR layout into RL (or TB into BT)."""
    w, h = out.width, out.height

    def flip(r: Rect) -> Rect:
        if horizontal:
            return Rect(w - r.right, r.top, w - r.left, r.bottom)
        return Rect(r.left, h - r.bottom, r.right, h - r.top)

    out.nodes = {k: flip(r) for k, r in out.nodes.items()}
    out.clusters = {k: flip(r) for k, r in out.clusters.items()}
    for route in out.edges:
        route.points = [(w - x, y) if horizontal else (x, h - y) for x, y in route.points]


def count_crossings(segments: list[tuple[tuple[float, float], tuple[float, float]]]) -> int:
    """How many pairs of straight segments cross properly (shared endpoints do not count).

    Used to compare layouts with each other (and with Graphviz) on equal terms.
    """

    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    n = 0
    eps = 1e-9
    for i in range(len(segments)):
        a, b = segments[i]
        ax0, ax1 = min(a[0], b[0]), max(a[0], b[0])
        ay0, ay1 = min(a[1], b[1]), max(a[1], b[1])
        for j in range(i + 1, len(segments)):
            c, d = segments[j]
            if max(c[0], d[0]) < ax0 or min(c[0], d[0]) > ax1:
                continue
            if max(c[1], d[1]) < ay0 or min(c[1], d[1]) > ay1:
                continue
            d1, d2 = orient(a, b, c), orient(a, b, d)
            d3, d4 = orient(c, d, a), orient(c, d, b)
            if ((d1 > eps and d2 < -eps) or (d1 < -eps and d2 > eps)) and (
                (d3 > eps and d4 < -eps) or (d3 < -eps and d4 > eps)
            ):
                n += 1
    return n
