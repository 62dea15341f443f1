"""The registry of benchmark workloads: one file each, named here explicitly (add one line per workload)."""

from ..workload import Workload
from .cnn import WORKLOAD as CNN
from .gpt import WORKLOAD as GPT
from .lstm import GRU_WORKLOAD as GRU
from .lstm import RNN_WORKLOAD as RNN
from .lstm import WORKLOAD as LSTM
from .mlp import WORKLOAD as MLP

WORKLOADS: dict[str, Workload] = {
    "cnn": CNN,
    "gpt": GPT,
    "mlp": MLP,
    "lstm": LSTM,
    "gru": GRU,
    "rnn": RNN,
}

__all__ = ["WORKLOADS", "Workload"]
