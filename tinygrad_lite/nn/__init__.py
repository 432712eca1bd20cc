"""Neural-network building blocks: one Module base for scalar and tensor models."""

from tinygrad_lite.nn import functional, init
from tinygrad_lite.nn.layers import Flatten, Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from tinygrad_lite.nn.module import Module
from tinygrad_lite.nn.scalar import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "Flatten",
    "Identity",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
]
