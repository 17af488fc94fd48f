"""Instructions the sorted kernel executes per region (issue 18: the kernel's cost unchanged).

    python benchmarks/kernel_instructions.py                       # 200,000 claims
    python benchmarks/kernel_instructions.py --python /tmp/main/python   # another build

Counts with ``valgrind --tool=cachegrind --cache-sim=no`` (deterministic, unlike time on a
shared machine) one ``_core.adjudicate`` over converted synthetic claims (2024, in processing
order) under Chongqing, Jining and Ili, and reports the kernel's functions: the row loop
``Adjudicator::run_block`` (``Adjudicator::pass`` in builds before issue 15's cut) and the rule
functions it calls out of line. The compiled core must keep its symbols: build it with
``-DCMAKE_STRIP=/bin/true`` (pybind11 strips Release modules).
Compare two builds by running this once with each ``--python`` (a ``git archive`` of main's
``python/`` with its core copied in, for instance).

Instructions are not time: a data-dependent branch counts fewer instructions than the
arithmetic it replaces and can cost more in mispredictions (issue 15's last cut: rounding
written as ``away ? q + 1 : q`` counted 0.5% fewer instructions and made a sorted 2 M-row
call 11% slower). Time the dtype shapes side by side too (``benchmarks/dtypes.py``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_KERNEL = re.compile(r"Adjudicator::(pass|run_block)\(|RowRules::|MemberState::enter|apply_rate")


def _child(python: str, arrays: str, region: str) -> None:
    sys.path.insert(0, python)
    import numpy as np

    import yibao
    from yibao import _core

    d = np.load(arrays)
    columns = ("member", "day", "level", "eligible", "status", "service", "prescriber", "tier")
    core = yibao.load_policy(region).core
    args = [d[c] for c in columns] + [d["institution"], 1, _core.MoneyLayout.fen64]
    _core.adjudicate(core, *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--python", default=str(Path(__file__).resolve().parents[1] / "python"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.python, *args.child)
        return 0

    sys.path.insert(0, args.python)
    import numpy as np

    from yibao._many import convert_once
    from yibao.datasets import synthetic_claims

    work = Path(tempfile.mkdtemp())
    arrays = convert_once(synthetic_claims(args.claims, seed=1, year=2024), threads=1).arrays
    names = ("member", "day", "level", "eligible", "status", "service", "prescriber", "tier")
    np.savez(
        work / "arrays.npz",
        institution=arrays.institution,
        **{n: getattr(arrays, n) for n in names},
    )
    print(f"claims {args.claims:,}, core from {args.python}")
    print("| policy | kernel instructions | per row |")
    print("|---|---|---|")
    for region in ("chongqing", "jining", "ili"):
        out = work / f"cg.{region}"
        me = [
            sys.executable,
            __file__,
            "--python",
            args.python,
            "--child",
            str(work / "arrays.npz"),
            region,
        ]
        valgrind = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
        ]
        subprocess.run(valgrind + me, check=True, capture_output=True)
        listing = subprocess.run(
            ["cg_annotate", "--threshold=0", str(out)], check=True, capture_output=True, text=True
        ).stdout
        total = sum(
            int(line.split()[0].replace(",", ""))
            for line in listing.splitlines()
            if _KERNEL.search(line) and line.strip()[:1].isdigit()
        )
        print(f"| {region} | {total:,} | {total / args.claims:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
