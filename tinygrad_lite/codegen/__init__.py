"""Backprop as code: the hand-written derivation, generated from any graph.

`generate(loss)` writes the graph behind `loss` as a straight-line Python function: one
line per op forward, then one line per edge backward in the engine's own order, each
commented with the rule it applies, variables named after the nodes (``d_<name>`` for
gradients). The code imports only `math` and numpy, so it runs without tinygrad_lite.

`compile(fn)` traces `fn` once and then runs that code instead of building a graph: the
fast path for a fixed computation, in training too (optimizers' updates are seen).

Every op says how it is written next to its rule, in `tinygrad_lite.ops` (`Op.code`).
"""

from tinygrad_lite.codegen._compiled import Compiled, TraceError, compile
from tinygrad_lite.codegen._generated import Generated, generate

__all__ = ["Compiled", "Generated", "TraceError", "compile", "generate"]
