"""yibao (医保): exact adjudication of Chinese employee outpatient mutual-aid claims.

yibao decides, claim by claim and exactly to the fen, what a region's employee medical
insurance fund pays for general-outpatient claims under its "outpatient mutual-aid"
(门诊共济保障) rules: deductible (起付线), rates by hospital level, per-visit and annual caps,
over pandas DataFrames of millions of claims. Every policy number cites its document and
article; a value the text does not give is never invented (using it raises an error that
names it).

Main functions
--------------
adjudicate(claims, policy)
    The claims with ``deductible``, ``fund_paid``, ``self_pay``, ``capped``,
    ``ytd_fund_paid`` (exact ``decimal128(18, 2)``) and ``rule`` (what decided the row).
compare(claims, policies), outpatient_regions()
    The same claims under several regions or reforms; the regions that have rules.
load_policy(key), regions(), Policy.replace(...)
    The bundled regions, every parameter with its source; reforms as overrides.
benefit_curve(...), account_credits(...), ledger(...), fund_impact(...)
    One member's benefit by spending; personal-account credits; the account ledger.
datasets.synthetic(...)
    SYNTHETIC members and claims to try things on.
float_view(frame)
    A float copy of the money columns for ``describe()`` and plots (money stays exact).
adjudicate_parquet(...), yibao.dask.adjudicate, yibao.spark.adjudicate
    Files larger than memory; Dask; Spark and Hive tables.

The ``yibao`` command (``python -m yibao``) runs the demo, adjudicates and compares files.

Examples
--------
>>> import pandas as pd, yibao
>>> yibao.regions()
['chongqing', 'ili', 'inner_mongolia', 'jining', 'nanchang']
>>> claims = pd.DataFrame({"member_id": [1, 1], "date": ["2023-02-01", "2023-02-02"],
...                        "level": [1, 1], "eligible": [80, 100], "status": "在职"})
>>> out = yibao.adjudicate(claims, "jining")
>>> out["fund_paid"].tolist(), out["self_pay"].tolist()
([Decimal('0.00'), Decimal('56.00')], [Decimal('80.00'), Decimal('44.00')])
"""

from __future__ import annotations

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - a copy of the sources on an older Python
    raise ImportError(f"yibao needs Python 3.11 or newer; this is Python {sys.version.split()[0]}")

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
    from . import nhsa as nhsa  # the settlement-extract reader (yibao.nhsa.read_extract)
    from .accounts import account_credits
    from .adjudicate import adjudicate
    from .backtest import Backtest, backtest
    from .compare import Comparison, compare, outpatient_regions
    from .curves import benefit_curve
    from .decompose import Decomposition, decompose
    from .fund_impact import fund_impact
    from .incidence import Incidence, incidence
    from .ledger import ledger
    from .lint import Finding, lint_policy
    from .naming import from_nhsa, to_nhsa
    from .policy import Policy, load_policy, regions
    from .policy_diff import diff
    from .stream import adjudicate_parquet
    from .sweep import sweep
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
    "Backtest",
    "Comparison",
    "Decomposition",
    "Finding",
    "Incidence",
    "InputError",
    "MissingParameterError",
    "NoVersionInForceError",
    "Policy",
    "PolicyError",
    "YibaoError",
    "account_credits",
    "adjudicate",
    "adjudicate_parquet",
    "backtest",
    "benefit_curve",
    "compare",
    "datasets",
    "decompose",
    "diff",
    "float_view",
    "from_nhsa",
    "fund_impact",
    "incidence",
    "ledger",
    "lint_policy",
    "load_policy",
    "memory",
    "nhsa",
    "outpatient_regions",
    "regions",
    "sweep",
    "to_nhsa",
]
