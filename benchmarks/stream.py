"""Out-of-core check: adjudicate a Parquet file of N claims (default 10^8) in bounded memory.

    python benchmarks/stream.py --claims 100000000 --dir /tmp/yibao-stream

Writes the synthetic input in chunks (member ids offset per chunk, so the file stays sorted
by member), then runs yibao.adjudicate_parquet in a fresh process and reports its wall time
and peak resident memory (ru_maxrss of that process).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def write_input(path: Path, claims: int, chunk: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from yibao.datasets import synthetic_claims

    writer = None
    offset, done, seed = 0, 0, 0
    while done < claims:
        frame = synthetic_claims(min(chunk, claims - done), seed=seed, year=2024)
        frame["member_id"] += offset
        offset = int(frame["member_id"].max()) + 1
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table.cast(writer.schema))
        done += len(frame)
        seed += 1
    assert writer is not None
    writer.close()


def run(src: Path, dst: Path, batch_rows: int) -> None:
    import yibao
    from yibao.stream import adjudicate_parquet

    start = time.perf_counter()
    rows = adjudicate_parquet(src, dst, yibao.load_policy("chongqing"), batch_rows=batch_rows)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_bytes": peak}))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=100_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/yibao-stream"))
    parser.add_argument("--batch-rows", type=int, default=2_000_000)
    parser.add_argument("--run", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run[0], args.run[1], args.batch_rows)
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    src, dst = args.dir / f"claims_{args.claims}.parquet", args.dir / "adjudicated.parquet"
    if not src.exists():
        start = time.perf_counter()
        write_input(src, args.claims, 5_000_000)
        print(
            f"input written in {time.perf_counter() - start:.0f} s: {src} "
            f"({src.stat().st_size / 1e9:.1f} GB)"
        )
    cmd = [
        sys.executable,
        __file__,
        "--run",
        str(src),
        str(dst),
        "--batch-rows",
        str(args.batch_rows),
    ]
    result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    print(
        f"{result['rows']:,} claims in {result['seconds']:.0f} s "
        f"({result['rows'] / result['seconds'] / 1e6:.2f} M claims/s), "
        f"peak RSS {result['peak_rss_bytes'] / 2**30:.2f} GiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
