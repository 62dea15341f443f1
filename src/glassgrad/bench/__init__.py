"""Benchmarks against PyTorch eager: `Workload` (one training step in both), the registry `WORKLOADS`, and
`run_workload` (the harness). Run them with `python benchmarks/run.py [workload] [--smoke]`."""

from .harness import format_report, main, run_workload, smoke
from .workload import Workload
from .workloads import WORKLOADS

__all__ = ["WORKLOADS", "Workload", "format_report", "main", "run_workload", "smoke"]
