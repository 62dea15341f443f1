"""The registry of benchmark workloads: one file each, named here explicitly (add one line per workload)."""

from ..workload import Workload
from .mlp import WORKLOAD as MLP

WORKLOADS: dict[str, Workload] = {
    "mlp": MLP,
}

__all__ = ["WORKLOADS", "Workload"]
