"""`tinygrad_lite.explain` is kept as a name for `tinygrad_lite.viz.explain`.

`from tinygrad_lite.explain import explain` (and `tl.explain`) keep working; the code
lives with the pictures, whose names for nodes it shares.
"""

from tinygrad_lite.viz.explain import Explanation, Path, Step, explain

__all__ = ["Explanation", "Path", "Step", "explain"]
