"""The ``yibao`` command: demo, adjudicate and compare files, and read the policies.

::

    yibao demo [--out DIR]                       synthetic data through every region
    yibao adjudicate IN OUT --policy R           CSV or Parquet in and out
    yibao compare IN [--policy A --policy B]     a comparison table (and a report);
                                                 default: every region with outpatient rules
    yibao policies list                          the bundled regions
    yibao policies show R                        every parameter with its source
    yibao backtest EXTRACT --policy R            a settlement extract against a policy

Money read from CSV is parsed as exact decimals (never floats); Parquet decimal columns are
kept as they are. Output files hold the input's own columns exactly as they were (a CSV line's
bytes, a Parquet column's type), then yibao's columns. ``python -m yibao`` is the same
command; ``yibao --version`` prints the version. Exit status: 0 on success, 2 on a usage
error, 1 on a yibao error (bad input, a missing parameter), with the message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from . import __version__
from ._cli_backtest import add_backtest_command
from ._progress import progress_bar
from ._schema import MONEY_OUTPUTS, STATUSES
from ._tables import (
    read_claim_file,
    read_table,
    write_table,
    write_with_outputs,
)
from .errors import InputError, YibaoError

__all__ = ["build_parser", "main", "read_table", "write_table"]

_DEFAULT_CHUNK_ROWS = 1_000_000


# --- chunks -----------------------------------------------------------------------------------


def adjudicate_in_chunks(
    claims: pd.DataFrame,
    policy: Any,
    *,
    members: pd.DataFrame | None = None,
    chunk_rows: int = _DEFAULT_CHUNK_ROWS,
    progress: bool = False,
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
        Show a progress bar (tqdm) on ``stream`` when there is more than one chunk.
    stream
        Where progress goes (default ``sys.stderr``).

    Returns
    -------
    pandas.DataFrame
        Exactly what :func:`yibao.adjudicate` returns for the whole input.
    """
    from ._member_batches import member_chunks
    from ._money import fen_to_money
    from .adjudicate import adjudicate, as_policy

    pol = as_policy(policy)
    kind = options.pop("money", "decimal")
    n = len(claims)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    if n <= chunk_rows:
        return adjudicate(claims, pol, members=members, money=kind, **options)

    chunks = member_chunks(claims["member_id"], chunk_rows)
    money = {c: np.empty(n, dtype=np.int64) for c in MONEY_OUTPUTS}
    rule_codes = np.empty(n, dtype=np.int32)
    labels: dict[str, int] = {}
    with progress_bar(n, progress, stream=stream) as bar:
        for rows in chunks:
            part = adjudicate(claims.iloc[rows], pol, members=members, money="fen", **options)
            for col, target in money.items():
                target[rows] = part[col].to_numpy(dtype=np.int64)
            rule = pd.Categorical(part["rule"])
            remap = np.array(
                [labels.setdefault(str(c), len(labels)) for c in rule.categories], dtype=np.int32
            )
            rule_codes[rows] = remap[rule.codes]
            bar.update(len(rows))

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
    shown = [c for c in _SUMMARY_COLUMNS if c in summary.columns]
    if "supplementary_paid" in summary.columns:  # some region has a 大额 fund (§6b)
        shown.insert(shown.index("fund_share"), "supplementary_paid")
    _print_table(summary[shown], out)
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
    _demo_backtest(Path(args.out) / "backtest", args.seed, out)
    return 0


def _demo_backtest(folder: Path, seed: int, out: TextIO) -> None:
    """The demo's back-test: a SYNTHETIC settlement extract with planted deviations."""
    from ._backtest_report import write_backtest_report
    from .backtest import backtest
    from .nhsa import synthetic_extract

    extract, planted = synthetic_extract(4000, seed=seed, region="chongqing")
    bt = backtest(extract, "chongqing")
    out.write(
        "\nBack-test of a SYNTHETIC settlement extract (NHSA layout) under chongqing: "
        f"{len(planted)} deviations planted; first divergences by attributed rule:\n"
    )
    _print_table(bt.summary(by="attributed_rule"), out)
    notes = [
        "SYNTHETIC extract (yibao.nhsa.synthetic_extract) with planted deviations: "
        + "; ".join(f"{d.description} (rule: {d.rule})" for d in planted)
    ]
    page = write_backtest_report(bt, folder, notes=notes)
    out.write(f"Back-test report written to {page.resolve()}.\n")


def _policy_arg(value: str) -> Any:
    from .adjudicate import as_policy

    return as_policy(value)


