"""yibao (医保): exact adjudication of Chinese employee outpatient mutual-aid claims.

>>> import yibao
>>> yibao.regions()
['chongqing', 'ili', 'inner_mongolia', 'jining', 'nanchang']
"""

from __future__ import annotations

from typing import Any

from .errors import (
    AmountOverflowError,
    InputError,
    MissingParameterError,
    NoVersionInForceError,
    PolicyError,
    YibaoError,
)

__version__ = "0.1.0"

try:
    from . import _core as _core  # "as": an explicit re-export for type checkers
except ImportError as _exc:  # pragma: no cover - only when the extension is not built
    # Keep `import yibao` (and so its pytest plugin) working; fail with a clear message when
    # something that needs the compiled core is used.
    _core_error: ImportError | None = _exc
else:
    _core_error = None

if _core_error is None:
    from . import datasets, memory
    from .accounts import account_credits
    from .adjudicate import adjudicate
    from .compare import Comparison, compare, outpatient_regions
    from .curves import benefit_curve
    from .fund_impact import fund_impact
    from .ledger import ledger
    from .lint import Finding, lint_policy
    from .naming import from_nhsa, to_nhsa
    from .policy import Policy, load_policy, regions
    from .stream import adjudicate_parquet
    from .views import float_view
else:  # pragma: no cover

    def __getattr__(name: str) -> Any:
        raise ImportError(
            f"yibao.{name} needs yibao's compiled core (yibao._core), which is missing: install "
            "the package with `pip install .` from the source tree (it builds the C++ core) "
            f"rather than importing it from a plain checkout. Original error: {_core_error}"
        ) from _core_error


__all__ = [
    "AmountOverflowError",
    "Comparison",
    "Finding",
    "InputError",
    "MissingParameterError",
    "NoVersionInForceError",
    "Policy",
    "PolicyError",
    "YibaoError",
    "account_credits",
    "adjudicate",
    "adjudicate_parquet",
    "benefit_curve",
    "compare",
    "datasets",
    "float_view",
    "from_nhsa",
    "fund_impact",
    "ledger",
    "lint_policy",
    "load_policy",
    "memory",
    "outpatient_regions",
    "regions",
    "to_nhsa",
]
