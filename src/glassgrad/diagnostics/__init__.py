"""Training-health diagnostics: a Monitor that reads a model through hooks, and findings in plain words."""

from .findings import Finding, diagnose
from .monitor import Monitor

__all__ = ["Finding", "Monitor", "diagnose"]
