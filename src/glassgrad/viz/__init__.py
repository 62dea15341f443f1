"""Pictures of training: learning curves, confusion matrices, misclassified examples, and the run report."""

from .report import write_report

__all__ = ["write_report"]
