"""Progress bars (tqdm) for yibao's long calls: off by default in the library (a
``progress=`` argument), on in the command line when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import Any, TextIO

__all__ = ["progress_bar"]


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
        unit_scale=True,
        file=stream or sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    )
