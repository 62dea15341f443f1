"""Training-health diagnostics: instruments that read a model while it learns, and say what they see."""

from .lr_find import LRFinderResult, lr_find
