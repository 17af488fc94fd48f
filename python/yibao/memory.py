"""How much freed result memory yibao keeps for reuse.

The C++ core allocates every column it returns (results, converted inputs) from a cache of
freed blocks: when a result frame is dropped, its memory goes back to the cache and the next
call reuses it instead of asking the operating system for fresh pages, which must be faulted
in and zeroed on first touch (a third of the kernel's time on a first call; see
docs/performance.md). Only freed memory is kept, so this never raises the peak of a call.
"""

from __future__ import annotations

from . import _core

__all__ = ["cached_bytes", "set_cache_limit"]

DEFAULT_LIMIT = int(_core.buffer_cache_limit())


def set_cache_limit(max_bytes: int) -> None:
    """Keep at most ``max_bytes`` of freed result memory for reuse (default 1 GiB).

    ``0`` turns the cache off and returns everything it holds to the allocator.

    >>> import yibao.memory
    >>> yibao.memory.set_cache_limit(0)
    >>> yibao.memory.cached_bytes()
    0
    >>> yibao.memory.set_cache_limit(yibao.memory.DEFAULT_LIMIT)
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative int, got {max_bytes!r}")
    _core.set_buffer_cache_limit(max_bytes)


def cached_bytes() -> int:
    """Bytes of freed result memory held for reuse now."""
    return int(_core.buffer_cache_bytes())
