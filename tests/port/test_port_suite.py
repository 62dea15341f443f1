"""The port suite: PyTorch scripts run unmodified under `glassgrad run`, from the same initial weights as torch.

Each program in programs/ is run twice as a subprocess: by real PyTorch with `--save-init init.pt`, then by
`python -m glassgrad.run` with `--load-init init.pt` (gg.load reads the torch.save file). Both print
`step {i} {name} {value}` lines; the test compares every such value.

Why the tolerances are what they are (measured, see README.md): both frameworks compute in float32 with different
summation orders, so the first step agrees to about 1e-7 relative (the printed digits), and the gap grows as
training amplifies round-off: slowly for smooth models (VAE, ViT), faster through ReLU kinks, max-pool ties and
Adadelta's unit learning rate (the CNN). seq_lbfgs runs in float64 and agrees to about 1e-10.

The runs of the selected cases go two at a time (the machine has two cores), each subprocess single-threaded.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import lzma
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

if importlib.util.find_spec("glassgrad.run") is None:
    pytest.skip("glassgrad.run (the `glassgrad run` command) is not available", allow_module_level=True)

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
DATA = REPO / "src" / "glassgrad" / "datasets" / "_data"
SHAKESPEARE = DATA / "tinyshakespeare.txt.xz"
STEP_LINE = re.compile(r"^step (\d+) (\w+) (\S+)$")
TIMEOUT_S = 120


@functools.cache
def shakespeare_text() -> str:
    with lzma.open(SHAKESPEARE, "rt", encoding="utf-8") as file:
        return file.read()


@dataclass(frozen=True)
class Case:
    """One program in comparison mode, and how closely glassgrad must follow torch's trajectory."""

    name: str
    script: str
    args: tuple[str, ...]
    first_rtol: float  # the values printed at step 0
    all_rtol: float  # every value printed, at every step
    glassgrad_args: tuple[str, ...] = field(default=())  # only on the glassgrad side (e.g. --compile)
    needs: tuple[str, ...] = field(default=())  # glassgrad names the program uses beyond the common ones


CASES = [
    Case(
        "gpt_train",
        "gpt_train.py",
        (
            *("--data", str(SHAKESPEARE), "--steps", "10", "--fixed-batches", "--sample-tokens", "40", "--top-k", "1"),
            *("--out-dir", "ckpt", "--ckpt-interval", "6"),  # each run's checkpoint after step 5, for the resume tests
        ),
        first_rtol=1e-6,
        all_rtol=1e-5,
        glassgrad_args=("--compile",),
        needs=("glassgrad.topk",),
    ),
    Case(
        "gpt_train_flash",
        "gpt_train.py",
        ("--data", str(SHAKESPEARE), "--steps", "6", "--fixed-batches", "--flash"),
        first_rtol=1e-6,
        all_rtol=1e-5,
    ),
    Case(
        "word_lm_lstm",
        "word_lm.py",
        ("--data", str(SHAKESPEARE), "--model", "lstm", "--steps", "12", "--dropout", "0"),
        first_rtol=1e-6,
        all_rtol=3e-5,
        needs=(
            "glassgrad.Tensor.narrow",
            "glassgrad.Tensor.new_zeros",
        ),
    ),
    Case(
        "word_lm_transformer",
        "word_lm.py",
        ("--data", str(SHAKESPEARE), "--model", "transformer", "--steps", "12", "--dropout", "0"),
        first_rtol=1e-6,
        all_rtol=1e-4,
        needs=("glassgrad.Tensor.narrow",),
    ),
    Case(
        "cnn_classifier",
        "cnn_classifier.py",
        ("--data-dir", str(DATA), "--train-size", "384", "--test-size", "256", "--no-shuffle", "--dropout", "0"),
        first_rtol=1e-6,
        all_rtol=1e-5,
        needs=("glassgrad.utils.data",),
    ),
    Case(
        "vae",
        "vae.py",
        ("--data-dir", str(DATA), "--train-size", "512", "--no-shuffle", "--numpy-noise"),
        first_rtol=1e-6,
        all_rtol=1e-6,
        needs=("glassgrad.utils.data",),
    ),
    Case(
        "dcgan",
        "dcgan.py",
        ("--data-dir", str(DATA), "--steps", "8", "--no-shuffle", "--numpy-noise"),
        first_rtol=1e-6,
        all_rtol=3e-5,
        needs=("glassgrad.utils.data",),
    ),
    Case(
        "vit",
        "vit.py",
        ("--data-dir", str(DATA), "--train-size", "384", "--epochs", "2", "--no-shuffle", "--dropout", "0"),
        first_rtol=1e-6,
        all_rtol=5e-6,
        needs=(
            "glassgrad.utils.data",
            "glassgrad.inference_mode",
        ),
    ),
    Case(
        "seq_lbfgs",
        "seq_lbfgs.py",
        ("--steps", "3", "--length", "40", "--n-seq", "8", "--max-iter", "8"),
        first_rtol=1e-9,
        all_rtol=1e-8,
    ),
    Case(
        "char_rnn",
        "char_rnn.py",
        ("--data", str(SHAKESPEARE), "--steps", "12"),
        first_rtol=1e-6,
        all_rtol=3e-6,
        needs=(
            "glassgrad.roll",
            "glassgrad.distributions.Categorical",
        ),
    ),
]
CASES_BY_NAME = {case.name: case for case in CASES}


