"""The HTML section of a back-test: what was set aside, residuals by group, the worst rows,
and the monthly plot, in one self-contained ``index.html`` (like :mod:`yibao.report`)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .report import _CSS, _figure_png, _html_table

if TYPE_CHECKING:  # pragma: no cover
    from .backtest import Backtest

__all__ = ["backtest_section", "write_backtest_report"]


def backtest_section(bt: Backtest, *, by: str = "month", worst: int = 20) -> str:
    """The back-test's HTML (a fragment without ``<html>``), to embed in a report."""
    esc = html.escape
    parts = [
        f"<h2>Back-test under {esc(bt.policy.name)}</h2>",
        f"<p>{esc(repr(bt))}. Residual = observed − yibao, exact to the fen. A member-year's "
        "<i>first divergence</i> is the first row where the amounts differ; it is attributed "
        "to the rule whose parameter differs there (docs/backtest.md).</p>",
        "<h3>Set aside or netted</h3>",
        _html_table(bt.set_aside),
        "<h3>Residuals</h3>",
        _html_table(bt.summary()),
        "<h3>First divergences by attributed rule</h3>",
        _html_table(bt.summary(by="attributed_rule")),
        f"<h3>By {esc(by)}</h3>",
        _html_table(bt.summary(by=by)),
        f"<h3>The {worst} largest residuals</h3>",
        _html_table(bt.worst(worst)),
    ]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parts.append("<p class='skipped'>Plot left out: matplotlib is not installed.</p>")
    else:
        png = _figure_png(lambda ax: bt.plot(ax=ax), size=(9.0, 4.4))
        caption = "Residual fund payment per month; labels: member-years that first diverge"
        parts.append(
            f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{png}'>"
            f"<figcaption>{esc(caption)}</figcaption></figure>"
        )
    return "\n".join(parts)


def write_backtest_report(
    bt: Backtest,
    out_dir: str | Path,
    *,
    title: str | None = None,
    notes: Sequence[str] = (),
    by: str = "month",
) -> Path:
    """Write ``index.html`` with the back-test's tables and plot into ``out_dir``.

    Returns
    -------
    pathlib.Path
        The path of the written ``index.html``.
    """
    from . import __version__

    esc = html.escape
    title = title or f"yibao back-test: {bt.policy.name} against a settlement extract"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='meta'>yibao {esc(__version__)} · generated "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC</p>",
        *(f"<p class='note'>{esc(note)}</p>" for note in notes),
        backtest_section(bt, by=by),
        "</body></html>",
    ]
    path = out / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
