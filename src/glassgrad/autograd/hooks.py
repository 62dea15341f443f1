"""Handles returned by `register_hook` and the nn hook registrations: `handle.remove()` undoes the registration."""

from __future__ import annotations

from typing import Any


class RemovableHandle:
    """Removes one registered hook from the list (or dict) that holds it."""

    def __init__(self, container: Any, hook: Any) -> None:
        self._container = container
        self._hook = hook

    def remove(self) -> None:
        if isinstance(self._container, dict):
            for key, value in list(self._container.items()):
                if value is self._hook:
                    del self._container[key]
        else:
            self._container[:] = [h for h in self._container if h is not self._hook]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()
