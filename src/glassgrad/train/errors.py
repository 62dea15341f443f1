"""Errors in what the user asked for, as opposed to bugs in glassgrad.

The `glassgrad` command prints a `UserError` as one line on stderr and exits with status 2 (`--debug` adds the
traceback); any other exception is a bug and keeps its traceback. Each class is also the standard exception of
its kind, so code that calls `train()` or `load_run()` catches ValueError, FileNotFoundError or RuntimeError as
it always could.
"""

from __future__ import annotations


class UserError(Exception):
    """A setting, file, device or run directory that cannot be used as given; the message says how to fix it."""


class SettingError(UserError, ValueError):
    """A setting that cannot work: an option's value, an unknown recipe, a device this machine lacks."""


class MissingFileError(UserError, FileNotFoundError):
    """A run directory, checkpoint or dataset file that is not where it was asked for."""


class BadFileError(UserError, ValueError):
    """A file that is there but cannot be read: truncated, corrupted, or not the expected format."""


class RunDirectoryLocked(UserError, RuntimeError):
    """Another training is using the run directory (see train/lock.py)."""
