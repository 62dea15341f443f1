"""The benchmark harness: a smoke run of every registered workload, the report, the CLI and its JSON."""

from __future__ import annotations

import json

import pytest

from glassgrad.bench import WORKLOADS, Workload, format_report, main, run_workload, smoke
from glassgrad.bench.threads import blas_threads, default_threads, set_blas_threads


def test_registry_holds_workloads() -> None:
    assert "mlp" in WORKLOADS
    assert all(isinstance(w, Workload) and w.name == name for name, w in WORKLOADS.items())


def test_smoke_mlp_matches_torch() -> None:
    pytest.importorskip("torch")
    record = smoke(WORKLOADS["mlp"])
    assert set(record["frameworks"]) == {"glassgrad", "torch"}
    assert record["losses_agree"]
    assert record["threads"] == 1 and record["steps_per_round"] == 2


def test_glassgrad_only_run_and_report() -> None:
    record = run_workload(WORKLOADS["mlp"], rounds=2, steps=1, warmup=1, threads=1, with_torch=False)
    stats = record["frameworks"]["glassgrad"]
    assert len(stats["round_median_ms"]) == 2 and stats["median_ms"] > 0
    assert "ratio" not in record
    report = format_report(record)
    assert report.startswith("workload mlp: Linear(784,512)") and "glassgrad" in report


def test_cli_writes_json(tmp_path, capsys) -> None:
    assert main(["mlp", "--rounds", "1", "--steps", "1", "--warmup", "1", "--threads", "1", "--no-torch",
                 "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "mlp.json").read_text())
    assert record["workload"] == "mlp" and record["threads"] == 1
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["no-such-workload"])


def test_blas_threads_can_be_set_and_restored() -> None:
    original = default_threads()
    if blas_threads() is None:
        pytest.skip("NumPy's BLAS thread count is not visible here")
    assert set_blas_threads(1) and blas_threads() == 1
    set_blas_threads(original)
    assert blas_threads() == original
