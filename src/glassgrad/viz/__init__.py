"""Pictures of training: learning curves, confusion matrices, misclassified examples, and the run report."""

from .graph import GraphDrawing, draw_graph
from .report import write_report

__all__ = ["GraphDrawing", "draw_graph", "write_report"]
