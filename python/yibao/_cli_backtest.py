"""The ``yibao backtest`` command: a settlement extract against a policy, with an HTML report.

::

    yibao backtest EXTRACT --policy R [--report DIR] [--year-by settlement|service]
                   [--level-from hosp_lv|dedc_hosp_lv] [--by month] [--worst 10] [--rows OUT]

``EXTRACT`` is a CSV or Parquet file with NHSA field names (docs/backtest.md). Amount fields
are read from CSV as exact decimals, ids and codes as text.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

__all__ = ["add_backtest_command", "read_extract_file"]


def read_extract_file(path: str | Path) -> pd.DataFrame:
    """A settlement extract from CSV (amounts as exact decimals, ids and codes as text) or
    Parquet (as stored)."""
    import pyarrow as pa
    import pyarrow.csv as csv

    from ._nhsa_tables import FIELDS
    from .cli import read_table
    from .nhsa import PRESCRIBER_FIELD

    path = Path(path)
    if not path.name.lower().endswith((".csv", ".tsv", ".txt", ".csv.gz", ".csv.bz2")):
        return read_table(path)
    delimiter = "\t" if path.name.lower().endswith(".tsv") else ","
    options = csv.ParseOptions(delimiter=delimiter)
    names = set(csv.open_csv(path, parse_options=options).schema.names)
    types: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if name in names and spec.kind == "money":
            types[name] = pa.decimal128(38, 10)
        elif name in names and spec.kind in ("id", "code", "flag", "ratio"):
            types[name] = pa.string()
    if PRESCRIBER_FIELD in names:
        types[PRESCRIBER_FIELD] = pa.string()
    table = csv.read_csv(
        path,
        parse_options=options,
        convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )
    return table.to_pandas(
        types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None
    )


def _cmd_backtest(args: argparse.Namespace, out: TextIO) -> int:
    from ._backtest_report import write_backtest_report
    from .backtest import backtest
    from .cli import _policy_arg, _print_table, write_table

    raw = read_extract_file(args.extract)
    bt = backtest(raw, _policy_arg(args.policy), year_by=args.year_by, level_from=args.level_from)
    out.write(f"{bt!r}\n\nSet aside or netted:\n")
    _print_table(bt.set_aside, out)
    out.write("\nResiduals (observed − yibao):\n")
    _print_table(bt.summary(), out)
    out.write("\nFirst divergences of member-years, by the rule they are attributed to:\n")
    _print_table(bt.summary(by="attributed_rule"), out)
    if args.by:
        out.write(f"\nBy {args.by}:\n")
        _print_table(bt.summary(by=args.by), out)
    if args.worst:
        out.write(f"\nThe {args.worst} largest residuals:\n")
        _print_table(bt.worst(args.worst), out)
    if args.rows:
        write_table(bt.rows, args.rows)
        out.write(f"\nEvery row written to {args.rows}\n")
    if args.report:
        path = write_backtest_report(bt, args.report, by=args.by or "month")
        out.write(f"\nHTML report written to folder {path.parent.resolve()} (open {path.name}).\n")
    return 0


def add_backtest_command(sub: Any) -> None:
    """Register ``yibao backtest`` on the ``yibao`` command's subparsers."""
    cmd = sub.add_parser(
        "backtest", help="back-test a policy against a settlement extract (NHSA fields)"
    )
    cmd.add_argument("extract", help="settlement extract (.csv, .csv.gz, .tsv or .parquet)")
    cmd.add_argument("--policy", required=True, help="region key or policy .toml file")
    cmd.add_argument("--report", metavar="DIR", help="also write an HTML report into DIR")
    cmd.add_argument(
        "--year-by",
        choices=["settlement", "service"],
        default="settlement",
        help="accumulation year and order: settlement date (default) or service date",
    )
    cmd.add_argument(
        "--level-from",
        choices=["hosp_lv", "dedc_hosp_lv"],
        default="hosp_lv",
        help="the field that gives the institution level (hosp_lv)",
    )
    cmd.add_argument("--by", help="also summarise by this column (e.g. month, level, rule)")
    cmd.add_argument("--worst", type=int, default=10, help="show the N largest residuals (10)")
    cmd.add_argument("--rows", metavar="OUT", help="write every row to OUT (.csv or .parquet)")
    cmd.set_defaults(func=_cmd_backtest)
