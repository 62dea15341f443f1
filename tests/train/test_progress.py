"""The training progress callback: tqdm's live bar on a terminal, plain timed lines elsewhere."""

from __future__ import annotations

import io
import re

from glassgrad.train.callbacks import Progress

LOGS = {"loss": 1.25, "lr": 1e-3, "samples_per_s": 640.0}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_carry_elapsed_time_eta_and_rate() -> None:
    stream = io.StringIO()
    progress = Progress(4, stream)
    progress.on_train_start(None)
    for step in (1, 2, 4):
        progress.on_step(None, step, dict(LOGS))
    progress.on_evaluate(None, 4, {"val_loss": 0.5})
    progress.on_train_end(None, 4)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("step 1/4  loss 1.2500  lr 1.00e-03  640 samples/s  elapsed 00:00")
    assert re.search(r"step 4/4 .* elapsed \d\d:\d\d  eta 00:00  [\d.]+ steps/s$", lines[2])
    assert lines[3] == "eval at step 4: val_loss 0.5000"


def test_a_terminal_gets_a_tqdm_bar_with_the_metrics() -> None:
    stream = Terminal()
    progress = Progress(10, stream)
    progress.on_train_start(None)
    progress.on_step(None, 5, dict(LOGS))
    progress.on_evaluate(None, 5, {"val_loss": 0.75})
    progress.on_step(None, 10, dict(LOGS))
    progress.on_train_end(None, 10)
    text = stream.getvalue()
    assert "10/10" in text and "step/s" in text  # tqdm's count and rate
    assert "loss 1.2500" in text and "val_loss 0.7500" in text
    assert "eval at step" not in text  # evaluations show in the bar, not as extra lines
    assert progress.bar is None  # closed at the end
