"""Optimizers: SGD (momentum, Nesterov, weight decay), Adam, AdamW and RMSprop, and
learning-rate schedules (`tinygrad_lite.optim.lr_scheduler`).

Each update rule follows the formulas PyTorch documents (including its first-step rule
for the momentum buffer), so a trajectory here matches `torch.optim` step for step. They
work on Value parameters and Tensor parameters alike.
"""

from tinygrad_lite.optim import lr_scheduler
from tinygrad_lite.optim.adam import Adam, AdamW
from tinygrad_lite.optim.optimizer import Optimizer
from tinygrad_lite.optim.rmsprop import RMSprop
from tinygrad_lite.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
