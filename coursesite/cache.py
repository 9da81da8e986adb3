"""One build cache: "reuse if these inputs are unchanged".

The live preview keeps a `BuildCache` between builds so that a save re-reads and re-renders
only what changed; a build without one (`NO_CACHE`) computes everything. Every stage asks the
same question the same way, `cache.reuse(key, inputs, make)`, and a build with a cache gives
the same bytes as one without: the tests build both ways and compare.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def same(a, b) -> bool:
    """Inputs are unchanged when they are the same object (the loader hands back the very
    objects of an unchanged file) or equal (a rebuilt but identical value)."""
    return a is b or (type(a) is type(b) and a == b)


class BuildCache:
    """Values by key, each kept with the inputs it was made from."""

    def __init__(self):
        self._entries: dict = {}

    def reuse(self, key, inputs: tuple, make: Callable[[], T]) -> T:
        """make()'s value for `key`: the remembered one while every input is unchanged since
        it was made, else made anew and remembered."""
        hit = self._entries.get(key)
        if hit is not None and len(hit[0]) == len(inputs) and all(
                same(a, b) for a, b in zip(hit[0], inputs, strict=True)):
            return hit[1]
        value = make()
        self._entries[key] = (inputs, value)
        return value


class _NoCache(BuildCache):
    """The cache of a one-off build: remembers nothing, so `reuse` always makes."""

    def reuse(self, _key, _inputs: tuple, make: Callable[[], T]) -> T:
        return make()


NO_CACHE = _NoCache()
