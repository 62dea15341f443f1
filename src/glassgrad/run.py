"""`glassgrad run SCRIPT [ARGS...]` (or `python -m glassgrad.run SCRIPT [ARGS...]`): a PyTorch script, unmodified,
on glassgrad.

The script runs as `python SCRIPT ARGS...` would run it — as `__main__`, with `sys.argv` = [SCRIPT, ARGS...] and
its own folder first on `sys.path` (so its sibling modules import) — with one difference: the import hook of
torch_alias.py is in place, so every `import torch...` in it, or in its own modules, gives glassgrad.

What goes wrong is reported as Python reports it: a missing script is "can't open file" with exit status 2, a
syntax error shows the script's file and line, an exception in the script its traceback (without this
module's frames) and exit status 1. `sys.exit(n)` in the script ends the run with status n.
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from typing import Sequence

from . import torch_alias

USAGE = "usage: glassgrad run SCRIPT [ARGS...]   (run a PyTorch script on glassgrad, unmodified)"


def main(argv: Sequence[str] | None = None, prog: str = "glassgrad run") -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    script, arguments = argv[0], argv[1:]
    path = os.path.abspath(script)
    try:
        with open(path, "rb") as file:
            source = file.read()
    except OSError as error:
        print(f"{prog}: can't open file {path!r}: [Errno {error.errno}] {error.strerror}", file=sys.stderr)
        return 2
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:  # ValueError: a null byte in the source
        traceback.print_exception(type(error), error, None)
        return 1
    return _run(code, path, arguments)


def _run(code: types.CodeType, path: str, arguments: list[str]) -> int:
    torch_alias.install()
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    saved = sys.modules.get("__main__"), sys.argv, list(sys.path)
    sys.modules["__main__"] = module
    sys.argv = [path, *arguments]
    sys.path.insert(0, os.path.dirname(path))
    try:
        exec(code, module.__dict__)
    except SystemExit as stop:
        return _exit_status(stop.code)
    except BaseException as error:  # the script's own failure: its traceback, as `python SCRIPT` shows it
        _print_traceback(error)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    finally:
        torch_alias.uninstall()  # a caller in this process (a test) gets its own torch back
        previous_main, sys.argv, sys.path[:] = saved
        if previous_main is not None:
            sys.modules["__main__"] = previous_main
    return 0


def _print_traceback(error: BaseException) -> None:
    """The traceback `python SCRIPT` would print: the frames of this module and of the import hook left out."""
    report = traceback.TracebackException(type(error), error, error.__traceback__)
    for exception in _chain(report):
        exception.stack[:] = [frame for frame in exception.stack if frame.filename not in _OWN_FILES]
    print("".join(report.format()), end="", file=sys.stderr)


def _chain(report: traceback.TracebackException) -> list[traceback.TracebackException]:
    chain, seen = [], set()
    while report is not None and id(report) not in seen:
        seen.add(id(report))
        chain.append(report)
        report = report.__cause__ or report.__context__
    return chain


_OWN_FILES = {os.path.abspath(__file__), os.path.abspath(torch_alias.__file__)}


def _exit_status(code: object) -> int:
    """`sys.exit(code)` as Python turns it into a status: None → 0, an int → itself, anything else → printed, 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
