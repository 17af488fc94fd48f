"""yibao (医保): exact adjudication of Chinese employee outpatient mutual-aid claims.

>>> import yibao
>>> yibao.regions()
['chongqing', 'ili', 'inner_mongolia', 'jining', 'nanchang']
"""

from __future__ import annotations

try:
    from . import _core  # noqa: F401
except ImportError as exc:  # pragma: no cover - only when the extension is not built
    raise ImportError(
        "yibao's compiled core (yibao._core) is missing: install the package with "
        "`pip install .` from the source tree (it builds the C++ core), rather than importing "
        f"it from a plain checkout. Original error: {exc}"
    ) from exc

from .adjudicate import adjudicate
from .errors import (
    AmountOverflowError,
    InputError,
    MissingParameterError,
    NoVersionInForceError,
    PolicyError,
    YibaoError,
)
from .policy import Policy, load_policy, regions
from .stream import adjudicate_parquet

__version__ = "0.1.0"

__all__ = [
    "AmountOverflowError",
    "InputError",
    "MissingParameterError",
    "NoVersionInForceError",
    "Policy",
    "PolicyError",
    "YibaoError",
    "adjudicate",
    "adjudicate_parquet",
    "load_policy",
    "regions",
]
