"""gg.load's `map_location`, as torch.load's: where the tensors of each saved storage location land.

A checkpoint records each storage's location ("cpu", "cuda:0"). torch.load restores a storage to its saved
location unless map_location says otherwise; glassgrad puts every tensor on the cpu unless map_location
names a device (it has one GPU device, "cuda", used only when CuPy sees a GPU). map_location may be:

- None: everything on the cpu (torch would restore "cuda:0" storages to the GPU);
- a device: "cpu", "cuda", "cuda:1", a gg.device or a torch.device: everything there;
- a dict {saved location: device}, e.g. {"cuda:1": "cuda:0"}: a location it does not name lands on the cpu;
- a callable(storage, location), e.g. `lambda storage, loc: storage`: glassgrad has no torch storage to give
  it, so it gets a `StorageStandIn`, whose `cpu()`, `cuda(i)` and `to(device)` say where the tensors go; it
  may return that stand-in, a device, or None (the cpu).

A "cuda" target without a usable GPU raises RuntimeError, as torch.load does.
"""

from __future__ import annotations

from typing import Any, Callable

from .backend import CPU, cuda_is_available, device

Placement = Callable[[str], device]  # a saved location -> the device its tensors land on


def placement_for(map_location: Any) -> Placement:
    """The placement function of a `map_location` argument; a device it names is checked now."""
    if map_location is None:
        return lambda location: CPU
    if isinstance(map_location, dict):
        targets = {str(location): target_device(target) for location, target in map_location.items()}
        return lambda location: targets.get(location, CPU)
    if callable(map_location) and not isinstance(map_location, device):
        return _called_placement(map_location)
    target = target_device(map_location)
    return lambda location: target


def target_device(spec: Any) -> device:
    """A map_location device: a str, a gg.device or anything torch.device-like (it has `.type`)."""
    if not isinstance(spec, (str, device)):
        if not hasattr(spec, "type"):
            raise TypeError(
                f"gg.load: map_location {spec!r} is not a device; pass 'cpu', 'cuda', a gg.device or torch.device, "
                "a dict of locations, or a callable(storage, location)"
            )
        spec = str(spec)  # torch.device('cuda', 0) -> 'cuda:0'
    try:
        target = device(spec)
    except ValueError as error:
        raise ValueError(f"gg.load: map_location {spec!r}: {error}") from error
    if target.type == "cuda" and not cuda_is_available():
        raise RuntimeError(
            f"gg.load: map_location asks for {str(target)!r}, but CUDA is not available (glassgrad's cuda device "
            "needs CuPy and an NVIDIA GPU); on a CPU-only machine pass map_location='cpu'"
        )
    return target


class StorageStandIn:
    """What a callable map_location gets as its `storage`: its methods record the device asked for."""

    def __init__(self, target: device = CPU) -> None:
        self.target = target

    def cpu(self) -> StorageStandIn:
        return StorageStandIn(CPU)

    def cuda(self, device: Any = None, non_blocking: bool = False) -> StorageStandIn:
        return StorageStandIn(target_device("cuda" if device is None else _cuda_spec(device)))

    def to(self, device: Any, *args: Any, **kwargs: Any) -> StorageStandIn:
        return StorageStandIn(target_device(device))


def _cuda_spec(index_or_device: Any) -> Any:
    return f"cuda:{index_or_device}" if isinstance(index_or_device, int) else index_or_device


def _called_placement(function: Callable[[Any, str], Any]) -> Placement:
    """Ask `function` once per saved location (torch asks per storage; the answer depends on the location)."""
    answers: dict[str, device] = {}

    def placement(location: str) -> device:
        if location not in answers:
            result = function(StorageStandIn(), location)
            if result is None:
                answers[location] = CPU
            elif isinstance(result, StorageStandIn):
                answers[location] = result.target
            else:
                answers[location] = target_device(result)
        return answers[location]

    return placement
