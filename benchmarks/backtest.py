"""Benchmark: back-testing a settlement extract, side by side with adjudicating the same rows.

    python benchmarks/backtest.py                    # 10^7 rows
    python benchmarks/backtest.py --sizes 1000000 --repeat 3

The input is the SYNTHETIC extract of ``yibao.nhsa.synthetic_extract`` (Chongqing, deviations
planted), built in chunks of 10^6 rows with distinct people and cached as Parquet under
benchmarks/results/cache. Each measurement runs in a fresh subprocess that loads the Parquet
file, then times one call, best of ``--repeat``:

* ``adjudicate``: ``yibao.adjudicate`` on the claims the extract gives (read beforehand);
* ``backtest``: ``yibao.backtest`` on that same read extract (adjudication, residuals, first
  divergences and their attribution) plus ``.summary()`` and ``.summary(by="month")``;
* ``read_extract``: ``yibao.nhsa.read_extract`` on the raw extract (codes, filters, netting,
  replay order), which ``yibao.backtest(raw, ...)`` does first.

Peak memory is the process's high-water mark during the call (Linux VmHWM, reset before it)
above the resident size before it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from run import _peak_bytes, _reset_peak, _rss_bytes  # the same memory probes as run.py

HERE = Path(__file__).resolve().parent
CACHE = HERE / "results" / "cache"
CHUNK = 1_000_000


def _extract_path(n: int) -> Path:
    """The cached SYNTHETIC extract of about ``n`` rows, built chunk by chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from yibao.nhsa import synthetic_extract

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"extract_{n}.parquet"
    if path.exists():
        return path
    writer = None
    try:
        for k in range(max(1, n // CHUNK)):
            raw, _ = synthetic_extract(min(n, CHUNK), seed=k, region="chongqing")
            for column in ("psn_no", "setl_id", "mdtrt_id"):  # distinct people and visits
                raw[column] = f"{k:03d}" + raw[column].astype(str)
            table = pa.Table.from_pandas(raw, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path.with_suffix(".tmp"), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    path.with_suffix(".tmp").rename(path)
    return path


def measure_one(method: str, n: int, repeat: int) -> dict[str, float]:
    """Run in the child process: time ``method`` on the extract of about ``n`` rows."""
    import yibao
    from yibao.cli import read_table

    raw = read_table(_extract_path(n))  # Arrow decimals kept, as the CLI reads them
    policy = yibao.load_policy("chongqing")
    ext = yibao.nhsa.read_extract(raw, region="chongqing") if method != "read_extract" else None
    claims = None
    if ext is not None:  # the rows the back-test adjudicates: those the policy prices
        from yibao.backtest import _set_aside_unpriced

        claims = ext.claims[~_set_aside_unpriced(ext.claims, policy, [])]

    def run_backtest() -> object:
        bt = yibao.backtest(ext, policy)  # type: ignore[arg-type]
        bt.summary()
        bt.summary(by="month")
        return bt

    calls = {
        "adjudicate": lambda: yibao.adjudicate(claims, policy),  # type: ignore[arg-type]
        "backtest": run_backtest,
        "read_extract": lambda: yibao.nhsa.read_extract(raw, region="chongqing"),
    }
    best, peak, result = float("inf"), 0, None
    for _ in range(repeat):
        result = None
        before = _rss_bytes()
        _reset_peak()
        start = time.perf_counter()
        result = calls[method]()
        best = min(best, time.perf_counter() - start)
        peak = max(peak, _peak_bytes() - before)
    out: dict[str, float] = {"seconds": best, "peak_bytes": peak, "raw_rows": len(raw)}
    if ext is not None:
        out["rows"] = len(claims)  # type: ignore[arg-type]
        out["claims_bytes"] = int(claims.memory_usage(deep=True).sum())  # type: ignore[union-attr]
    if method == "backtest":
        out["exact_rows"] = int(result.summary()["exact_rows"].iloc[0])  # type: ignore[attr-defined]
    return out


def _child(method: str, n: int, repeat: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--one", method, str(n), "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=os.environ)
    if done.returncode != 0:
        raise RuntimeError(f"{method} at {n} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), args.repeat)))
        return 0
    rows = []
    for n in args.sizes:
        _extract_path(n)  # build the cache outside any timing
        results = {m: _child(m, n, args.repeat) for m in ("adjudicate", "backtest", "read_extract")}
        a, b, r = results["adjudicate"], results["backtest"], results["read_extract"]
        gib = 2.0**30
        print(
            f"{b['rows']:>11,} rows ({b['raw_rows']:,} in the extract) | "
            f"adjudicate {a['seconds']:.2f}s, peak +{a['peak_bytes'] / gib:.2f} GiB | "
            f"backtest {b['seconds']:.2f}s ({b['seconds'] / a['seconds']:.2f}x), "
            f"peak +{b['peak_bytes'] / gib:.2f} GiB ({b['peak_bytes'] / a['peak_bytes']:.2f}x) | "
            f"read_extract {r['seconds']:.2f}s, peak +{r['peak_bytes'] / gib:.2f} GiB | "
            f"exact rows {b['exact_rows']:,}",
            flush=True,
        )
        rows.append({"size": n, **results})
    out = HERE / "results" / "backtest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=2))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
