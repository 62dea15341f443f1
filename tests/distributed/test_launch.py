"""`glassgrad launch`: torchrun's variables and thread counts in the ranks, Ctrl-C forwarded, the worst status."""

import json
import os
import signal
import subprocess
import sys
import time

from ._launch import RANKS, SRC, launch, needs_mpi

pytestmark = needs_mpi


def test_ranks_see_torchruns_variables_and_their_share_of_the_cores(tmp_path):
    script = tmp_path / "show.py"
    script.write_text(
        "import json, os, sys\n"
        "import glassgrad.distributed as dist\n"
        "dist.init_process_group()\n"
        "names = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'OMP_NUM_THREADS', 'NUMBA_NUM_THREADS']\n"
        "values = {n: os.environ.get(n) for n in names}\n"
        "open(os.path.join(sys.argv[1], f'rank{dist.get_rank()}.json'), 'w').write(json.dumps(values))\n"
        "sys.exit(3 if dist.get_rank() == 1 else 0)\n"
    )
    env_threads = {name: os.environ.pop(name, None) for name in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")}
    try:
        status, output, _ = launch(str(script), tmp_path)
    finally:
        os.environ.update({k: v for k, v in env_threads.items() if v is not None})
    assert status == 3  # the worst rank's
    assert "glassgrad launch: rank 1 exited with status 3" in output
    threads = str(max(1, len(os.sched_getaffinity(0)) // 2))
    for rank in (0, 1):
        values = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert values == {"RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank), "LOCAL_WORLD_SIZE": "2",
                          "OMP_NUM_THREADS": threads, "NUMBA_NUM_THREADS": threads}  # fmt: skip


def test_ctrl_c_is_forwarded_to_the_ranks_and_ends_the_job(tmp_path):
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    command = [sys.executable, "-m", "glassgrad.cli", "launch", "--nproc", "2", str(RANKS / "forever.py"),
               str(tmp_path)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{r}").exists() for r in (0, 1)):
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()[0]
            time.sleep(0.1)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
        seconds = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
    print(f"Ctrl-C: the job ended {seconds:.1f} s later")
    assert process.returncode == 130, output
    assert "KeyboardInterrupt" in output
    assert seconds < 15


def test_without_a_launcher_the_script_is_a_world_of_one():
    code = ("import glassgrad as gg, glassgrad.distributed as dist\n"
            "from glassgrad.nn.parallel import DistributedDataParallel\n"
            "dist.init_process_group()\n"
            "t = gg.ones(3)\n"
            "dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
            "model = DistributedDataParallel(gg.nn.Linear(2, 2))\n"
            "model(gg.ones(1, 2)).sum().backward()\n"
            "print(dist.get_rank(), dist.get_world_size(), t.tolist(), model.module.weight.grad.tolist())\n")
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    for variable in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(variable, None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "0 1 [1.0, 1.0, 1.0] [[1.0, 1.0], [1.0, 1.0]]"


def test_torchrun_variables_that_disagree_with_mpi_are_refused():
    code = "import glassgrad.distributed as dist\ndist.init_process_group()\n"
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", RANK="3")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0
    assert "the environment says RANK=3, but MPI says 0" in done.stderr
