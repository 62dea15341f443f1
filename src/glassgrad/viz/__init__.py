"""Pictures of training: learning curves, confusion matrices, misclassified examples, and the run report."""

from .report import write_report
from .summary import ModelSummary, SummaryRow, summary

__all__ = ["ModelSummary", "SummaryRow", "summary", "write_report"]
