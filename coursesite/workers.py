"""Per-offering work spread over the machine's cores in forked processes.

Offerings are read, checked and rendered independently of each other; a department's worth
of them is split over the cores. Fork (never spawn): the workers inherit what they need from
the parent, so only each item's result crosses back, pickled.
"""
from __future__ import annotations

import os

# Below this many offerings, starting processes costs more than it saves.
PARALLEL_FROM = 16
MAX_WORKERS = 8
CHUNKS_PER_WORKER = 8


def worker_count() -> int:
    """How many workers a split uses: the cores this process may run on (1 without fork)."""
    if not hasattr(os, "fork"):  # multiprocessing's "fork" start method needs it
        return 1
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    return min(cores, MAX_WORKERS)


def worth_splitting(items) -> bool:
    """Whether a split over workers pays for this many items on this machine."""
    return len(items) >= PARALLEL_FROM and worker_count() > 1


def map_in_workers(task, items: list, shared) -> list:
    """[task(shared, item) for item in items], computed in forked workers; the same results,
    in the same order, as computing them one after another (`task` must be pure). `shared`
    reaches the workers through fork (inherited, never pickled); `task` must be a module-level
    function, the items and results picklable."""
    # only large builds start workers: a small one never imports multiprocessing (10 ms)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = min(worker_count(), len(items))
    # Several chunks a worker: a worker that finishes early takes the next, and each result
    # crossing back (pickled, then held twice for a moment) stays a small part of the whole.
    count = min(len(items), n * CHUNKS_PER_WORKER)
    chunks = [list(range(i, len(items), count)) for i in range(count)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(n, mp_context=context, initializer=_start,
                             initargs=(task, items, shared)) as pool:
        parts = list(pool.map(_run_chunk, chunks))
    results: list = [None] * len(items)
    for chunk, part in zip(chunks, parts, strict=True):
        for i, result in zip(chunk, part, strict=True):
            results[i] = result
    return results


_STATE: list = []  # in a forked worker only: (task, items, shared) its initializer received


def _start(task, items, shared) -> None:
    _STATE[:] = [(task, items, shared)]


def _run_chunk(positions: list[int]) -> list:
    ((task, items, shared),) = _STATE
    return [task(shared, items[i]) for i in positions]
