"""Benchmark of yibao.sweep: 50 values of a parameter against one adjudication (issue 18).

    python benchmarks/sweep.py                    # 10^6 claims, 50 caps, best of 3
    python benchmarks/sweep.py --claims 200000 --values 20 --repeat 5

The claims are synthetic (Jining rules, 2024), float64 amounts and string labels as a
researcher's frame would have. ``adjudicate`` is one ``yibao.adjudicate`` call; ``sweep`` is
one ``yibao.sweep`` call over ``--values`` annual caps (the claims converted and put in
processing order once, then passes of ``_core.totals``, each adjudicating up to 64 values row
by row and summing, with no per-row outputs). ``per-row route`` is the route sweep took
before: the claims converted once, then per value the kernel with its per-row output columns
(``yibao._many.adjudicate_converted``) and numpy sums. All take the best of ``--repeat``
calls, in one process, side by side, with the same thread count. The target is
``sweep <= 10 x adjudicate``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))


def _best(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--values", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--per-row-route", action="store_true", help="also time the route sweep took before"
    )
    args = parser.parse_args(argv)

    import yibao
    from yibao.datasets import synthetic_claims

    claims = synthetic_claims(args.claims, seed=1, year=2024)
    claims["eligible"] = claims["eligible"].astype("float64")  # exact 2-decimal values
    for column in ("status", "tier", "service", "institution_id"):
        claims[column] = claims[column].astype("str")
    policy = yibao.load_policy("jining")
    caps = [500 + 100 * i for i in range(args.values)]
    threads = args.threads

    from yibao import _core
    from yibao._many import adjudicate_converted, convert_once, members_with, rows_flagged

    def per_row_route() -> None:
        converted = convert_once(claims, threads=threads)
        for cap in caps:
            out = adjudicate_converted(converted, policy.replace({"pools.general.annual_cap": cap}))
            for name in ("fund_paid", "self_pay", "capped"):
                out[name].sum()
            for bits in (_core.rule_annual_cap | _core.rule_overall_cap, _core.rule_visit_cap):
                members_with(converted, rows_flagged(out["rule"], bits))

    one = _best(lambda: yibao.adjudicate(claims, policy, threads=threads), args.repeat)
    many = _best(
        lambda: yibao.sweep(claims, policy, {"pools.general.annual_cap": caps}, threads=threads),
        args.repeat,
    )
    before = _best(per_row_route, args.repeat) if args.per_row_route else None
    print(f"claims {len(claims):,}, values {len(caps)}, threads {threads}, best of {args.repeat}")
    print("| call | seconds | per value | ratio to one adjudication |")
    print("|---|---|---|---|")
    print(f"| adjudicate (once) | {one:.3f} | | 1.00 |")
    print(
        f"| sweep ({len(caps)} values) | {many:.3f} | {many / len(caps):.4f} | {many / one:.2f} |"
    )
    if before is not None:
        print(
            f"| per-row route ({len(caps)} values) | {before:.3f} | {before / len(caps):.4f} "
            f"| {before / one:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
