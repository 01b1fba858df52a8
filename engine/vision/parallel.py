"""Run per-photo work on a few threads, one photo per core.

Decoding (Pillow), resizing and the network (torch, one intra-op thread) release
the GIL, so photos handled on separate threads use separate cores. Independent
photos scale better than splitting one network pass over several OpenMP threads:
those wait for each other at every layer and stall whenever another program
takes a core.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# One worker per core, at most 4, so a larger machine keeps cores free for the
# window and other jobs.
WORKERS = max(1, min(4, os.cpu_count() or 1))

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="photo-worker")
        return _pool


def map_photos(
    function: Callable[[Item], Result], items: Iterable[Item]
) -> list[Result]:
    """Return `function` applied to each item, in order, computed on the worker threads.

    Raises:
        The first exception raised by `function`, after all items have finished.
    """
    items = list(items)
    if len(items) <= 1 or WORKERS == 1:
        return [function(item) for item in items]
    futures = [_shared_pool().submit(function, item) for item in items]
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
    return [future.result() for future in futures]
