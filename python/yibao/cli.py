"""The ``yibao`` command: demo, adjudicate and compare files, and read the policies.

::

    yibao demo [--out DIR]                       synthetic data through every region
    yibao adjudicate IN OUT --policy R           CSV or Parquet in and out
    yibao compare IN --policy A --policy B       a comparison table (and a report)
    yibao policies list                          the bundled regions
    yibao policies show R                        every parameter with its source
    yibao backtest EXTRACT --policy R            a settlement extract against a policy

Money read from CSV is parsed as exact decimals (never floats); Parquet decimal columns are
kept as they are. Exit status: 0 on success, 2 on a usage error, 1 on a yibao error (bad
input, a missing parameter), with the message on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from ._schema import MONEY_COLUMNS, MONEY_OUTPUTS, STATUSES
from .errors import YibaoError

__all__ = ["build_parser", "main", "read_table", "write_table"]

_MONEY_COLUMNS = MONEY_COLUMNS  # inputs and yibao's own outputs, so files read back exactly
_ID_COLUMNS = ("member_id", "institution_id")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".csv.bz2")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_DEFAULT_CHUNK_ROWS = 1_000_000


# --- files ------------------------------------------------------------------------------------


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    raise ValueError(f"{path}: unknown file type; use .csv (or .csv.gz, .tsv) or .parquet")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read claims or members from CSV or Parquet, with money as exact decimals.

    CSV money columns (``eligible``, ``total``, ``base``, ``pension`` and yibao's outputs
    ``deductible``, ``fund_paid``, ``self_pay``, ``capped``, ``ytd_fund_paid``) are parsed straight
    into Arrow decimals (no float on the way); ``member_id`` and ``institution_id`` are read
    as text so identifiers such as ``0012`` keep their form; ISO dates become datetimes.

    Parameters
    ----------
    path
        A ``.csv``/``.csv.gz``/``.tsv`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
    """
    import pyarrow as pa

    path = Path(path)
    if _kind(path) == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    else:
        import pyarrow.csv as csv

        delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
        names = _csv_header(path, delimiter)
        types: dict[str, Any] = {c: pa.decimal128(38, 10) for c in _MONEY_COLUMNS if c in names}
        types.update({c: pa.string() for c in _ID_COLUMNS if c in names})
        table = csv.read_csv(
            path,
            parse_options=csv.ParseOptions(delimiter=delimiter),
            convert_options=csv.ConvertOptions(column_types=types),
        )
    return table.to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None,
        date_as_object=False,
    )


