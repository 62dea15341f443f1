"""DistributedSampler: PyTorch's indices with shuffle=False, an exact partition per epoch with shuffle."""

import pytest

import glassgrad as gg
from glassgrad.data import DataLoader, DistributedSampler, Sampler, TensorDataset

CASES = [(n, replicas, drop_last) for n in (0, 1, 5, 7, 10, 12) for replicas in (1, 2, 3, 4, 8)
         for drop_last in (False, True)]  # fmt: skip


@pytest.mark.parametrize("n, replicas, drop_last", CASES)
def test_without_shuffle_the_indices_are_pytorchs(n, replicas, drop_last):
    torch_data = pytest.importorskip("torch.utils.data")
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch_data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("n, replicas", [(10, 2), (11, 3), (100, 4), (3, 8)])
def test_with_shuffle_the_ranks_partition_each_epoch_and_reshuffle(n, replicas):
    orders = []
    for epoch in range(3):
        shares = []
        for rank in range(replicas):
            sampler = DistributedSampler(range(n), replicas, rank, shuffle=True, seed=5)
            sampler.set_epoch(epoch)
            shares.append(list(sampler))
        together = sorted(i for share in shares for i in share)
        padding = len(together) - n
        assert set(together) == set(range(n))  # every index, on some rank
        assert len(together) == replicas * -(-n // replicas)  # padded to equal shares
        assert sum(together.count(i) - 1 for i in set(together)) == padding  # repeats only as padding
        orders.append(shares)
    assert orders[0] != orders[1] != orders[2]  # set_epoch reshuffles
    again = DistributedSampler(range(n), replicas, 0, shuffle=True, seed=5)
    assert list(again) == orders[0][0]  # the same seed and epoch, the same order


def test_drop_last_with_shuffle_gives_disjoint_equal_shares():
    shares = [list(DistributedSampler(range(11), 3, rank, seed=1, drop_last=True)) for rank in range(3)]
    assert [len(s) for s in shares] == [3, 3, 3]
    assert len({i for s in shares for i in s}) == 9


def test_bad_rank_and_missing_process_group_are_clear_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))


def test_a_dataloader_takes_it_as_its_sampler_and_torchs_import_path_finds_it():
    dataset = TensorDataset(gg.arange(10))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1, shuffle=False)
    assert isinstance(sampler, Sampler)
    batches = [batch[0].tolist() for batch in DataLoader(dataset, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]
    from glassgrad.utils.data.distributed import DistributedSampler as from_torchs_path

    assert from_torchs_path is DistributedSampler
