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
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, Phase, find, given, seed, settings

from .known import owner_of
from .program import Program
from .runner import check
from .strategies import programs

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
            key = " ".join(mismatch.signature())
            if key not in found:  # shrink the first program of each signature (the later ones are only counted)
                small = shrink(program, mismatch.signature())
                owner = owner_of(mismatch, small) or "NEW"
                found[key] = {"count": 0, "owner": owner, "detail": str(check(small)), "program": repr(small)}
            found[key]["count"] += 1
        if count % 50 == 0:
            save()

    fuzz()
    save()
    print(f"{count} programs in {time.time() - started:.0f} s, {len(found)} signatures", file=sys.stderr)


def without_step(program: Program, number: int) -> Program:
    """The program without step `number` and every later step that reads one of its outputs."""
    steps, mapping, old, dropped = [], {}, 0, set()
    for k, step in enumerate(program.steps):
        outputs = range(old, old + step.outputs)
        old += step.outputs
        if k == number or any(arg in dropped for arg in step.args):
            dropped.update(outputs)
            continue
        new_start = sum(s.outputs for s in steps)
        mapping.update({index: new_start + j for j, index in enumerate(outputs)})
        steps.append(replace(step, args=tuple(mapping[arg] for arg in step.args)))
    return replace(program, steps=tuple(steps))


def simpler_leaves(program: Program):
    """Variants with one leaf made plainer: no special values, no ties, seed 0."""
    for k, step in enumerate(program.steps):
        if step.leaf is None:
            continue
        for plainer in (replace(step.leaf, specials=()), replace(step.leaf, ties=False), replace(step.leaf, seed=0)):
            if plainer != step.leaf:
                yield replace(
                    program, steps=program.steps[:k] + (replace(step, leaf=plainer),) + program.steps[k + 1 :]
                )


def shrink(program: Program, signature: tuple[str, str]) -> Program:
    """Greedy delta debugging: drop steps and plain the leaves while the same mismatch signature remains."""

    def same(candidate: Program) -> bool:
        try:
            mismatch = check(candidate)
        except Exception:  # noqa: BLE001 - a candidate the runner cannot run is simply not kept
            return False
        if mismatch is None or mismatch.kind != signature[0]:
            return False
        # a gradient's signature names the consumers of the wrong tensor: fewer of them is the same mismatch
        return mismatch.op == signature[1] or (
            mismatch.kind == "grad" and set(mismatch.op.split("+")) <= set(signature[1].split("+"))
        )

    improved = True
    while improved:
        improved = False
        for number in reversed(range(len(program.steps))):
            if number < len(program.steps) and same(candidate := without_step(program, number)):
                program, improved = candidate, True
        for candidate in simpler_leaves(program):
            if same(candidate):
                program, improved = candidate, True
                break
    return program


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
