"""Reference architectures, each one readable file: `MLP`, ..."""

from .gpt import GPT, GPTConfig
from .mlp import MLP

__all__ = ["GPT", "GPTConfig", "MLP"]
