"""ReduceOp: how a collective combines the ranks' tensors, with PyTorch's names (torch.distributed.ReduceOp)."""

from __future__ import annotations

import enum


class ReduceOp(enum.Enum):
    """SUM, AVG (SUM, then divided by the world size), PRODUCT, MIN, MAX."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"
