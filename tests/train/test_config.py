"""train/config.py: the dataclass-to-flags parser the examples share."""

from __future__ import annotations

from dataclasses import dataclass

from glassgrad.train import parse_dataclass


@dataclass
class Settings:
    learning_rate: float = 1e-3
    epochs: int = 3
    channels: tuple[int, ...] = (32, 64)
    batch_norm: bool = True
    cell: str = "lstm"


def test_defaults_when_no_flags_are_given() -> None:
    assert parse_dataclass(Settings, []) == Settings()


def test_each_field_becomes_a_flag_of_its_defaults_type() -> None:
    argv = [
        "--learning-rate",
        "0.5",
        "--epochs",
        "7",
        "--channels",
        "8,16,32",
        "--batch-norm",
        "false",
        "--cell",
        "gru",
    ]
    assert parse_dataclass(Settings, argv) == Settings(0.5, 7, (8, 16, 32), False, "gru")