def glassgrad_has(path: str) -> bool:
    """Whether a dotted glassgrad name exists: the longest importable module prefix, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def missing_in_glassgrad(case: Case) -> list[str]:
    """What the case needs that this glassgrad lacks; every case loads a torch.save file (`--load-init`)."""
    import glassgrad

    missing = [name for name in case.needs if not glassgrad_has(name)]
    if "map_location" not in inspect.signature(glassgrad.load).parameters:
        missing.append("glassgrad.load of torch.save files (map_location)")
    return missing


@dataclass
class Run:
    """What one subprocess printed: its `step` values keyed by (step, name), and its whole output."""

    values: dict[tuple[int, str], float]
    stdout: str


def run_program(command: list[str], cwd: Path) -> Run:
    """Run one program to completion (single-threaded), failing with its output if it exits non-zero."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    values = {}
    for line in done.stdout.splitlines():
        match = STEP_LINE.match(line)
        if match:
            values[(int(match[1]), match[2])] = float(match[3])
    return Run(values, done.stdout)


def torch_command(script: str, *args: str) -> list[str]:
    return [sys.executable, str(PROGRAMS / script), *args]


def glassgrad_command(script: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "glassgrad.run", str(PROGRAMS / script), *args]


@dataclass
class Pair:
    reference: Run  # torch's run, in workdir/torch
    ported: Run  # glassgrad's run from the same initial weights, in workdir/glassgrad
    workdir: Path

    @property
    def init(self) -> Path:
        return self.workdir / "init.pt"  # the initial weights, as torch.save wrote them


