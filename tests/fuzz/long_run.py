"""A long fuzzing run that keeps going past mismatches, counts programs exactly and groups what it finds.

    python -m tests.fuzz.long_run --seed 1 --examples 10000 --out /tmp/fuzz-1 [--inplace]

writes `OUT/count` (programs run so far, rewritten every 50 programs and at the end) and `OUT/mismatches.json`:
for each signature (kind, op), how often it was seen and the first program that showed it. `--minimize KIND OP`
instead asks hypothesis for the smallest program with that signature (hypothesis.find shrinks it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from hypothesis import HealthCheck, Phase, find, given, seed, settings

from .programs import programs
from .runner import check

SUPPRESSED = list(HealthCheck)


def run(seed_value: int, examples: int, out: Path, inplace: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    found: dict[str, dict] = {}
    started = time.time()

    def save() -> None:
        (out / "count").write_text(f"{count}\n")
        (out / "mismatches.json").write_text(json.dumps(found, indent=1))

    @seed(seed_value)
    @settings(
        max_examples=examples, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=SUPPRESSED
    )
    @given(program=programs(inplace=inplace))
    def fuzz(program) -> None:
        nonlocal count
        mismatch = check(program)
        count += 1
        if mismatch is not None:
            entry = found.setdefault(
                " ".join(mismatch.signature()), {"count": 0, "detail": mismatch.detail, "program": repr(program)}
            )
            entry["count"] += 1
        if count % 50 == 0:
            save()

    fuzz()
    save()
    print(f"{count} programs in {time.time() - started:.0f} s, {len(found)} signatures", file=sys.stderr)


def minimize(kind: str, op: str, inplace: bool, examples: int) -> None:
    def shows(program) -> bool:
        mismatch = check(program)
        return mismatch is not None and mismatch.kind == kind and op in ("*", mismatch.op)

    program = find(
        programs(min_ops=1, inplace=inplace),
        shows,
        settings=settings(max_examples=examples, database=None, deadline=None, suppress_health_check=SUPPRESSED),
    )
    print(repr(program))
    print(check(program))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"))
    parser.add_argument("--inplace", action="store_true", help="include in-place writes (through views too)")
    parser.add_argument("--minimize", nargs=2, metavar=("KIND", "OP"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # tiny ops: the thread pool costs more than it saves
    warnings.simplefilter("ignore")
    if args.minimize:
        minimize(*args.minimize, args.inplace, args.examples)
    else:
        run(args.seed, args.examples, args.out, args.inplace)


if __name__ == "__main__":
    main()