def _show_progress(args: argparse.Namespace) -> bool:
    """``--progress``/``--no-progress``, else on when stderr is a terminal."""
    if getattr(args, "quiet", False):
        return False
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty()


def _cmd_adjudicate(args: argparse.Namespace, out: TextIO) -> int:
    from .adjudicate import OUTPUT_COLUMNS

    source = read_claim_file(args.input, refuse=OUTPUT_COLUMNS)
    members = read_table(args.members) if args.members else None
    options: dict[str, Any] = {"threads": args.threads, "unit": args.unit}
    if args.rounding:
        options["rounding"] = args.rounding
    if args.float:
        options["money"] = "float"
    try:
        result = adjudicate_in_chunks(
            source.frame,
            _policy_arg(args.policy),
            members=members,
            chunk_rows=args.chunk_rows,
            progress=_show_progress(args),
            **options,
        )
    except InputError as exc:
        raise source.error(exc) from None
    write_with_outputs(source, result[list(OUTPUT_COLUMNS)], args.output)
    if not args.quiet:
        out.write(f"adjudicated {len(result):,} claims under {args.policy}; wrote {args.output}\n")
    return 0


def _cmd_compare(args: argparse.Namespace, out: TextIO) -> int:
    from .compare import compare, outpatient_regions
    from .report import write_report

    source = read_claim_file(args.input)
    members = read_table(args.members) if args.members else None
    if args.policy:
        policies = {p: _policy_arg(p) for p in args.policy}
    else:  # every bundled region with general-outpatient rules, as the demo does
        usable, skipped = outpatient_regions()
        for key, reason in skipped.items():
            out.write(f"Skipped {key}: {reason}.\n")
        policies = {p: _policy_arg(p) for p in usable}
    try:
        cmp = compare(source.frame, policies, members=members)
    except InputError as exc:
        raise source.error(exc) from None
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


def _add_demo(sub: Any) -> None:
    demo = sub.add_parser("demo", help="run synthetic data through every region with rules")
    demo.add_argument("--out", default="yibao-demo", help="report folder (default ./yibao-demo)")
    demo.add_argument("--members", type=int, default=2000, help="synthetic members (2000)")
    demo.add_argument("--year", type=int, default=2024, help="claims year (2024)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    demo.set_defaults(func=_cmd_demo)


def _add_adjudicate(sub: Any) -> None:
    adj = sub.add_parser("adjudicate", help="adjudicate a CSV/Parquet file of claims")
    adj.add_argument("input", help="claims file (.csv, .csv.gz, .tsv or .parquet)")
    adj.add_argument("output", help="output file (.csv or .parquet): your columns, then yibao's")
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
    adj.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    adj.add_argument("--quiet", action="store_true", help="no progress or summary line")
    adj.set_defaults(func=_cmd_adjudicate)


def _add_compare(sub: Any) -> None:
    cmp = sub.add_parser("compare", help="compare policies on the same claims")
    cmp.add_argument("input", help="claims file (.csv, .csv.gz, .tsv or .parquet)")
    cmp.add_argument(
        "--policy",
        action="append",
        help="region key or policy .toml file; repeat for each policy "
        "(default: every bundled region with outpatient rules)",
    )
    cmp.add_argument("--members", help="member table file")
    cmp.add_argument("--by", help="group column (e.g. status, tier, level)")
    cmp.add_argument("--report", metavar="DIR", help="also write an HTML report into DIR")
    cmp.set_defaults(func=_cmd_compare)


def _add_policies(sub: Any) -> None:
    pol = sub.add_parser("policies", help="list the regions or show a policy's parameters")
    psub = pol.add_subparsers(dest="action", required=True, metavar="ACTION")
    psub.add_parser("list", help="the bundled regions").set_defaults(func=_cmd_policies_list)
    show = psub.add_parser("show", help="every parameter with its source and assumption")
    show.add_argument("region", help="region key or policy .toml file")
    show.set_defaults(func=_cmd_policies_show)


# The subcommands, in --help order. A subcommand in a module of its own adds itself with a
# function that takes the subparsers object, calls ``add_parser`` and sets ``func`` (which
# gets the parsed args and stdout, and returns the exit status); list that function here.
SUBCOMMANDS: list[Callable[[Any], None]] = [
    _add_demo,
    _add_adjudicate,
    _add_compare,
    _add_policies,
    add_backtest_command,  # yibao backtest (issue 17), in _cli_backtest.py
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``yibao`` command."""
    parser = argparse.ArgumentParser(
        prog="yibao",
        description="Exact adjudication of Chinese employee outpatient mutual-aid claims.",
    )
    parser.add_argument("--version", action="version", version=f"yibao {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
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