def _csv_header(path: Path, delimiter: str) -> list[str]:
    import pyarrow.csv as csv

    reader = csv.open_csv(path, parse_options=csv.ParseOptions(delimiter=delimiter))
    return list(reader.schema.names)


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame to CSV or Parquet; decimals stay exact (``12.30`` in CSV)."""
    import pyarrow as pa

    path = Path(path)
    kind = _kind(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
        return
    import pyarrow.csv as csv

    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    csv.write_csv(table, path, write_options=csv.WriteOptions(delimiter=delimiter))


# --- progress ---------------------------------------------------------------------------------


class _Progress:
    """Rows done out of a total, on stderr (tqdm when installed)."""

    def __init__(self, total: int, enabled: bool, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.stream = stream
        self.start = time.perf_counter()
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self._bar = tqdm(total=total, unit=" rows", unit_scale=True, file=stream)

    def update(self, rows: int) -> None:
        self.done += rows
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(rows)
            return
        elapsed = time.perf_counter() - self.start
        pct = self.done / self.total if self.total else 1.0
        end = "\r" if self.stream.isatty() else "\n"
        self.stream.write(
            f"adjudicating: {pct:6.1%} ({self.done:,} / {self.total:,} rows, {elapsed:.1f} s){end}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled and self.stream.isatty():
            self.stream.write("\n")


def adjudicate_in_chunks(
    claims: pd.DataFrame,
    policy: Any,
    *,
    members: pd.DataFrame | None = None,
    chunk_rows: int = _DEFAULT_CHUNK_ROWS,
    progress: bool = True,
    stream: TextIO | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`yibao.adjudicate` in chunks of whole members, with progress on large inputs.

    Every member's claims go into one chunk (a member's year-to-date state never spans two
    chunks), so the result is identical to one call; rows come back in input order.

    Parameters
    ----------
    claims, policy, members, **options
        As for :func:`yibao.adjudicate`.
    chunk_rows
        About this many rows per chunk (a member with more rows makes a larger chunk).
    progress
        Show progress on stderr when there is more than one chunk.
    stream
        Where progress goes (default ``sys.stderr``).

    Returns
    -------
    pandas.DataFrame
        Exactly what :func:`yibao.adjudicate` returns for the whole input.
    """
    from ._money import fen_to_money
    from .adjudicate import adjudicate, as_policy

    pol = as_policy(policy)
    kind = options.pop("money", "decimal")
    n = len(claims)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    if n <= chunk_rows:
        return adjudicate(claims, pol, members=members, money=kind, **options)

    codes, _ = pd.factorize(claims["member_id"], use_na_sentinel=False)
    per_member = np.bincount(codes)
    chunk_of_member = (np.cumsum(per_member) - per_member) // chunk_rows
    chunk_of_row = chunk_of_member[codes]
    order = np.argsort(chunk_of_row, kind="stable")
    bounds = np.searchsorted(chunk_of_row[order], np.arange(chunk_of_row.max() + 2))

    money = {c: np.empty(n, dtype=np.int64) for c in MONEY_OUTPUTS}
    rule_codes = np.empty(n, dtype=np.int32)
    labels: dict[str, int] = {}
    bar = _Progress(n, progress, stream or sys.stderr)
    try:
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            rows = order[lo:hi]
            part = adjudicate(claims.iloc[rows], pol, members=members, money="fen", **options)
            for col, target in money.items():
                target[rows] = part[col].to_numpy(dtype=np.int64)
            rule = pd.Categorical(part["rule"])
            remap = np.array(
                [labels.setdefault(str(c), len(labels)) for c in rule.categories], dtype=np.int32
            )
            rule_codes[rows] = remap[rule.codes]
            bar.update(len(rows))
    finally:
        bar.close()

    result = claims.copy(deep=False)
    for col, values in money.items():
        result[col] = pd.Series(fen_to_money(values, kind), index=claims.index)
    result["rule"] = pd.Series(
        pd.Categorical.from_codes(rule_codes, categories=list(labels)), index=claims.index
    )
    return result


# --- commands ---------------------------------------------------------------------------------


def _print_table(frame: pd.DataFrame, out: TextIO) -> None:
    from .report import format_table

    with pd.option_context("display.width", 200, "display.max_columns", 50):
        out.write(format_table(frame).to_string(index=False) + "\n")


