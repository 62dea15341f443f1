"""One rank of `glassgrad train RECIPE --nproc N`: the script that `glassgrad launch` runs in each process.

`glassgrad train ... --nproc N` (cli.py) runs `glassgrad launch --nproc N <this file> ARGS...`, ARGS being its own
command line without --nproc. Each rank joins the process group, then runs that `glassgrad train` command, which
sees the group and trains its shard (train/run.py, train/ranks.py). Not for direct use.
"""

import os
import sys

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]  # this file's folder (glassgrad/train/): its module names must not shadow any others

if __name__ == "__main__":  # run as a script by the launcher; importing it (a walk over the package) does nothing
    from glassgrad import distributed
    from glassgrad.cli import main

    distributed.init_process_group(backend="mpi")
    sys.exit(main(sys.argv[1:]))
