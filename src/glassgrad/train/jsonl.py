"""JSON-lines files of a run directory (metrics.jsonl, health.jsonl): read them, and cut them back on resume.

A training appends one record per line as it goes, so a kill can leave the last line cut short: readers skip
such a line rather than fail. Cutting back rewrites the file atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def read_records(path: Path) -> list[dict]:
    """The records of a JSON-lines file ([] when it does not exist); a line cut short by a kill is skipped."""
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def keep_records_until(path: Path, step: int) -> list[dict]:
    """On resume, forget what was logged after the checkpoint's `step` (those steps run again): the file is cut
    back to the records up to `step`, which are returned. A missing file stays missing."""
    path = Path(path)
    if not path.is_file():
        return []
    kept = [r for r in read_records(path) if r.get("step", 0) <= step]
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.writelines(json.dumps(r, allow_nan=True) + "\n" for r in kept)
    os.replace(temporary, path)
    return kept
