"""Pictures of training: learning curves, confusion matrices, misclassified examples, and the run report."""

from .explain import explain
from .graph import GraphDrawing, draw_graph
from .report import write_report
from .summary import ModelSummary, SummaryRow, summary

__all__ = ["GraphDrawing", "ModelSummary", "SummaryRow", "draw_graph", "explain", "summary", "write_report"]
