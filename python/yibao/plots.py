"""Plots of comparisons and benefit curves (matplotlib, the optional ``yibao[plot]`` extra).

matplotlib is imported only when a plot is drawn. Amounts are converted to floats here for
drawing only; every number in a table stays an exact decimal.

Each function takes an optional ``ax`` and returns the Axes it drew on, so plots compose
into the caller's figures (or into :mod:`yibao.report`'s, which never touch pyplot's global
state).

Chinese labels (在职/退休, region names): the first plot adds an installed CJK font
(Noto Sans CJK, Source Han Sans, WenQuanYi, ...; see :func:`use_cjk_font`) to matplotlib's
font fallback, so they render; when none is installed and a plot has Chinese text, one
warning says which package to install instead of a box per glyph.
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .compare import Comparison

__all__ = [
    "plot_benefit_curves",
    "plot_binding",
    "plot_fund",
    "plot_out_of_pocket",
    "require_matplotlib",
    "use_cjk_font",
]

# Fonts with the CJK Unified Ideographs, most common first on Linux, then macOS and Windows.
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
    "Arial Unicode MS",
)
_CJK_TEXT = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CJK_HINT = (
    "no CJK font found: Chinese labels will show as boxes; install one (Debian/Ubuntu: "
    "apt-get install fonts-noto-cjk, or fonts-wqy-zenhei) and restart Python"
)
_hinted = False

_BINDING_COLORS = {
    "nothing eligible": "#d9d9d9",
    "deductible": "#fdae61",
    "rate": "#abd9e9",
    "visit cap": "#2c7bb6",
    "annual cap": "#d7191c",
    "overall cap": "#7b3294",
}


def require_matplotlib() -> Any:
    """Import matplotlib, or explain how to install it."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "yibao's plots need matplotlib: pip install 'yibao[plot]' (or pip install matplotlib)"
        ) from exc
    return matplotlib


@cache
def _installed_cjk_font() -> str | None:
    """The first of ``_CJK_FONTS`` that matplotlib's font manager knows, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def use_cjk_font() -> str | None:
    """Let matplotlib draw Chinese text with an installed CJK font; returns its name.

    The font is appended to ``rcParams["font.family"]``, so Latin text keeps its font and
    matplotlib falls back to the CJK font glyph by glyph (matplotlib >= 3.6). yibao's plots
    call this themselves; call it once for your own plots of yibao's Chinese labels
    (``out.groupby("status")...plot.bar()``). Returns None, changing nothing, when no CJK
    font is installed.

    Examples
    --------
    >>> from yibao.plots import use_cjk_font
    >>> use_cjk_font() is None or isinstance(use_cjk_font(), str)
    True
    """
    import matplotlib

    name = _installed_cjk_font()
    if name is not None:
        family = matplotlib.rcParams["font.family"]
        family = [family] if isinstance(family, str) else list(family)
        if name not in family:
            matplotlib.rcParams["font.family"] = [*family, name]
    return name


def _hint_if_cjk_missing(ax: Axes) -> None:
    """Warn once when ``ax`` has Chinese text and no CJK font can draw it."""
    global _hinted
    if _hinted or _installed_cjk_font() is not None:
        return
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()]
        texts.append(legend.get_title().get_text())
    if any(_CJK_TEXT.search(text) for text in texts):
        _hinted = True
        warnings.warn(_CJK_HINT, UserWarning, stacklevel=3)


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.2)) -> Axes:
    require_matplotlib()
    use_cjk_font()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _floats(values: pd.Series) -> np.ndarray:
    """Exact decimal yuan as floats, for drawing only."""
    return np.asarray(values.astype("float64").to_numpy(), dtype=np.float64)


def plot_benefit_curves(
    curves: pd.DataFrame,
    y: str = "fund_paid",
    *,
    by: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Benefit curves of several policies on one axis.

    Parameters
    ----------
    curves
        The table of :func:`yibao.benefit_curve` (several may be concatenated; add a column
        and pass it as ``by`` to draw, e.g., one line per status or tier).
    y
        ``"fund_paid"`` (default), ``"self_pay"``, ``"deductible"``, ``"capped"`` or
        ``"fund_share"``.
    by
        An extra column whose values split each policy's curve into several lines.
    ax
        Axes to draw on; default a new figure.
    title
        Plot title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    keys = ["policy"] if by is None else ["policy", by]
    policies = list(pd.unique(curves["policy"]))
    splits = [] if by is None else list(pd.unique(curves[by]))
    styles = ["-", "--", ":", "-."]
    for key, part in curves.groupby(keys, sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values("spending")
        values = part[y].to_numpy(dtype=np.float64) if y == "fund_share" else _floats(part[y])
        # several policies: a colour per policy, a line style per split; one policy: colours
        split = splits.index(key[1]) if by is not None else 0
        color = policies.index(key[0]) if len(policies) > 1 else split
        style = styles[split % len(styles)] if len(policies) > 1 else "-"
        ax.plot(
            _floats(part["spending"]),
            values,
            label=" · ".join(str(k) for k in key),
            color=f"C{color % 10}",
            linestyle=style,
            linewidth=1.8,
        )
    ax.set_xlabel("annual eligible spending (yuan)")
    ax.set_ylabel(
        {
            "fund_paid": "fund payment (yuan)",
            "self_pay": "member's self-pay (yuan)",
            "fund_share": "share paid by the fund",
        }.get(y, f"{y} (yuan)")
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    _hint_if_cjk_missing(ax)
    return ax


def plot_fund(comparison: Comparison, by: str | None = None, ax: Axes | None = None) -> Axes:
    """Bar chart of the fund's total payment per policy (× group), labelled with its share.

    Parameters
    ----------
    comparison
        The result of :func:`yibao.compare`.
    by
        Optional group column (e.g. ``"status"``): one bar per group within each policy.
    ax
        Axes to draw on; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    summary = comparison.summary(by=by)
    names = comparison.names
    groups = [None] if by is None else list(pd.unique(summary[by]))
    width = 0.8 / len(groups)
    x = np.arange(len(names))
    for i, group in enumerate(groups):
        part = summary if group is None else summary[summary[by] == group]
        part = part.set_index("policy").reindex(names)
        heights = np.nan_to_num(_floats(part["fund_paid"]))
        bars = ax.bar(x + (i - (len(groups) - 1) / 2) * width, heights, width, label=group)
        shares = part["fund_share"].to_numpy(dtype=np.float64)
        labels = [f"{s:.0%}" if np.isfinite(s) else "" for s in shares]
        ax.bar_label(bars, labels=labels, fontsize=8)
    from matplotlib.ticker import StrMethodFormatter

    ax.set_xticks(x, names)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel("fund payment (yuan)")
    ax.set_title("Fund payment; labels: share of eligible spending paid by the fund")
    if by is not None:
        ax.legend(title=by, fontsize="small")
    ax.grid(True, axis="y", alpha=0.3)
    _hint_if_cjk_missing(ax)
    return ax


