"""DistributedDataParallel on two ranks equals one process on the concatenated batch (ranks/ddp.py): under
'mpi' with CPU models, and under 'nccl' with CUDA models where two GPUs are at hand (skipped otherwise)."""

import pytest

from ._launch import TWO_RANK_BACKENDS, launch, needs_mpi, results

pytestmark = needs_mpi


@pytest.fixture(scope="module", params=TWO_RANK_BACKENDS)
def ranks(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"ddp-{request.param}")
    status, output, seconds = launch("ddp.py", out, request.param, timeout=180)
    assert status == 0, output
    return [dict(report, asked=request.param) for report in results(out)]


@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-6), ("float32", 1e-5)])
def test_gradients_and_20_adamw_steps_match_one_process(ranks, dtype, tolerance):
    for report in ranks:
        assert report[dtype]["buckets"] > 1
        assert report[dtype]["bucket_arrays"] == (["cupy"] if report["asked"] == "nccl" else ["numpy"])
        assert report[dtype]["gradient"] <= tolerance
        assert report[dtype]["parameters"] <= tolerance


def test_state_dict_keys_have_the_module_prefix(ranks):
    assert ranks[0]["float64"]["keys"] == ["module.0.weight", "module.0.bias"]


def test_no_sync_accumulates_then_averages_once(ranks):
    for report in ranks:
        assert report["no_sync"] <= 1e-6


def test_models_that_differ_across_ranks_are_refused_naming_ranks_and_parameters(ranks):
    for report in ranks:
        message = report["mismatch"]
        assert message is not None
        assert "rank 0 has [parameter weight (3, 4) float32; parameter bias (3,) float32]" in message
        assert "rank 1 has [parameter weight (4, 4) float32; parameter bias (4,) float32]" in message


def test_a_layer_used_twice_gets_one_averaged_gradient(ranks):
    for report in ranks:
        assert report["shared"] <= 1e-6


def test_an_unused_parameter_is_an_error_naming_it_unless_find_unused_parameters(ranks):
    for report in ranks:
        message = report["unused_False"]
        assert isinstance(message, str)
        assert "parameters received no gradient in this backward: unused.bias, unused.weight" in message
        assert "find_unused_parameters=True" in message
        unused_grad, used_grad_sum = report["unused_True"]
        assert unused_grad == [[0.0] * 5] * 3
        assert used_grad_sum != 0


def test_buffers_are_rank_0s_after_construction(ranks):
    assert ranks[0]["running_mean"] == ranks[1]["running_mean"] == [0.0, 0.0, 0.0]


def test_the_first_buckets_all_reduce_starts_before_backward_reaches_the_first_layer(ranks):
    for report in ranks:
        events, buckets = report["overlap"]["events"], report["overlap"]["buckets"]
        assert buckets >= 3
        assert sorted(e for e in events if e.startswith("start")) == sorted(f"start {b}" for b in range(buckets))
        # bucket 0 holds the last layer's parameters: its all-reduce travels while the layers below run backward
        assert events.index("start 0") < events.index("probe backward")
        assert events.index(f"start {buckets - 1}") > events.index("probe backward")  # the first layer's
        assert events[-2:] == ["all-reduces waited for", "backward returned"]  # all done before step()
