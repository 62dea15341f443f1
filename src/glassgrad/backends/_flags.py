"""A namespace of named switches, each with PyTorch's default; an unknown name is an error, as in PyTorch."""

from __future__ import annotations

from typing import Any


class Flags:
    def __init__(self, torch_path: str, **defaults: Any) -> None:
        object.__setattr__(self, "_torch_path", torch_path)
        object.__setattr__(self, "_values", dict(defaults))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"glassgrad does not implement {self._torch_path}.{name}; the settings here are "
                             f"{', '.join(sorted(values))}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"{self._torch_path} has no setting {name!r}; the settings are "
                                 f"{', '.join(sorted(self._values))}")
        self._values[name] = value

    def __repr__(self) -> str:
        return f"{self._torch_path}({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"
