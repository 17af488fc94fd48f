"""Regenerate the figures and numbers of docs/analysis.md (SYNTHETIC data).

    PYTHONPATH=python python examples/analysis_figures.py

Writes docs/img/analysis-*.png (small PNGs) and prints the tables quoted in the page.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

import yibao
from yibao.datasets import synthetic
from yibao.sweep import plot_sweep

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)
pd.set_option("display.max_colwidth", 60)


def save(ax: object, name: str) -> None:
    fig = ax.figure  # type: ignore[attr-defined]
    fig.set_size_inches(7.0, 3.8)
    fig.text(0.99, 0.01, "SYNTHETIC data", ha="right", va="bottom", fontsize=7, color="#999999")
    fig.savefig(OUT / f"analysis-{name}.png", dpi=80)
    plt.close(fig)


members, claims = synthetic(members=2000, year=2024, seed=42)
print(f"SYNTHETIC: {len(members):,} members, {len(claims):,} claims (2024)")

d = yibao.decompose(claims, "jining", "chongqing")
print(d.summary().T)
print(d.table()[["lever", "parameters", "fund_paid", "self_pay"]])
print(yibao.decompose(claims, "jining", "chongqing", by="status").table()[
    ["status", "lever", "fund_paid"]
])
save(d.plot(), "waterfall")

table = yibao.sweep(claims, "jining", {"pools.general.annual_cap": range(500, 6001, 250)})
print(table[["pools.general.annual_cap", "fund_paid", "self_pay", "members_at_cap"]].iloc[::4])
save(plot_sweep(table), "sweep")

print(yibao.diff("chongqing", "jining")[["parameter", "chongqing", "jining"]])

members23, claims23 = synthetic(members=2000, year=2023, seed=42)
nanchang = yibao.load_policy("nanchang").replace({"accounts.retired.average_pension": 3140})
result = yibao.incidence(members23, claims23, nanchang, 2023)
print(result, result.share_losing)
cols = [
    "members", "share_losing", "mean_credits_before", "mean_credits_after",
    "mean_account_change", "mean_outpatient_fund_paid", "mean_net_gain", "net_gain_median",
]  # fmt: skip
for group in (None, "status", "age_band", "spending_decile"):
    by = result.by(group)
    print(by[[by.columns[0], *cols]])
save(result.plot("spending_decile"), "incidence")