def run_pair(case: Case, workdir: Path) -> Pair:
    """torch saves its initial weights and trains; glassgrad loads those weights and trains the same way.

    Each runs in its own folder, so relative output paths (gpt_train's --out-dir) do not collide."""
    init = workdir / "init.pt"
    for folder in ("torch", "glassgrad"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
    reference = run_program(torch_command(case.script, *case.args, "--save-init", str(init)), workdir / "torch")
    ported = run_program(
        glassgrad_command(case.script, *case.args, *case.glassgrad_args, "--load-init", str(init)),
        workdir / "glassgrad",
    )
    return Pair(reference, ported, workdir)


def relative_differences(reference: Run, ported: Run) -> dict[tuple[int, str], float]:
    assert reference.values, f"the torch run printed no step lines:\n{reference.stdout[-2000:]}"
    assert ported.values.keys() == reference.values.keys(), (
        f"glassgrad printed {sorted(ported.values)} but torch printed {sorted(reference.values)}"
    )
    return {key: abs(ported.values[key] - value) / max(abs(value), 1e-12) for key, value in reference.values.items()}


# The tests that read another case's runs, and which cases: selecting one of them runs those pairs too.
CASES_USED_BY = {
    "test_gpt_greedy_generation_matches_torch": ("gpt_train",),
    "test_char_rnn_samples_with_categorical": ("char_rnn",),
    "test_gpt_resumes_a_torch_checkpoint": ("gpt_train",),
    "test_gpt_resumes_its_own_checkpoint": ("gpt_train",),
}


@pytest.fixture(scope="module")
def pair_runs(request, tmp_path_factory):
    """Run the selected cases' torch/glassgrad pairs, two pairs at a time; maps a case name to its future."""
    selected = set()
    for item in request.session.items:
        if item.module is not request.module:
            continue
        if hasattr(item, "callspec") and "name" in item.callspec.params:
            selected.add(item.callspec.params["name"])
        selected.update(CASES_USED_BY.get(item.originalname, ()))
    root = tmp_path_factory.mktemp("port")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runnable = [name for name in sorted(selected) if not missing_in_glassgrad(CASES_BY_NAME[name])]
        futures = {name: pool.submit(run_pair, CASES_BY_NAME[name], root / name) for name in runnable}
        yield futures


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_loss_trajectory_matches_torch(name, pair_runs):
    case = CASES_BY_NAME[name]
    missing = missing_in_glassgrad(case)
    if missing:
        pytest.skip(f"{case.script} needs what this glassgrad lacks: {', '.join(missing)}")
    pair = pair_runs[name].result()
    reference, ported = pair.reference, pair.ported
    differences = relative_differences(reference, ported)
    first = max(value for (step, _), value in differences.items() if step == 0)
    worst_key = max(differences, key=differences.get)
    print(f"{name}: first-step rel diff {first:.2e}, max rel diff {differences[worst_key]:.2e} at {worst_key}")
    assert first <= case.first_rtol, f"{name}: step 0 differs by {first:.2e} relative (allowed {case.first_rtol})"
    assert differences[worst_key] <= case.all_rtol, (
        f"{name}: {worst_key} is {ported.values[worst_key]} under glassgrad, {reference.values[worst_key]} under"
        f" torch ({differences[worst_key]:.2e} relative, allowed {case.all_rtol})"
    )


def samples(run: Run) -> list[str]:
    """The texts a program printed as `sample: 'repr of a str'`."""
    return [
        ast.literal_eval(line[len("sample: ") :]) for line in run.stdout.splitlines() if line.startswith("sample: ")
    ]


def test_gpt_greedy_generation_matches_torch(pair_runs):
    """With top_k=1, generate (crop to block_size, torch.topk, masked assignment, softmax, multinomial) is greedy:
    glassgrad's 40 characters must be torch's, past the 32-character block so the context crop runs too."""
    if "gpt_train" not in pair_runs:
        pytest.skip("gpt_train cannot run on this glassgrad")
    pair = pair_runs["gpt_train"].result()
    (reference,) = samples(pair.reference)
    assert len(reference) == 41  # the start character and 40 new ones
    assert samples(pair.ported) == [reference]


def test_char_rnn_samples_with_categorical(pair_runs):
    """char_rnn samples 80 characters with torch.distributions.Categorical under torch.inference_mode()."""
    if "char_rnn" not in pair_runs:
        pytest.skip("char_rnn cannot run on this glassgrad")
    pair = pair_runs["char_rnn"].result()
    vocabulary = set(shakespeare_text()[:100000])
    for run in (pair.reference, pair.ported):
        (sample,) = samples(run)
        assert len(sample) == 80 and set(sample) <= vocabulary


def resume_gpt(pair: Pair, side: str, tmp_path: Path) -> Run:
    """glassgrad resumes the checkpoint that `side`'s gpt_train run wrote after step 5, and trains to step 10."""
    out_dir = tmp_path / "ckpt"
    shutil.copytree(pair.workdir / side / "ckpt", out_dir)
    common = ("--data", str(SHAKESPEARE), "--fixed-batches", "--out-dir", str(out_dir))
    resumed = run_program(glassgrad_command("gpt_train.py", *common, "--steps", "10", "--resume"), tmp_path)
    assert "resuming from step 6" in resumed.stdout
    assert sorted(resumed.values) == [(step, "loss") for step in range(6, 10)]
    return resumed


def test_gpt_resumes_a_torch_checkpoint(tmp_path, pair_runs):
    """torch's run wrote {model, optimizer, iter_num, config} after 6 steps; glassgrad resumes it to step 10.

    glassgrad's steps 6..9 must follow torch's uninterrupted run: the AdamW moments, the step counts and the
    learning-rate schedule all come back from the checkpoint.
    """
    if "gpt_train" not in pair_runs:
        pytest.skip("gpt_train cannot run on this glassgrad")
    pair = pair_runs["gpt_train"].result()
    resumed = resume_gpt(pair, "torch", tmp_path)
    for key, value in resumed.values.items():
        assert value == pytest.approx(pair.reference.values[key], rel=CASES_BY_NAME["gpt_train"].all_rtol), key


def test_gpt_resumes_its_own_checkpoint(tmp_path, pair_runs):
    """glassgrad's run wrote the same checkpoint with torch.save (a safetensors file); resumed by glassgrad,
    steps 6..9 are exactly its own uninterrupted run's."""
    if "gpt_train" not in pair_runs:
        pytest.skip("gpt_train cannot run on this glassgrad")
    pair = pair_runs["gpt_train"].result()
    resumed = resume_gpt(pair, "glassgrad", tmp_path)
    assert resumed.values == {key: pair.ported.values[key] for key in resumed.values}
