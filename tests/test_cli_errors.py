"""The `glassgrad` command: a user's mistake is one line on stderr and exit status 2, with its traceback only under
--debug; a bug in glassgrad keeps its traceback. Real processes where the process matters (status, traceback),
`main()` in this process for the many messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from glassgrad.backend.device import cuda_is_available

CLI = "import sys\nfrom glassgrad.cli import main\nsys.exit(main(sys.argv[1:]))"


def glassgrad(*arguments: str, code: str = CLI, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    command = [sys.executable, "-c", code, *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def in_process(arguments: list, capsys: pytest.CaptureFixture) -> subprocess.CompletedProcess:
    """main() here, as a finished process: argparse's exit becomes the status, and any other exception fails."""
    from glassgrad.cli import main

    capsys.readouterr()
    try:
        status = main(arguments)
    except SystemExit as exit_info:
        status = exit_info.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(arguments, status, captured.out, captured.err)


def assert_one_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 2-step mlp-digits run directory."""
    from glassgrad.train.config import TrainConfig
    from glassgrad.train.run import train

    out = tmp_path_factory.mktemp("runs")
    with open(os.devnull, "w") as quiet:
        return train(TrainConfig(recipe="mlp-digits", steps=2, eval_limit=16, out_dir=str(out)), stream=quiet).run_dir


@pytest.mark.skipif(cuda_is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    message = "glassgrad train: error: --device cuda needs CuPy and an NVIDIA GPU"
    plain = glassgrad("train", "mlp-digits", "--device", "cuda", "--out", str(tmp_path))
    assert_one_line(plain, message, "or use --device cpu")
    for debug in (["--debug", "train", "mlp-digits"], ["train", "mlp-digits", "--debug"]):
        traced = glassgrad(*debug, "--device", "cuda", "--out", str(tmp_path))
        assert traced.returncode == 2
        assert traced.stderr.startswith("Traceback") and "SettingError" in traced.stderr
        assert traced.stderr.splitlines()[-1].startswith(message)
    assert not any(tmp_path.iterdir())  # refused before a run directory was made


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        (
            ["train", "no-such-recipe"],
            ["invalid choice: 'no-such-recipe'", "'mlp-digits'", "see glassgrad train --help"],
        ),
        (["train", "mlp-digits", "--steps", "ten"], ["glassgrad train: error: argument --steps: invalid int value"]),
        (["train", "mlp-digits", "--lr", "-0.5"], ["glassgrad train: error: --lr must be positive, got -0.5"]),
        (["train", "mlp-digits", "--device", "tpu"], ["argument --device: invalid choice: 'tpu'"]),
        (["train", "--resume", "no/such/run"], ["error: no/such/run is not a run directory: there is no such"]),
        (["eval", "."], ["glassgrad eval: error: . is not a run directory", "config.json and checkpoint"]),
        (["report", "missing-run"], ["glassgrad report: error: missing-run is not a run directory"]),
        (["sample", ".", "--temperature", "0"], ["glassgrad sample: error: --temperature must be positive, got 0.0"]),
        (["sample", ".", "--length", "0"], ["glassgrad sample: error: --length must be at least 1, got 0"]),
        (["train", "cnn-mnist"], ["recipe cnn-mnist needs its dataset files: put train-images-idx3-ubyte.gz"]),
        (["bench", "no-such-workload"], ["glassgrad bench: error: unknown workload 'no-such-workload'", "mlp"]),
        (["no-such-command"], ["glassgrad: error: argument COMMAND: invalid choice: 'no-such-command'"]),
    ],
)
def test_user_errors_are_one_line_with_status_2(arguments: list, fragments: list, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # an empty folder: no data/, no runs
    assert_one_line(in_process(arguments, capsys), *fragments)


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (["train", "mlp-digits", "--steps", "ten"], "glassgrad train: error: argument --steps: invalid int value"),
        (["eval", "no/such/run"], "glassgrad eval: error: no/such/run is not a run directory"),
    ],
)
def test_user_errors_in_a_real_process(arguments: list, fragment: str, tmp_path: Path) -> None:
    assert_one_line(glassgrad(*arguments, cwd=tmp_path), fragment)


def test_sampling_from_a_classifier_is_one_line(run: Path, capsys) -> None:
    assert_one_line(in_process(["sample", str(run)], capsys), f"{run} trained mlp-digits, a classifier")


def test_corrupted_run_files_are_one_line(run: Path, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    data = bytearray((run / "checkpoint.safetensors").read_bytes())
    data[-3] ^= 0x10  # a bit of the last tensor's data
    (broken / "checkpoint.safetensors").write_bytes(bytes(data))
    (broken / "config.json").write_text((run / "config.json").read_text())
    result = in_process(["eval", str(broken)], capsys)
    assert_one_line(result, "checkpoint.safetensors' is corrupted: the bytes of tensor", "do not match the checksum")
    (broken / "config.json").write_text('{"recipe": ')
    assert_one_line(
        in_process(["eval", str(broken)], capsys), f"{broken / 'config.json'} is not a valid run configuration"
    )


@pytest.mark.parametrize("error", ["ZeroDivisionError()", "ValueError('an internal shape mismatch')"])
def test_a_bug_in_glassgrad_keeps_its_traceback(error: str) -> None:
    code = (
        "import sys\nimport glassgrad.cli as cli\n"
        "def broken(args):\n"
        f"    raise {error}\n"
        "cli._COMMANDS['recipes'] = broken\n"
        "sys.exit(cli.main(sys.argv[1:]))"
    )
    result = glassgrad("recipes", code=code)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback") and "in broken" in result.stderr
    assert result.stderr.splitlines()[-1] == error.replace("()", "").replace("(", ": ").strip(")").replace("'", "")


def test_a_corrupted_dataset_file_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from .datasets.format_writers import mnist_arrays, write_idx

    raw = tmp_path / "data" / "MNIST" / "raw"
    for prefix in ("train", "t10k"):
        images, labels = mnist_arrays(20)
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    cut = raw / "train-images-idx3-ubyte.gz"
    cut.write_bytes(cut.read_bytes()[:-40])  # a download cut short
    monkeypatch.chdir(tmp_path)
    result = in_process(["train", "cnn-mnist", "--steps", "2", "--out", str(tmp_path / "runs")], capsys)
    assert_one_line(result, "glassgrad train: error: ", "train-images-idx3-ubyte.gz")
