"""A markdown table of two benchmark runs side by side (the JSON files `glassgrad bench --out DIR` writes).

    python benchmarks/compare.py runs/before runs/after        # one row per workload found in both
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(folder: Path) -> dict[str, dict]:
    records = {}
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        if "median_ms" in record.get("frameworks", {}).get("glassgrad", {}):  # per-step workloads
            records[record["workload"]] = record
    return records


def cell(record: dict) -> str:
    glassgrad, torch = (record["frameworks"][name]["median_ms"] for name in ("glassgrad", "torch"))
    return f"{glassgrad:.2f} / {torch:.2f} ({record['ratio']:.2f})"


def memory(record: dict) -> str:
    peaks = [record["frameworks"][name].get("peak_rss_mb") for name in ("glassgrad", "torch")]
    return "n/a" if None in peaks else f"{peaks[0]:.0f} / {peaks[1]:.0f}"


def table(before: dict[str, dict], after: dict[str, dict]) -> str:
    rows = ["| workload | threads | before: ms/step glassgrad / torch (ratio) | after: ms/step glassgrad / torch "
            "(ratio) | after: peak RSS MB glassgrad / torch |", "| --- | --- | --- | --- | --- |"]
    for name in sorted(set(before) & set(after)):
        rows.append(f"| {name} | {after[name]['threads']} | {cell(before[name])} | {cell(after[name])} | "
                    f"{memory(after[name])} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(table(load(Path(sys.argv[1])), load(Path(sys.argv[2]))))
