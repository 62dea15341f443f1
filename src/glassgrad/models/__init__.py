"""Reference architectures, each one readable file: `MLP`, ..."""

from .char_rnn import CharRNN
from .gpt import GPT, GPTConfig
from .mlp import MLP
from .vit import ViT

__all__ = ["CharRNN", "GPT", "GPTConfig", "MLP", "ViT"]
