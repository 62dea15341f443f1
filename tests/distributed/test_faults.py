"""A rank that dies or gets stuck mid-training: the other exits with an error naming it, within the timeout."""

import re

from ._launch import launch, needs_mpi

pytestmark = needs_mpi
TIMEOUT = 2.0  # seconds, as ranks/faults.py sets it




def test_a_killed_rank_makes_the_other_exit_naming_it(tmp_path):
    status, output, seconds = launch("faults.py", tmp_path, "kill")
    assert status == 128 + 9
    assert re.search(r"glassgrad launch: rank 1 \(pid \d+\) was killed by signal 9 \(SIGKILL\)", output), output
    match = re.search(r"rank 0: DistributedDataParallel's all-reduce .*: rank 1 \(pid \d+ on \S+\) stopped "
                      r"running while rank 0 waited \(([\d.]+) s into the collective\)", output)  # fmt: skip
    assert match, output
    assert float(match[1]) < TIMEOUT  # noticed by its process ending, before the timeout
    assert "glassgrad launch: rank 0 exited with status 1" in output
    print(f"killed rank: rank 0 failed {match[1]} s into its all-reduce; the launch took {seconds:.1f} s")
    assert seconds < 30


def test_a_stuck_rank_makes_the_other_time_out_naming_it(tmp_path):
    status, output, seconds = launch("faults.py", tmp_path, "hang")
    assert status != 0
    match = re.search(r"timed out after ([\d.]+) s .*rank 1 \(pid \d+ on \S+\) still running", output)
    assert match, output
    assert TIMEOUT <= float(match[1]) < TIMEOUT + 1.0
    print(f"stuck rank: rank 0 gave up after {match[1]} s; the launch took {seconds:.1f} s (start-up included)")
    assert seconds < 30
