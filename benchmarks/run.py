"""Benchmarks: yibao against the alternatives, side by side in one run (issue 5).

    python benchmarks/run.py                      # 10^5, 10^6, 10^7 claims
    python benchmarks/run.py --sizes 100000 2000000 --decimal-max 1000000

Each measurement runs in a fresh subprocess on the same cached input (Chongqing rules,
synthetic claims sorted by member and date, float64 amounts and string status, as a
researcher's frame would have), timed with conversion included, best of ``--repeat``.
``yibao_unsorted`` takes the same rows shuffled, ``yibao_by_date`` sorted by date alone
(as claim files often come: each member's rows in date order, members interleaved).
Peak memory is the process's high-water mark during the call (Linux VmHWM, reset before
the call) as a multiple of the input frame's own size. Results go to stdout as a Markdown
table and to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "results" / "cache"
COLUMNS = [
    "member_id",
    "date",
    "level",
    "eligible",
    "status",
    "tier",
    "service",
    "prescriber_level",
]


def _input(n: int, shuffled: bool = False, by_date: bool = False):
    import numpy as np
    import pandas as pd

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"claims_{n}.parquet"
    if not path.exists():
        from yibao.datasets import synthetic_claims

        claims = synthetic_claims(n, seed=1, year=2024)[COLUMNS]
        claims["eligible"] = claims["eligible"].astype("float64")  # exact 2-decimal values
        claims.to_parquet(path)
    claims = pd.read_parquet(path)
    claims["eligible"] = claims["eligible"].astype("float64")
    claims["prescriber_level"] = claims["prescriber_level"].astype("Int8")
    for column in ("status", "tier", "service"):
        claims[column] = claims[column].astype("str")
    if shuffled:
        order = np.random.default_rng(0).permutation(len(claims))
        claims = claims.iloc[order].reset_index(drop=True)
    if by_date:  # a claim file sorted by date alone: each member's rows in date order
        claims = claims.sort_values("date", kind="stable").reset_index(drop=True)
    return claims


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:  # resets VmHWM to the current RSS
        f.write("5")


def _peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure_one(method: str, n: int, repeat: int) -> dict[str, float]:
    """Run in the child process: time ``method`` on ``n`` claims."""
    sys.path.insert(0, str(HERE))
    import alternatives

    import yibao

    claims = _input(n, shuffled=method == "yibao_unsorted", by_date=method == "yibao_by_date")
    frame_bytes = int(claims.memory_usage(deep=True).sum())
    policy = yibao.load_policy("chongqing")
    threads = 1 if method == "yibao_1thread" else None
    calls = {
        "yibao": lambda: yibao.adjudicate(claims, policy),
        "yibao_1thread": lambda: yibao.adjudicate(claims, policy, threads=1),
        "yibao_unsorted": lambda: yibao.adjudicate(claims, policy, threads=threads),
        "yibao_by_date": lambda: yibao.adjudicate(claims, policy, threads=threads),
        "numpy_float64": lambda: alternatives.numpy_float64(claims),
        "numpy_float64_all": lambda: alternatives.numpy_float64_all(claims),
        "decimal_loop": lambda: alternatives.decimal_loop(claims),
        "decimal_loop_all": lambda: alternatives.decimal_loop_all(claims),
        "copy_floor": lambda: alternatives.copy_floor(claims),
    }
    best, peak, first = float("inf"), 0, None
    result = None
    for _ in range(repeat):
        result = None
        before = _rss_bytes()
        _reset_peak()
        start = time.perf_counter()
        result = calls[method]()
        elapsed = time.perf_counter() - start
        first = elapsed if first is None else first
        best = min(best, elapsed)
        peak = max(peak, _peak_bytes() - before)
    # The first call of a process also pays for fresh memory (page faults); later calls reuse
    # what earlier results freed (yibao's buffer cache, the allocator's free lists).
    out = {"seconds": best, "first_seconds": first, "peak_bytes": peak, "frame_bytes": frame_bytes}
    if method == "numpy_float64":
        import numpy as np

        exact = yibao.adjudicate(claims, policy, money="fen")["fund_paid"].to_numpy()
        got = np.rint(np.asarray(result) * 100).astype(np.int64)
        out["rows_off_by_a_fen_or_more"] = int((got != exact).sum())
    return out


def _child(method: str, n: int, repeat: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--one", method, str(n), "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=os.environ)
    if done.returncode != 0:
        raise RuntimeError(f"{method} at {n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument(
        "--decimal-max", type=int, default=1_000_000, help="largest size for the Decimal loop"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.repeat)))
        return 0

    methods = [
        "copy_floor",
        "yibao",
        "yibao_1thread",
        "yibao_unsorted",
        "yibao_by_date",
        "numpy_float64",
        "numpy_float64_all",
        "decimal_loop",
        "decimal_loop_all",
    ]
    rows = []
    for n in args.sizes:
        _input(n)  # build the cache outside any timing
        results = {}
        for method in methods:
            decimal = method.startswith("decimal_loop")
            if decimal and n > args.decimal_max:
                continue
            results[method] = _child(method, n, 1 if decimal else args.repeat)
        rows.append({"claims": n, **{m: r for m, r in results.items()}})
        y = results["yibao"]["seconds"]
        line = [
            f"{n:>11,}",
            f"yibao {y:.3f}s ({n / y / 1e6:.1f} M claims/s)",
            f"first call {results['yibao']['first_seconds']:.3f}s",
            f"1 thread {results['yibao_1thread']['seconds'] / y:.2f}x",
            f"unsorted {results['yibao_unsorted']['seconds'] / y:.2f}x",
            f"by date {results['yibao_by_date']['seconds'] / y:.2f}x",
            f"numpy/yibao {results['numpy_float64']['seconds'] / y:.1f}x"
            f" (5 amounts {results['numpy_float64_all']['seconds'] / y:.1f}x)",
            f"floor/yibao {results['copy_floor']['seconds'] / y:.2f}x",
            f"peak {results['yibao']['peak_bytes'] / results['yibao']['frame_bytes']:.2f}x frame",
            f"float64 rows off {results['numpy_float64']['rows_off_by_a_fen_or_more']:,}",
        ]
        if "decimal_loop" in results:
            line.append(
                f"Decimal/yibao {results['decimal_loop']['seconds'] / y:.0f}x"
                f" (5 amounts {results['decimal_loop_all']['seconds'] / y:.0f}x)"
            )
        print(" | ".join(line), flush=True)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=2))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
