"""The command line keeps the user's own columns as they were (issue 19) and names the
column and row of a bad value in a file (issue 20)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import yibao
from yibao.cli import main

# Dates, amounts and ids as a user writes them: trailing zeros, a quoted field with the
# delimiter inside, a quoted plain field, CRLF line ends, a column yibao does not know.
CSV = (
    "member_id,date,level,eligible,status,note\r\n"
    '0012,2024-12-03,1,65.59,在职,"first, visit"\r\n'
    '0012,2024-12-04,1,100.10,在职,"plain"\r\n'
    "7,2024-03-01,3,500,retired,\r\n"
    "7,2024-03-01,2,0.50,retired,x\r\n"
)


def _run(*argv: str) -> None:
    assert main([*argv, "--quiet"]) == 0


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["utf-8", "utf-8 with BOM (Excel)"])
def test_csv_own_columns_round_trip_byte_for_byte(tmp_path: Path, bom: str) -> None:
    src, dst = tmp_path / "claims.csv", tmp_path / "out.csv"
    src.write_bytes((bom + CSV).encode())
    _run("adjudicate", str(src), str(dst), "--policy", "jining")
    got = dst.read_bytes().split(b"\r\n")
    want = (bom + CSV).encode().split(b"\r\n")
    assert len(got) == len(want)
    n_own = len(want[0].split(b","))
    assert got[0].startswith(bom.encode() + b"member_id,")
    for line, original in zip(got, want, strict=True):
        assert line[: len(original)] == original  # the user's bytes, unchanged
    # yibao's columns follow: exact amounts, the same as the library's
    out = pd.read_csv(dst, dtype=str, keep_default_na=False)
    assert list(out.columns[n_own:]) == [
        "deductible",
        "fund_paid",
        "supplementary_paid",
        "self_pay",
        "capped",
        "ytd_fund_paid",
        "rule",
    ]
    claims = pd.read_csv(src, dtype={"member_id": str, "eligible": str})
    claims["eligible"] = claims["eligible"].map(Decimal)
    want_fund = yibao.adjudicate(claims, "jining")["fund_paid"]
    assert out["fund_paid"].map(Decimal).tolist() == want_fund.tolist()


def test_gzip_csv_round_trip(tmp_path: Path) -> None:
    src, dst = tmp_path / "claims.csv.gz", tmp_path / "out.csv.gz"
    text = CSV.replace("\r\n", "\n").encode()
    src.write_bytes(gzip.compress(text))
    _run("adjudicate", str(src), str(dst), "--policy", "jining")
    for line, original in zip(
        gzip.decompress(dst.read_bytes()).split(b"\n"), text.split(b"\n"), strict=True
    ):
        assert line.startswith(original)


def test_multiline_field_keeps_values(tmp_path: Path) -> None:
    src, dst = tmp_path / "claims.csv", tmp_path / "out.csv"
    src.write_text(CSV.replace('"first, visit"', '"first\nvisit"'), encoding="utf-8")
    _run("adjudicate", str(src), str(dst), "--policy", "jining")
    out = pd.read_csv(dst, dtype=str, keep_default_na=False)
    assert out["note"].tolist() == ["first\nvisit", "plain", "", "x"]
    assert out["date"].tolist() == ["2024-12-03", "2024-12-04", "2024-03-01", "2024-03-01"]
    assert out["eligible"].tolist() == ["65.59", "100.10", "500", "0.50"]
    assert out["member_id"].tolist() == ["0012", "0012", "7", "7"]


def test_parquet_columns_keep_their_types(tmp_path: Path) -> None:
    src, dst = tmp_path / "claims.parquet", tmp_path / "out.parquet"
    table = pa.table(
        {
            "member_id": pa.array(["a", "a", "b"]),
            "date": pa.array(pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-02"]).date),
            "level": pa.array([1, 2, 3], pa.int16()),
            "eligible": pa.array(
                [Decimal("65.59"), Decimal("10"), Decimal("7.5")], pa.decimal128(10, 3)
            ),
            "status": pa.array(["in_service"] * 3).dictionary_encode(),
            "weight": pa.array([0.25, 1.5, 2.0], pa.float32()),
        }
    )
    pq.write_table(table, src)
    _run("adjudicate", str(src), str(dst), "--policy", "jining")
    out = pq.read_table(dst)
    assert out.schema.names[: table.num_columns] == table.schema.names
    for name in table.schema.names:
        assert out.schema.field(name).type == table.schema.field(name).type, name
        assert out.column(name).to_pylist() == table.column(name).to_pylist(), name
    assert out.schema.field("fund_paid").type == pa.decimal128(18, 2)


def test_csv_errors_name_column_and_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "claims.csv"
    src.write_text(CSV.replace("100.10", "1OO.10"), encoding="utf-8")
    assert main(["adjudicate", str(src), str(tmp_path / "o.csv"), "--policy", "jining"]) == 1
    err = capsys.readouterr().err
    assert "column 'eligible'" in err and "data row 2 (line 3)" in err and "1OO.10" in err
    assert "#" not in err
    # an error found by yibao itself (a level out of range) is said in the file's terms too
    src.write_text(CSV.replace("2024-03-01,3,", "2024-03-01,4,"), encoding="utf-8")
    assert main(["adjudicate", str(src), str(tmp_path / "o.csv"), "--policy", "jining"]) == 1
    err = capsys.readouterr().err
    assert "column 'level'" in err and "data row 3 (line 4)" in err
    # a row with too many fields names its line
    src.write_text(CSV.replace(",x\r\n", ",x,y\r\n"), encoding="utf-8")
    assert main(["adjudicate", str(src), str(tmp_path / "o.csv"), "--policy", "jining"]) == 1
    assert "line 5: 7 fields where the header has 6" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_input_with_output_columns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "claims.csv"
    src.write_text(CSV.replace(",note", ",fund_paid"), encoding="utf-8")
    assert main(["adjudicate", str(src), str(tmp_path / "o.csv"), "--policy", "jining"]) == 1
    assert "already has yibao's output column(s) fund_paid" in capsys.readouterr().err


def test_compare_defaults_to_every_outpatient_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "claims.csv"
    claims = yibao.datasets.synthetic(members=40, seed=2)[1]
    yibao.cli.write_table(claims, src)
    assert main(["compare", str(src)]) == 0
    out = capsys.readouterr().out
    usable, _ = yibao.outpatient_regions()
    for region in usable:
        assert region in out
    assert "Skipped inner_mongolia" in out


def test_version_and_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yibao", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"yibao {yibao.__version__}"
