"""Issue 20, break 7: ``adjudicate_parquet`` leaves no partial output and names the file row.

Errors name the row's number in the source file (0-based), whatever the batch; a file
found bad half-way leaves the destination as it was (absent, or the previous file) and no
temporary file behind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import yibao
from yibao.stream import adjudicate_parquet

N = 200


def _claims() -> pd.DataFrame:
    """Sorted by member then date: 40 members x 5 rows."""
    return pd.DataFrame(
        {
            "member_id": np.repeat(np.arange(40), 5),
            "date": pd.to_datetime("2024-01-01") + pd.to_timedelta(np.tile(np.arange(5), 40), "D"),
            "level": 1,
            "eligible": np.tile([120.0, 35.5, 300.0, 80.25, 10.0], 40),
            "status": "in_service",
        }
    )


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    src = tmp_path / "claims.parquet"
    frame.to_parquet(src, index=False)
    return src


def _only_source_left(tmp_path: Path) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.parquet"]


@pytest.mark.parametrize("row", [3, 49, 50, 137, 199])
def test_unsorted_file_names_the_file_row_and_leaves_no_output(tmp_path: Path, row: int) -> None:
    frame = _claims()
    frame.loc[row, "member_id"] = -1  # smaller than the member before it
    src = _write(tmp_path, frame)
    with pytest.raises(yibao.InputError, match="sorted by member_id") as err:
        adjudicate_parquet(src, tmp_path / "out.parquet", "jining", batch_rows=50)
    assert err.value.row == row
    _only_source_left(tmp_path)


@pytest.mark.parametrize("row", [0, 51, 137])
def test_bad_value_names_the_file_row(tmp_path: Path, row: int) -> None:
    frame = _claims()
    frame.loc[row, "eligible"] = -1.0
    src = _write(tmp_path, frame)
    with pytest.raises(yibao.InputError, match="negative") as err:
        adjudicate_parquet(src, tmp_path / "out.parquet", "jining", batch_rows=50)
    assert err.value.row == row
    assert err.value.column == "eligible"
    _only_source_left(tmp_path)


@pytest.mark.parametrize("row", [0, 77, 199])
def test_nan_member_id_is_a_missing_id(tmp_path: Path, row: int) -> None:
    frame = _claims()
    frame["member_id"] = frame["member_id"].astype(float)
    frame.loc[row, "member_id"] = np.nan
    src = _write(tmp_path, frame)
    with pytest.raises(yibao.InputError, match="missing member_id") as err:
        adjudicate_parquet(src, tmp_path / "out.parquet", "jining", batch_rows=50)
    assert err.value.row == row
    _only_source_left(tmp_path)


def test_a_failed_run_keeps_the_previous_destination(tmp_path: Path) -> None:
    good = _claims()
    src = _write(tmp_path, good)
    dst = tmp_path / "out.parquet"
    assert adjudicate_parquet(src, dst, "jining", batch_rows=50) == N
    before = dst.read_bytes()
    bad = good.copy()
    bad.loc[150, "member_id"] = 0
    bad.to_parquet(src, index=False)
    with pytest.raises(yibao.InputError):
        adjudicate_parquet(src, dst, "jining", batch_rows=50)
    assert dst.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.parquet", "out.parquet"]


def test_success_writes_every_row_in_order(tmp_path: Path) -> None:
    frame = _claims()
    src = _write(tmp_path, frame)
    dst = tmp_path / "out.parquet"
    assert adjudicate_parquet(src, dst, "jining", batch_rows=37) == N
    got = pd.read_parquet(dst)
    want = yibao.adjudicate(frame, "jining")
    assert got["fund_paid"].astype(str).tolist() == want["fund_paid"].astype(str).tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.parquet", "out.parquet"]
