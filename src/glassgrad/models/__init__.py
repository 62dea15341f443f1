"""Reference architectures, each one readable file: `MLP`, ..."""

from .mlp import MLP

__all__ = ["MLP"]