def plot_out_of_pocket(
    comparison: Comparison,
    by: str | None = "status",
    ax: Axes | None = None,
    column: str = "self_pay",
) -> Axes:
    """Distribution (ECDF) of members' annual self-pay per policy (× group).

    Parameters
    ----------
    comparison
        The result of :func:`yibao.compare`.
    by
        Group column (default ``"status"``) drawn with different line styles; ``None`` for
        one line per policy.
    ax
        Axes to draw on; default a new figure.
    column
        ``"self_pay"`` (default; the eligible part the fund did not pay) or
        ``"out_of_pocket"`` (``total - fund_paid``, when the claims have ``total``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    members = comparison.by_member(by=by)
    styles = ["-", "--", ":", "-."]
    colors = {name: f"C{i}" for i, name in enumerate(comparison.names)}
    keys = ["policy"] if by is None else ["policy", by]
    group_values = [] if by is None else list(pd.unique(members[by]))
    for key, part in members.groupby(keys, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        values = np.sort(_floats(part[column]))
        if not len(values):
            continue
        style = styles[group_values.index(key[1]) % len(styles)] if by is not None else "-"
        ax.step(
            values,
            np.arange(1, len(values) + 1) / len(values),
            where="post",
            color=colors[key[0]],
            linestyle=style,
            label=" · ".join(str(k) for k in key),
        )
    ax.set_xlabel(f"member's annual {column.replace('_', '-')} (yuan)")
    ax.set_ylabel("share of members at or below")
    ax.set_title("Member burden: distribution over members")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    _hint_if_cjk_missing(ax)
    return ax


def plot_binding(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Stacked bars: the share of members whose year was bound by each limit, per policy.

    Parameters
    ----------
    comparison
        The result of :func:`yibao.compare`.
    ax
        Axes to draw on; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    table = comparison.binding().pivot_table(
        index="policy", columns="binding", values="member_share", observed=False, aggfunc="sum"
    )
    table = table.reindex(comparison.names).fillna(0.0)
    left = np.zeros(len(table))
    y = np.arange(len(table))
    for limit in table.columns:
        share = table[limit].to_numpy(dtype=np.float64)
        if not share.any():
            continue
        ax.barh(y, share, left=left, color=_BINDING_COLORS.get(str(limit)), label=str(limit))
        left += share
    ax.set_yticks(y, list(table.index))
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of members")
    ax.set_title("Which limit bound each member's year")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    _hint_if_cjk_missing(ax)
    return ax
