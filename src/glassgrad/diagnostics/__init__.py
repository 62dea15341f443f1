"""Training-health diagnostics: instruments that read a model while it learns, and say what they see.

    Monitor      forward hooks and parameter reads every few steps (monitor.py)
    diagnose     the records read as findings in plain words: dead units, saturation, vanishing or exploding
                 gradients, update ratios, divergence (findings.py)
    lr_find      the learning-rate range test, with the model and optimizer restored afterwards (lr_find.py)
"""

from .findings import Finding, diagnose
from .lr_find import LRFinderResult, lr_find
from .monitor import Monitor

__all__ = ["Finding", "LRFinderResult", "Monitor", "diagnose", "lr_find"]
