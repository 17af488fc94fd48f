"""Progress bars (tqdm) for yibao's long calls: off by default in the library (a
``progress=`` argument), on in the command line when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["PartitionTick", "progress_bar", "rows_progress"]


def progress_bar(
    total: int | None,
    enabled: bool,
    *,
    desc: str = "adjudicating",
    unit: str = " rows",
    stream: TextIO | None = None,
) -> Any:
    """A tqdm bar over ``total`` rows on ``stream`` (stderr), or a no-op bar when not
    ``enabled``; use it as a context manager and call ``update(n)``."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == " rows",  # 1.2M rows; whole partitions
        file=stream or sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    )


def rows_progress(
    progress: bool | Callable[[int], None] | None, total: int | None, *, desc: str = "adjudicating"
) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """``progress`` as a callback taking the rows done so far, and a function that closes it.

    ``True`` gives a tqdm bar on stderr; a callable is used as it is; ``None``/``False``
    give no callback.
    """
    if progress is True:
        bar = progress_bar(total, True, desc=desc)

        def update(done: int) -> None:
            bar.update(done - bar.n)

        return update, bar.close
    if callable(progress):
        return progress, lambda: None
    return None, lambda: None


# Bars of the Dask driver, by id: a partition run in this process (threaded or synchronous
# scheduler) moves the bar; one run in a worker process finds no bar here and moves nothing.
_BARS: dict[int, Any] = {}


class PartitionTick:
    """Picklable: called once per partition done, it moves the driver's bar by one."""

    def __init__(self, total: int, desc: str) -> None:
        bar = progress_bar(total, True, desc=desc, unit=" partitions")
        self.key = id(bar)
        _BARS[self.key] = bar

    def __call__(self) -> None:
        bar = _BARS.get(self.key)
        if bar is not None:
            bar.update(1)
            if bar.n >= bar.total:
                bar.close()
                _BARS.pop(self.key, None)
