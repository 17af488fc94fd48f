"""The dtype matrix: one call of ``yibao.adjudicate`` on the same claims held as different
frame shapes (issue 15), side by side in one run.

    python benchmarks/dtypes.py                     # 2 M claims, best of 5 calls, 3 rounds
    python benchmarks/dtypes.py --claims 200000 --repeat 3 --shapes read_parquet read_csv

The claims are the benchmark's eight columns of ``yibao.datasets.synthetic_claims`` (Chongqing,
2024, sorted by member and date), written once by pandas to Parquet. Each shape is made from
that file as a user would get it (``pd.read_parquet``, ``pd.read_csv`` of the same rows, an
``astype``), outside the timing; each (shape, order) runs in a fresh subprocess and reports
the best of ``--repeat`` calls, conversion included. "unsorted" takes the same rows shuffled.
The ratio is each time ÷ the best time of the same order in the run (sorted against the best
sorted shape, unsorted against the best unsorted one: unsorted rows are placed by member
first, whatever their shape), and each shape's bound is issue 15's: 1.5×, or 2.5× for a
shape holding Python objects (bounded by the interpreter's objects) or ISO date text.
``--rounds`` runs the whole matrix that many times, one (shape, order) after another, and
keeps each one's best: a burst of load on a shared machine then slows one round of a shape,
not the shape. Side by side, on the ``read_parquet`` shape (Decimal objects for
``eligible``, as pandas reads decimal128 back): the numpy float64 implementation and the
Decimal loops of ``benchmarks/alternatives.py``. ``decimal_loop`` gives ``fund_paid`` alone,
``decimal_loop_all`` the five amounts the kernel gives (deductible, fund_paid, self_pay,
capped, ytd_fund_paid); each loop runs once. Besides wall time, each call's CPU time (all
threads of the process, ``time.process_time``) is reported: on a machine shared with other
work it moves far less than wall time, so its ratios show the work a shape costs. Results: a
Markdown table on
stdout and benchmarks/results/dtypes.json.

``--baseline DIR`` also times another build of yibao (DIR is put first on ``sys.path``, e.g. a
``git archive`` of main's ``python/`` with its compiled core copied in), alternating with this
one shape by shape, so that a speed-up is measured side by side under the same load:

    python benchmarks/dtypes.py --baseline /tmp/main/python --shapes read_csv object_strings
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from run import CACHE, COLUMNS, HERE  # the same claims file and columns as benchmarks/run.py

LABELS = ("status", "tier", "service")


def _paths(n: int) -> tuple[Path, Path]:
    """The claims as pandas writes them to Parquet and to CSV (made once, then cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    parquet, csv = CACHE / f"dtypes_{n}.parquet", CACHE / f"dtypes_{n}.csv"
    if not parquet.exists() or not csv.exists():
        from yibao.datasets import synthetic_claims

        claims = synthetic_claims(n, seed=1, year=2024)[COLUMNS]
        claims.to_parquet(parquet)
        claims.to_csv(csv, index=False)
    return parquet, csv


def _base(n: int) -> Any:
    """Today's best shape: int64 ids, datetime64[ns], int8 levels, float64 amounts, Arrow
    strings, nullable Int8 prescriber levels."""
    import pandas as pd

    claims = pd.read_parquet(_paths(n)[0])
    claims["eligible"] = claims["eligible"].astype("float64")  # exact 2-decimal values
    return claims


def _with(n: int, **changes: Callable[[Any], Any]) -> Any:
    claims = _base(n)
    for column, change in changes.items():
        claims[column] = change(claims[column])
    return claims


def _labels(n: int, dtype: str) -> Any:
    claims = _base(n)
    for column in LABELS:
        claims[column] = claims[column].astype(dtype)
    return claims


def _psn_no(member_id: Any) -> Any:
    """Member ids as the settlement platform writes them (``psn_no``, 人员编号: text of up to 30
    characters, e.g. 41132820000000000044386183, a region's code, zeros, then the person's
    number; public interface code: newtouch-cloud/openhis-itaii
    ``PersMedApprovalCnl25006Param.java``, codinggrass/coding-everyday
    ``PsnInsuInfoFromUsc.java``): 26 characters here, as in that example, with 8-digit
    person numbers spread over their range (not 1, 2, …), in the member ids' order (so that
    sorted claims are sorted by these ids too)."""
    ids = member_id.astype("int64")
    person = ids * (89_999_999 // int(ids.max())) + 10_000_000
    return "411328200000000000" + person.astype("str")


def _shape(name: str, n: int) -> Any:
    import pandas as pd
    import pyarrow as pa

    parquet, csv = _paths(n)
    shapes: dict[str, Callable[[], Any]] = {
        "arrow_strings": lambda: _base(n),
        "read_parquet": lambda: pd.read_parquet(parquet),
        "read_csv": lambda: pd.read_csv(csv, dtype={"member_id": "str"}),
        "pyarrow_backend": lambda: pd.read_parquet(parquet, dtype_backend="pyarrow"),
        "object_strings": lambda: _labels(n, "object"),
        "categorical": lambda: _labels(n, "category"),
        "decimal_objects": lambda: _with(n, eligible=lambda s: s.map(lambda v: Decimal(repr(v)))),
        "arrow_decimal": lambda: _with(
            n,
            eligible=lambda s: s.map(lambda v: Decimal(repr(v))).astype(
                pd.ArrowDtype(pa.decimal128(18, 2))
            ),
        ),
        "int64_levels": lambda: _with(n, level=lambda s: s.astype("int64")),
        "nullable_levels": lambda: _with(
            n, level=lambda s: s.astype("Int8"), prescriber_level=lambda s: s.astype("Int64")
        ),
        "datetime_s": lambda: _with(n, date=lambda s: s.astype("datetime64[s]")),
        "datetime_us": lambda: _with(n, date=lambda s: s.astype("datetime64[us]")),
        "date_objects": lambda: _with(n, date=lambda s: pd.Series(s.dt.date, dtype=object)),
        "iso_text_dates": lambda: _with(n, date=lambda s: s.dt.strftime("%Y-%m-%d")),
        "text_ids": lambda: _with(n, member_id=lambda s: s.astype("str")),
        "psn_no_ids": lambda: _with(n, member_id=_psn_no),
    }
    return shapes[name]()


SHAPES = (
    "arrow_strings",
    "read_parquet",
    "read_csv",
    "pyarrow_backend",
    "object_strings",
    "categorical",
    "decimal_objects",
    "arrow_decimal",
    "int64_levels",
    "nullable_levels",
    "datetime_s",
    "datetime_us",
    "date_objects",
    "iso_text_dates",
    "text_ids",
    "psn_no_ids",
)
ALTERNATIVES = ("numpy_float64", "decimal_loop", "decimal_loop_all")
# Issue 15's bound for each shape: 1.5× the best, except where a column holds Python objects
# or ISO date text (what bounds it is in docs/performance.md, "What each reader does").
LOOSE_BOUND = 2.5
LOOSE = {
    "read_parquet": "Decimal objects",
    "read_csv": "ISO date text",
    "object_strings": "str objects",
    "decimal_objects": "Decimal objects",
    "date_objects": "date objects",
    "iso_text_dates": "ISO date text",
}
BOUND = 1.5


def measure_one(method: str, shape: str, n: int, unsorted: bool, repeat: int) -> dict[str, Any]:
    """Run in the child process: the best of ``repeat`` calls of ``method`` on ``shape``."""
    import numpy as np

    sys.path.insert(0, str(HERE))
    import alternatives

    import yibao

    claims = _shape(shape, n)
    if unsorted:
        order = np.random.default_rng(0).permutation(len(claims))
        claims = claims.iloc[order].reset_index(drop=True)
    policy = yibao.load_policy("chongqing")
    call: Callable[[], Any] = {
        "yibao": lambda: yibao.adjudicate(claims, policy),
        "numpy_float64": lambda: alternatives.numpy_float64(claims),
        "decimal_loop": lambda: alternatives.decimal_loop(claims),
        "decimal_loop_all": lambda: alternatives.decimal_loop_all(claims),
    }[method]
    best = best_cpu = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    dtypes = {c: str(claims[c].dtype) for c in ("member_id", "date", "level", "eligible")}
    dtypes["status"] = str(claims["status"].dtype)
    return {"seconds": best, "cpu_seconds": best_cpu, "dtypes": dtypes}


def _best(kept: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The better of two measurements of one (shape, order): each time its own best."""
    if kept is None or "error" in kept:
        return new
    if "error" in new:
        return kept
    best = dict(kept)
    for field in ("seconds", "cpu_seconds"):
        best[field] = min(kept[field], new[field])
    return best


def _fastest(results: dict[str, dict[str, Any]], order: str, field: str) -> float:
    times = [r[field] for k, r in results.items() if k.endswith(f"/{order}") and "error" not in r]
    return min(times, default=float("nan"))


def _child(
    method: str, shape: str, n: int, unsorted: bool, repeat: int, path: str | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", method, shape, str(n), str(int(unsorted))]
    cmd += ["--repeat", str(repeat)]
    env = dict(os.environ)
    if path is not None:  # the baseline's yibao first on the path
        env["PYTHONPATH"] = os.pathsep.join([path, env.get("PYTHONPATH", "")])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:  # recorded, not fatal: a shape that fails today is a finding
        error = done.stderr.strip().splitlines()[-1]
        return {"seconds": float("nan"), "cpu_seconds": float("nan"), "error": error}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="calls per child, best kept")
    parser.add_argument("--rounds", type=int, default=3, help="times the matrix runs")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--no-alternatives", action="store_true")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "SHAPE", "N", "UNSORTED"))
    parser.add_argument("--baseline", metavar="DIR", help="another yibao, timed alternately")
    args = parser.parse_args(argv)
    if args.one:
        method, shape, n, unsorted = args.one
        print(json.dumps(measure_one(method, shape, int(n), unsorted == "1", args.repeat)))
        return 0

    n = args.claims
    _paths(n)  # build the cache outside any timing
    results: dict[str, dict[str, Any]] = {}
    baseline: dict[str, dict[str, Any]] = {}
    for round_ in range(args.rounds):
        for shape in args.shapes:
            for unsorted in (False, True):
                key = f"{shape}/{'unsorted' if unsorted else 'sorted'}"
                if args.baseline:
                    b = _child("yibao", shape, n, unsorted, args.repeat, args.baseline)
                    baseline[key] = _best(baseline.get(key), b)
                r = _child("yibao", shape, n, unsorted, args.repeat)
                results[key] = _best(results.get(key), r)
                print(f"round {round_ + 1}, {key}: {r['seconds']:.3f}s", file=sys.stderr)
    if not args.no_alternatives:
        for method in ALTERNATIVES:
            repeat = 1 if method.startswith("decimal_loop") else args.repeat
            results[method] = _child(method, "read_parquet", n, False, repeat)
            print(f"{method}: {results[method]['seconds']:.3f}s", file=sys.stderr, flush=True)
    print(
        f"\n{n:,} Chongqing claims, best of {args.repeat} calls in each of {args.rounds} "
        "round(s); ratio = time ÷ the best shape of the same order\n"
    )
    print(
        "| shape | dtypes (member_id, date, level, eligible, status) | bound | sorted | ratio "
        "| unsorted | ratio | CPU sorted | ratio | CPU unsorted | ratio |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    best = {
        (order, field): _fastest(results, order, field)
        for order in ("sorted", "unsorted")
        for field in ("seconds", "cpu_seconds")
    }
    over: list[str] = []
    for shape in args.shapes:
        s, u = results[f"{shape}/sorted"], results[f"{shape}/unsorted"]
        dtypes = ", ".join(s["dtypes"].values()) if "dtypes" in s else s["error"]
        bound = LOOSE_BOUND if shape in LOOSE else BOUND
        cells = [f"{shape}", f"`{dtypes}`", f"{bound}x"]
        for field in ("seconds", "cpu_seconds"):
            for order, r in (("sorted", s), ("unsorted", u)):
                seconds = r.get(field, float("nan"))
                ratio = seconds / best[order, field]
                cells += [f"{seconds:.3f}", f"{ratio:.2f}x"]
                if field == "seconds" and not ratio <= bound:
                    over.append(f"{shape} {order} {ratio:.2f}x")
        print("| " + " | ".join(cells) + " |")
    rows = 2 * len(args.shapes)
    print(f"\nwall time within its bound: {rows - len(over)} of {rows}", end="")
    print(f"; over: {', '.join(over)}" if over else "")
    if not args.no_alternatives and "read_parquet/sorted" in results:
        y = results["read_parquet/sorted"]["seconds"]
        for method in ALTERNATIVES:
            t = results[method]["seconds"]
            c = results[method]["cpu_seconds"] / results["read_parquet/sorted"]["cpu_seconds"]
            print(
                f"\n{method} on the read_parquet shape: {t:.3f}s = {t / y:.1f}x yibao's "
                f"(CPU time: {c:.1f}x)"
            )
    if baseline:
        print(f"\nSide by side with the baseline ({args.baseline}): its time ÷ this one's\n")
        print("| shape | order | baseline | this | speed-up | CPU baseline | CPU this | speed-up |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for key, b in baseline.items():
            r = results[key]
            shape, order = key.split("/")
            cells = [shape, order]
            for field in ("seconds", "cpu_seconds"):
                cells += [f"{b[field]:.3f}", f"{r[field]:.3f}", f"{b[field] / r[field]:.2f}x"]
            print("| " + " | ".join(cells) + " |")
    out = HERE / "results" / "dtypes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    record = {"when": stamp, "claims": n, "results": results, "baseline": baseline}
    out.write_text(json.dumps(record, indent=2))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
