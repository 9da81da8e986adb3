"""Per-offering work spread over the machine's cores in forked processes.

Offerings are read, checked and rendered independently of each other; a department's worth
of them is split over the cores. Fork (never spawn): the workers inherit what they need from
the parent, so only each item's result crosses back, pickled, through a pipe.
"""
from __future__ import annotations

import os
import pickle
import signal
from typing import NamedTuple

# Below this many offerings, starting processes costs more than it saves.
PARALLEL_FROM = 16
MAX_WORKERS = 8


def worker_count() -> int:
    """How many workers a split uses: the cores this process may run on (1 without fork)."""
    if not hasattr(os, "fork"):
        return 1
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    return min(cores, MAX_WORKERS)


def worth_splitting(items) -> bool:
    """Whether a split over workers pays for this many items on this machine."""
    return len(items) >= PARALLEL_FROM and worker_count() > 1


def map_in_workers(task, items: list, shared) -> list:
    """[task(shared, item) for item in items], computed in forked workers and this process;
    the same results, in the same order, as computing them one after another (`task` must be
    pure), and the same exception: that of the first item to raise one. `shared` reaches
    the workers through fork (inherited, never pickled); the items and the results must be
    picklable (the results and exceptions of the workers come back pickled)."""
    n = max(1, min(worker_count(), len(items)))
    # Every n-th item from k on is worker k's share; this process computes share 0 meanwhile
    # instead of waiting. A pool (concurrent.futures) cost ~50 ms a map on top of this: its
    # import, queues, a thread, and this process idle.
    children = [_fork_share(task, items, shared, k, n) for k in range(1, n)]
    try:
        shares = [_share(task, items, shared, 0, n)]
        while children:
            shares.append(_collected(*children.pop(0)))  # waits for it, even if it failed
    finally:
        for pid, pipe in children:  # not waited for: something failed first
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(pipe)
    failed = [share for share in shares if isinstance(share, _Failure)]
    if failed:
        raise min(failed, key=lambda f: f.position).exception
    results: list = [None] * len(items)
    for k, share in enumerate(shares):
        results[k::n] = share
    return results


class _Failure(NamedTuple):
    """A share that stopped at the item at `position`, which raised `exception`."""

    position: int
    exception: Exception


def _share(task, items: list, shared, k: int, n: int):
    """The results of share k (items k, k + n, ...), or the _Failure of the first of its
    items that raised an exception."""
    done = []
    for i in range(k, len(items), n):
        try:
            done.append(task(shared, items[i]))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, in item order
            return _Failure(i, exc)
    return done


def _fork_share(task, items: list, shared, k: int, n: int) -> tuple[int, int]:
    """(pid, read end of its pipe) of a forked worker computing share k; it writes the
    share's outcome, pickled, to the pipe and exits without the interpreter's teardown (its
    memory is the parent's, copied on write: nothing of it is its own to clean up)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    status = 1
    try:
        os.close(read)
        outcome = _share(task, items, shared, k, n)
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(outcome, pipe, pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


def _collected(pid: int, pipe: int):
    """The outcome worker `pid` wrote to `pipe`, once it has exited; RuntimeError if it died
    without writing one (killed, out of memory, an outcome that cannot be pickled)."""
    with os.fdopen(pipe, "rb") as read:
        try:
            outcome = pickle.load(read)
        except (EOFError, pickle.UnpicklingError):
            outcome = None
    _, status = os.waitpid(pid, 0)
    if status != 0 or outcome is None:
        raise RuntimeError(f"a worker process failed (wait status {status}); "
                           "run again, or report this as a bug")
    return outcome
