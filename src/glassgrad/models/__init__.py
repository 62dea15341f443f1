"""Reference architectures, each one readable file: `MLP`, ..."""

from .char_rnn import CharRNN
from .convnet import ConvNet
from .gpt import GPT, GPTConfig
from .mlp import MLP
from .vit import ViT

__all__ = ["CharRNN", "ConvNet", "GPT", "GPTConfig", "MLP", "ViT"]