_SUMMARY_COLUMNS = [
    "policy",
    "claims",
    "members",
    "eligible",
    "fund_paid",
    "fund_share",
    "self_pay",
    "self_pay_per_member",
    "members_at_cap",
]


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from .compare import compare, outpatient_regions
    from .curves import benefit_curve
    from .datasets import synthetic
    from .policy import load_policy
    from .report import write_report

    members, claims = synthetic(members=args.members, year=args.year, seed=args.seed)
    year_start = pd.Timestamp(f"{args.year}-01-01").date()
    usable, skipped = outpatient_regions(on=year_start)
    out.write(
        f"yibao demo: SYNTHETIC data (yibao.datasets.synthetic: {len(members):,} members, "
        f"{len(claims):,} claims, year {args.year}, seed {args.seed}); not calibrated to any "
        "real population.\n"
    )
    out.write(f"Regions compared ({len(usable)}):\n")
    for key in usable:
        pol = load_policy(key)
        draft = " [draft]" if pol.draft and "draft" not in pol.name else ""
        out.write(f"  {key:<10} {pol.name}{draft}: {pol.document}\n")
    for key, reason in skipped.items():
        out.write(f"Skipped {key}: {reason}.\n")
    out.write("\n")

    cmp = compare(claims, usable, members=members)
    summary = cmp.summary()
    _print_table(summary[_SUMMARY_COLUMNS], out)
    out.write("\nBinding limit (share of members):\n")
    binding = cmp.binding().pivot_table(
        index="policy", columns="binding", values="member_share", observed=False, aggfunc="sum"
    )
    binding = binding.loc[:, binding.sum() > 0].reset_index()
    binding.columns = [str(c) for c in binding.columns]
    binding = binding.rename(columns={c: f"{c} share" for c in binding.columns[1:]})
    _print_table(binding, out)

    curves = []
    for status in STATUSES:
        part = benefit_curve(usable, level=3, status=status, year=args.year)
        part["curve"] = status
        curves.append(part)
    curve_table = pd.concat(curves, ignore_index=True)
    at = curve_table[curve_table["spending"] == 5000]
    out.write("\nOne member, 5,000 yuan a year in level-3 hospitals (12 visits), fund pays:\n")
    for status, part in at.groupby("curve", sort=False):
        cells = ", ".join(
            f"{p} {v:,.2f}" for p, v in zip(part["policy"], part["fund_paid"].tolist(), strict=True)
        )
        out.write(f"  {status:<10} {cells}\n")

    notes = [
        "These data are SYNTHETIC (yibao.datasets.synthetic): plausible round-number "
        "distributions, not calibrated to any real population, region, fund or year.",
    ]
    path = write_report(
        cmp,
        args.out,
        curves=curve_table,
        notes=notes,
        skipped=skipped,
        by="status",
        title=f"yibao demo: {', '.join(usable)} on the same synthetic claims",
    )
    out.write(f"\nHTML report written to folder {path.parent.resolve()} (open {path.name}).\n")
    return 0


def _policy_arg(value: str) -> Any:
    from .adjudicate import as_policy

    return as_policy(value)


def _cmd_adjudicate(args: argparse.Namespace, out: TextIO) -> int:
    claims = read_table(args.input)
    members = read_table(args.members) if args.members else None
    options: dict[str, Any] = {"threads": args.threads, "unit": args.unit}
    if args.rounding:
        options["rounding"] = args.rounding
    if args.float:
        options["money"] = "float"
    result = adjudicate_in_chunks(
        claims,
        _policy_arg(args.policy),
        members=members,
        chunk_rows=args.chunk_rows,
        progress=not args.quiet,
        **options,
    )
    write_table(result, args.output)
    if not args.quiet:
        out.write(f"adjudicated {len(result):,} claims under {args.policy}; wrote {args.output}\n")
    return 0


def _cmd_compare(args: argparse.Namespace, out: TextIO) -> int:
    from .compare import compare
    from .report import write_report

    claims = read_table(args.input)
    members = read_table(args.members) if args.members else None
    policies = {p: _policy_arg(p) for p in args.policy}
    cmp = compare(claims, policies, members=members)
    summary = cmp.summary(by=args.by)
    columns = _SUMMARY_COLUMNS[:1] + ([args.by] if args.by else []) + _SUMMARY_COLUMNS[1:]
    _print_table(summary[columns], out)
    if args.report:
        path = write_report(cmp, args.report, by=args.by)
        out.write(f"HTML report written to folder {path.parent.resolve()} (open {path.name}).\n")
    return 0


def _cmd_policies_list(args: argparse.Namespace, out: TextIO) -> int:
    from .compare import outpatient_regions
    from .policy import load_policy, regions

    usable, _ = outpatient_regions()
    rows = []
    for key in regions():
        pol = load_policy(key)
        rows.append(
            {
                "region": key,
                "name": pol.name,
                "draft": "draft" if pol.draft else "",
                "versions from": ", ".join(v.effective.isoformat() for v in pol.versions),
                "general outpatient": "yes" if key in usable else "no parameters",
                "missing parameters": len(pol.missing()),
            }
        )
    _print_table(pd.DataFrame(rows), out)
    return 0


