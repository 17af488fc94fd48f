"""Out-of-core check: adjudicate a Parquet file of N claims (default 10^8) in bounded memory.

    python benchmarks/stream.py --claims 100000000 --dir /tmp/yibao-stream
    python benchmarks/stream.py --claims 10000000 --floor --in-memory

Writes the synthetic input in chunks (member ids offset per chunk, so the file stays sorted
by member), then runs yibao.adjudicate_parquet in a fresh process and reports its wall time
and peak resident memory (ru_maxrss of that process). ``--floor`` also times Parquet alone in
a fresh process: the same batches read and written with the same columns and encodings
(the outputs' columns filled with a copy, no adjudication), the most any out-of-core run
could reach. ``--in-memory`` times ``yibao.adjudicate`` on the whole file read into memory
as a pyarrow Table (the call alone; the reading is reported apart).
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

    start, cpu = time.perf_counter(), _cpu()
    rows = adjudicate_parquet(src, dst, yibao.load_policy("chongqing"), batch_rows=batch_rows)
    _report(rows, time.perf_counter() - start, call_cpu_seconds=_cpu() - cpu)


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (steadier than wall time on a
    shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _report(rows: int, seconds: float, **more: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = {"rows": rows, "seconds": seconds, "peak_rss_bytes": peak}
    print(json.dumps(out | more))


def floor(src: Path, dst: Path, batch_rows: int) -> None:
    """Parquet alone: read every batch, write it with output-shaped columns, same options."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from yibao._arrow_input import RULE_IN_FILES
    from yibao._schema import OUTPUT_COLUMNS
    from yibao.stream import _writer_options

    start, cpu = time.perf_counter(), _cpu()
    writer, rows = None, 0
    for batch in pq.ParquetFile(src).iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        for name in OUTPUT_COLUMNS:
            if name == "rule":
                levels = batch.column("level").to_numpy(zero_copy_only=False)
                codes = pa.array(levels % 4, pa.int32())
                labels = pa.array(["a", "b", "c", "d"], pa.string())
                column = pa.DictionaryArray.from_arrays(codes, labels).cast(RULE_IN_FILES)
            else:
                column = batch.column("eligible")
            table = table.append_column(name, column)
        if writer is None:
            writer = pq.ParquetWriter(dst, table.schema, **_writer_options(table.schema))
        writer.write_table(table)
        rows += batch.num_rows
    assert writer is not None
    writer.close()
    _report(rows, time.perf_counter() - start, call_cpu_seconds=_cpu() - cpu)


def in_memory(src: Path) -> None:
    import pyarrow.parquet as pq

    import yibao

    start = time.perf_counter()
    table = pq.read_table(src)
    read = time.perf_counter() - start
    policy = yibao.load_policy("chongqing")
    best, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        start, cpu = time.perf_counter(), _cpu()
        yibao.adjudicate(table, policy)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, _cpu() - cpu)
    _report(table.num_rows, best, read_seconds=read, call_cpu_seconds=best_cpu)


def _fresh(mode: str, src: Path, dst: Path, batch_rows: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--run", mode, str(src), str(dst)]
    cmd += ["--batch-rows", str(batch_rows)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out)
    return result


def _line(what: str, result: dict[str, float]) -> str:
    rate = result["rows"] / result["seconds"] / 1e6
    cpu = result["call_cpu_seconds"]
    return (
        f"{what}: {result['rows']:,.0f} claims in {result['seconds']:.1f} s "
        f"({rate:.2f} M claims/s; CPU {cpu:.1f} s), "
        f"peak RSS {result['peak_rss_bytes'] / 2**30:.2f} GiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=100_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/yibao-stream"))
    parser.add_argument("--batch-rows", type=int, default=2_000_000)
    parser.add_argument("--floor", action="store_true", help="also time Parquet alone")
    parser.add_argument("--in-memory", action="store_true", help="also time adjudicate in memory")
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        mode, src, dst = args.run[0], Path(args.run[1]), Path(args.run[2])
        if mode == "stream":
            run(src, dst, args.batch_rows)
        elif mode == "floor":
            floor(src, dst, args.batch_rows)
        else:
            in_memory(src)
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
    stream = _fresh("stream", src, dst, args.batch_rows)
    print(_line("adjudicate_parquet", stream))
    if args.floor:
        alone = _fresh("floor", src, args.dir / "floor.parquet", args.batch_rows)
        print(_line("Parquet alone (read + write)", alone))
        ratio = stream["seconds"] / alone["seconds"]
        cpu = stream["call_cpu_seconds"] / alone["call_cpu_seconds"]
        print(f"  adjudicate_parquet / Parquet alone: {ratio:.2f}x wall, {cpu:.2f}x CPU")
    if args.in_memory:
        memory = _fresh("memory", src, dst, args.batch_rows)
        print(_line("yibao.adjudicate in memory (best of 3)", memory))
        print(f"  reading the whole file first: {memory['read_seconds']:.1f} s")
        ratio = stream["seconds"] / memory["seconds"]
        cpu = stream["call_cpu_seconds"] / memory["call_cpu_seconds"]
        print(f"  adjudicate_parquet / in memory: {ratio:.2f}x wall, {cpu:.2f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
