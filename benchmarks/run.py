"""Run glassgrad's benchmarks against PyTorch eager on CPU, in one process.

    python benchmarks/run.py                 # every workload, timed; JSON results in runs/bench/
    python benchmarks/run.py mlp --rounds 7  # one workload
    python benchmarks/run.py --smoke         # a few steps of each, no timing claims (what CI runs)
    python benchmarks/run.py mlp --profile   # cProfile of glassgrad's step

Options: --steps N (per round), --warmup N, --threads N (both frameworks), --no-torch, --out DIR.
The workloads live in src/glassgrad/bench/workloads/ (one file each, registered in its __init__.py).
"""

import sys

from glassgrad.bench.harness import main

if __name__ == "__main__":
    sys.exit(main())