def _cmd_policies_show(args: argparse.Namespace, out: TextIO) -> int:
    pol = _policy_arg(args.region)
    out.write(f"{pol.name} ({pol.region}){' — DRAFT' if pol.draft else ''}\n")
    out.write(f"document: {pol.document}\n")
    if pol.source_file:
        out.write(f"source text: {pol.source_file}\n")
    table = pol.describe()
    for version in pol.versions:
        out.write(f"\nversion in force from {version.effective.isoformat()}\n")
        rows = table[table["effective"] == version.effective]
        for row in rows.itertuples(index=False):
            if isinstance(row.missing, str):
                out.write(f"  {row.parameter} = MISSING: {row.missing}\n")
            else:
                out.write(f"  {row.parameter} = {row.value}\n")
            if isinstance(row.source, str):
                out.write(f"      source: {row.source}\n")
            if isinstance(row.assumption, str):
                out.write(f"      assumption: {row.assumption}\n")
    return 0


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``yibao`` command."""
    parser = argparse.ArgumentParser(
        prog="yibao",
        description="Exact adjudication of Chinese employee outpatient mutual-aid claims.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run synthetic data through every region with rules")
    demo.add_argument("--out", default="yibao-demo", help="report folder (default ./yibao-demo)")
    demo.add_argument("--members", type=int, default=2000, help="synthetic members (2000)")
    demo.add_argument("--year", type=int, default=2024, help="claims year (2024)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    demo.set_defaults(func=_cmd_demo)

    adj = sub.add_parser("adjudicate", help="adjudicate a CSV/Parquet file of claims")
    adj.add_argument("input", help="claims file (.csv, .csv.gz, .tsv or .parquet)")
    adj.add_argument("output", help="output file (.csv or .parquet)")
    adj.add_argument("--policy", required=True, help="region key or policy .toml file")
    adj.add_argument("--members", help="member table file (status from retire_date, tier)")
    adj.add_argument("--threads", type=int, default=None, help="worker threads (all cores)")
    adj.add_argument(
        "--rounding",
        choices=["half_up", "half_even", "down"],
        default=None,
        help="round amounts with more than 2 decimals (default: error)",
    )
    adj.add_argument(
        "--unit",
        choices=["yuan", "fen"],
        default="yuan",
        help="unit of integer amount columns (yuan)",
    )
    adj.add_argument("--float", action="store_true", help="write money as float64 (inexact)")
    adj.add_argument(
        "--chunk-rows",
        type=int,
        default=_DEFAULT_CHUNK_ROWS,
        help="rows per chunk of whole members (1,000,000)",
    )
    adj.add_argument("--quiet", action="store_true", help="no progress or summary line")
    adj.set_defaults(func=_cmd_adjudicate)

    cmp = sub.add_parser("compare", help="compare policies on the same claims")
    cmp.add_argument("input", help="claims file (.csv, .csv.gz, .tsv or .parquet)")
    cmp.add_argument(
        "--policy",
        action="append",
        required=True,
        help="region key or policy .toml file; repeat for each policy",
    )
    cmp.add_argument("--members", help="member table file")
    cmp.add_argument("--by", help="group column (e.g. status, tier, level)")
    cmp.add_argument("--report", metavar="DIR", help="also write an HTML report into DIR")
    cmp.set_defaults(func=_cmd_compare)

    pol = sub.add_parser("policies", help="list the regions or show a policy's parameters")
    psub = pol.add_subparsers(dest="action", required=True, metavar="ACTION")
    psub.add_parser("list", help="the bundled regions").set_defaults(func=_cmd_policies_list)
    show = psub.add_parser("show", help="every parameter with its source and assumption")
    show.add_argument("region", help="region key or policy .toml file")
    show.set_defaults(func=_cmd_policies_show)

    from ._cli_backtest import add_backtest_command  # yibao backtest (issue 17)

    add_backtest_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``yibao`` command; returns the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 on a yibao or file error (the message goes to stderr).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, sys.stdout))
    except BrokenPipeError:  # e.g. `yibao policies show jining | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (YibaoError, OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"yibao {args.command}: error: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
