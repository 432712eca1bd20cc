"""Neural-network building blocks: one Module base for scalar and tensor models."""

from tinygrad_lite.nn.module import Module
from tinygrad_lite.nn.scalar import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]
