"""A self-contained HTML report of a comparison: tables and plots (PNG embedded in the page).

The report is one ``index.html`` with no external files, so it can be mailed or archived.
Plots need matplotlib (``pip install 'yibao[plot]'``); without it the report still has every
table and says that the plots were left out.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .compare import Comparison
    from .decompose import Decomposition

__all__ = ["format_table", "write_report"]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0 1.6rem; font-size: 0.86rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.note { background: #fff6d6; border-left: 4px solid #e0b000; padding: 0.5rem 0.8rem; }
.skipped { background: #f4f4f4; border-left: 4px solid #999; padding: 0.5rem 0.8rem; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9rem; }
"""


def format_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Strings for display: exact decimals with thousands separators, shares as percents."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        series = frame[col]
        dtype = series.dtype
        if isinstance(dtype, pd.ArrowDtype) and "decimal" in str(dtype):
            out[col] = [f"{v:,.2f}" if v is not None and v == v else "" for v in series.tolist()]
        elif "share" in str(col) and pd.api.types.is_float_dtype(dtype):
            out[col] = [f"{v:.1%}" if v == v else "" for v in series.tolist()]
        elif pd.api.types.is_integer_dtype(dtype):
            out[col] = [f"{v:,}" for v in series.tolist()]
        else:
            out[col] = series.astype(str)
    return out


def _html_table(frame: pd.DataFrame) -> str:
    return str(format_table(frame).to_html(index=False, border=0, escape=True))


def _figure_png(draw: Callable[[Axes], Any], size: tuple[float, float] = (8.0, 4.4)) -> str:
    """Draw on a fresh Figure (no pyplot global state) and return it as base64 PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def write_report(
    comparison: Comparison,
    out_dir: str | Path,
    *,
    curves: pd.DataFrame | None = None,
    title: str = "yibao: outpatient policies compared",
    notes: Sequence[str] = (),
    skipped: Mapping[str, str] | None = None,
    by: str | None = "status",
) -> Path:
    """Write ``index.html`` with the comparison's tables and plots into ``out_dir``.

    Parameters
    ----------
    comparison
        The result of :func:`yibao.compare`.
    out_dir
        Folder to write into (created if needed).
    curves
        Optional :func:`yibao.benefit_curve` table to plot; a ``by`` column named
        ``curve`` splits lines further (e.g. by status).
    title
        Page title.
    notes
        Paragraphs shown prominently at the top (e.g. "these data are synthetic").
    skipped
        ``{region: reason}`` for policies left out of the comparison, shown with the reason.
    by
        Group column for the grouped summary and the out-of-pocket plot.

    Returns
    -------
    pathlib.Path
        The path of the written ``index.html``.
    """
    from . import __version__

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='meta'>yibao {esc(__version__)} · {len(comparison.input):,} claims · "
        f"generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    parts += [f"<p class='note'>{esc(note)}</p>" for note in notes]

    parts.append(
        "<h2>Policies compared</h2><table><tr><th>name</th><th>region</th>"
        "<th>document</th><th>versions from</th><th>status</th></tr>"
    )
    for name, policy in comparison.policies.items():
        dates = ", ".join(v.effective.isoformat() for v in policy.versions)
        state = "draft (征求意见稿)" if policy.draft else "in force"
        parts.append(
            f"<tr><td>{esc(name)}</td><td>{esc(policy.name)}</td><td>{esc(policy.document)}</td>"
            f"<td>{esc(dates)}</td><td>{esc(state)}</td></tr>"
        )
    parts.append("</table>")
    if skipped:
        items = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in skipped.items())
        parts.append(f"<div class='skipped'><b>Not compared</b><ul>{items}</ul></div>")

    parts.append("<h2>Summary</h2>")
    parts.append(
        "<p>Amounts in yuan, exact sums to the fen. <i>self_pay</i>: the eligible part the fund "
        "did not pay; <i>out_of_pocket</i>: total cost minus fund payment. A member is "
        "<i>past the deductible</i> once the fund paid anything, <i>at cap</i> when an annual "
        "cap withheld payment.</p>"
    )
    parts.append(_html_table(comparison.summary()))
    if by is not None:
        parts.append(f"<h3>By {esc(by)}</h3>")
        parts.append(_html_table(comparison.summary(by=by)))
    gap = _largest_gap(comparison)
    if gap is not None:
        parts += _gap_section(gap)
    parts.append("<h2>Binding limits</h2>")
    binding = comparison.binding()
    parts.append(_html_table(binding[binding["members"] > 0]))

    plots = _plots(comparison, curves, by)
    if plots is not None and gap is not None:
        plots.append(
            (
                "Why the largest gap: contribution of each lever",
                _figure_png(lambda ax: gap.plot(ax=ax)),
            )
        )
    if plots is None:
        parts.append(
            "<p class='skipped'>Plots left out: matplotlib is not installed "
            "(<code>pip install 'yibao[plot]'</code>).</p>"
        )
    else:
        parts.append("<h2>Plots</h2>")
        for caption, png in plots:
            parts.append(
                f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{png}'>"
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    path = out / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _plots(
    comparison: Comparison, curves: pd.DataFrame | None, by: str | None
) -> list[tuple[str, str]] | None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    from . import plots

    out = []
    if curves is not None:
        split = "curve" if "curve" in curves.columns else None
        out.append(
            (
                "Benefit curves: fund payment for one member's annual eligible spending",
                _figure_png(lambda ax: plots.plot_benefit_curves(curves, by=split, ax=ax)),
            )
        )
    out.append(
        ("Fund payment per policy", _figure_png(lambda ax: plots.plot_fund(comparison, ax=ax)))
    )
    out.append(
        (
            "Members' annual self-pay (distribution)",
            _figure_png(lambda ax: plots.plot_out_of_pocket(comparison, by=by, ax=ax)),
        )
    )
    out.append(
        ("Binding limit per member", _figure_png(lambda ax: plots.plot_binding(comparison, ax=ax)))
    )
    return out


def _largest_gap(comparison: Comparison) -> Decomposition | None:
    """The decomposition of the largest gap in fund payment between two compared policies
    (the highest against the lowest total); None with fewer than two policies."""
    from .decompose import decompose
    from .errors import YibaoError

    if len(comparison.policies) < 2:
        return None
    totals = comparison.summary().set_index("policy")["fund_paid"]
    low, high = totals.idxmin(), totals.idxmax()
    if low == high:
        return None
    try:
        return decompose(
            comparison.input,
            comparison.policies[str(low)],
            comparison.policies[str(high)],
            members=comparison.members,
            **comparison._options,
        )
    except (YibaoError, ValueError):  # e.g. more levers than 2^k runs allow: leave it out
        return None


def _gap_section(gap: Decomposition) -> list[str]:
    esc = html.escape
    return [
        f"<h2>Why the largest gap: {esc(gap.base.region)} → {esc(gap.other.region)}</h2>",
        "<p>The gap in fund payment split into levers by exact Shapley values (every subset of "
        "levers switched and adjudicated; the contributions add up to the gap to the fen, "
        "whatever the order of the levers). See the documentation's Analysis page.</p>",
        _html_table(gap.summary()),
        _html_table(gap.table()),
    ]
