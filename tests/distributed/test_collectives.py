"""The collectives, two ranks through `glassgrad launch`, against NumPy's results (ranks/collectives.py):
under 'mpi' on CPU tensors, and under 'nccl' on CUDA tensors where two GPUs are at hand (skipped otherwise)."""

import pytest

from ._launch import TWO_RANK_BACKENDS, launch, needs_mpi, results

pytestmark = needs_mpi


@pytest.fixture(scope="module", params=TWO_RANK_BACKENDS)
def ranks(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"collectives-{request.param}")
    status, output, seconds = launch("collectives.py", out, request.param, timeout=180)
    assert status == 0, output
    return [dict(report, asked=request.param) for report in results(out)]


def test_every_collective_matches_numpy_on_every_rank(ranks):
    for report in ranks:
        wrong = [case for case in report["cases"] if not case["ok"]]
        assert not wrong, wrong[:3]
        assert len(report["cases"]) > 200  # 7 dtypes x 5 shapes x (up to 5 reductions + 4 collectives)


def test_the_group_reports_its_ranks(ranks):
    assert [r["rank"] for r in ranks] == [0, 1]
    assert {r["world"] for r in ranks} == {2}
    assert {r["backend"] for r in ranks} == {ranks[0]["asked"]}
    assert {r["transport"] for r in ranks} == {"NcclTransport" if ranks[0]["asked"] == "nccl" else "MpiTransport"}
    assert not any(r["initialized_after_destroy"] for r in ranks)


def test_async_work_handle_completes(ranks):
    assert all(r["async_completed"] for r in ranks)


def test_shapes_that_differ_across_ranks_are_an_error_naming_ranks_and_shapes(ranks):
    for report in ranks:
        message = report["mismatch"]
        assert message is not None
        assert "rank 0: all_reduce of shape (3,), float32" in message
        assert "rank 1: all_reduce of shape (4,), float32" in message


def test_the_cross_rank_check_costs_a_small_collective(ranks):
    for report in ranks:
        print(f"all_reduce of 10 floats: {report['with_check'] * 1e6:.0f} us with the check, "
              f"{report['without_check'] * 1e6:.0f} us without")  # fmt: skip
        assert report["with_check"] < 0.05
