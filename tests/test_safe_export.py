"""Exports never hand a spreadsheet a formula (quality promise 6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.lib.safe_export import FORMULA_PREFIXES, safe_cell, write_csv, write_xlsx
from trellis.lib.tabular import read_table


def csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_cells(data: bytes) -> list[list[object]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def unprotected(value: object) -> bool:
    """A text cell a spreadsheet would evaluate: starts with a formula character."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def test_it_prefixes_each_formula_character():
    for prefix in FORMULA_PREFIXES:
        assert safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_it_leaves_plain_text_numbers_and_dates_alone():
    assert safe_cell("Hélène") == "Hélène"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-5) == "-5"
    assert safe_cell(Decimal("-1.5")) == "-1.5"
    assert safe_cell(dt.date(2024, 2, 29)) == "2024-02-29"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


def test_it_writes_a_csv_with_a_header_from_sequences_or_mappings():
    data = write_csv([["a", 1], {"name": "=cmd", "n": None}], ["name", "n"])
    assert csv_cells(data) == [["name", "n"], ["a", "1"], ["'=cmd", ""]]


def test_it_adds_a_byte_order_mark_on_request():
    assert write_csv([], ["x"], bom=True).startswith(b"\xef\xbb\xbf")
    assert not write_csv([], ["x"]).startswith(b"\xef\xbb\xbf")


def test_it_writes_an_xlsx_with_typed_values_and_text_formulas_neutralised():
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    data = write_xlsx([["=1+1", -3, when, "bell\x07"]], ["text", "number", "when", "control"])
    assert xlsx_cells(data) == [
        ["text", "number", "when", "control"],
        ["'=1+1", -3, dt.datetime(2024, 5, 1, 12, 0), "bell"],
    ]


def test_an_export_reads_back_through_the_tabular_reader():
    data = write_csv([{"email": "a@example.com", "name": "+Ada"}], ["email", "name"])
    _, rows = read_table(data, filename="x.csv", required=["email", "name"])
    assert [r.values for r in rows] == [{"email": "a@example.com", "name": "'+Ada"}]


dangerous = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(FORMULA_PREFIXES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)
anything = st.one_of(
    dangerous,
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.integers(),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(anything, min_size=2, max_size=2), max_size=6))
def test_no_csv_cell_read_back_starts_with_a_formula_character(rows):
    cells = csv_cells(write_csv(rows, ["=a", "b"]))
    for row, values in zip(cells[1:], rows, strict=True):
        for cell, value in zip(row, values, strict=True):
            # Integers are written as numbers; any other cell must be protected.
            assert not unprotected(cell) or isinstance(value, int)
    assert not unprotected(cells[0][0])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(anything, min_size=2, max_size=2), min_size=1, max_size=4))
def test_no_xlsx_cell_read_back_starts_with_a_formula_character(rows):
    data = write_xlsx(rows, ["=a", "b"])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert not unprotected(cell.value)
