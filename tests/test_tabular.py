"""The safe tabular reader: every bad file becomes a TabularError naming line and reason."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.lib.tabular import FIELD_SIZE_LIMIT, Row, TabularError, read_table

REQUIRED = ("email", "name")
OPTIONAL = ("country",)


def read(
    data: bytes, filename: str = "people.csv", **kwargs: object
) -> tuple[list[str], list[Row]]:
    header, rows = read_table(
        data,
        filename=filename,
        required=REQUIRED,
        optional=OPTIONAL,
        **kwargs,  # type: ignore[arg-type]
    )
    return header, list(rows)


def error_of(data: bytes, filename: str = "people.csv", **kwargs: object) -> TabularError:
    with pytest.raises(TabularError) as info:
        read(data, filename, **kwargs)
    return info.value


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_it_reads_a_plain_csv_by_header_name_in_any_order():
    header, rows = read(b"Name , EMAIL,extra\nAda,ada@example.com,x\n")
    assert header == ["name", "email", "extra"]
    assert rows == [
        Row(line=2, values={"country": "", "name": "Ada", "email": "ada@example.com", "extra": "x"})
    ]


def test_it_removes_the_byte_order_mark_from_the_first_column():
    header, rows = read("\ufeffemail,name\nada@example.com,Ada\n".encode())
    assert header[0] == "email"
    assert rows[0].values["email"] == "ada@example.com"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_sniffs_the_delimiter_from_the_header(delimiter):
    text = delimiter.join(["email", "name", "country"]) + "\n"
    text += (
        delimiter.join(["ada@example.com", "Lovelace, Ada", "UK"]).replace(
            "Lovelace, Ada", '"Lovelace, Ada"'
        )
        + "\n"
    )
    _, rows = read(text.encode())
    assert rows[0].values == {"email": "ada@example.com", "name": "Lovelace, Ada", "country": "UK"}


def test_it_falls_back_to_cp1252_with_accents():
    _, rows = read("email;name\nhelene@example.com;Hélène Dubœuf\n".encode("cp1252"))
    assert rows[0].values["name"] == "Hélène Dubœuf"


def test_it_reads_utf16_tab_separated_text_from_excel():
    _, rows = read("email\tname\nada@example.com\tAda\n".encode("utf-16"))
    assert rows[0].values["name"] == "Ada"


def test_it_keeps_quoted_newlines_and_reports_the_line_where_a_record_starts():
    data = b'email,name\r\na@example.com,"two\r\nlines"\r\n\r\nb@example.com,B\r\n'
    _, rows = read(data)
    assert [(r.line, r.values["name"]) for r in rows] == [(2, "two\r\nlines"), (5, "B")]


def test_it_ignores_empty_lines_and_fills_short_rows():
    _, rows = read(b"\n\nemail,name,country\n\n , ,\na@example.com\n")
    assert rows == [Row(line=6, values={"email": "a@example.com", "name": "", "country": ""})]


def test_it_names_the_missing_required_columns():
    error = error_of(b"mail,country\na@example.com,FR\n")
    assert error.line == 1
    assert "email" in error.message and "name" in error.message
    assert str(error).startswith("line 1:")


def test_it_refuses_a_duplicate_column():
    error = error_of(b"email,name,Email\na,b,c\n")
    assert error.line == 1 and "email" in error.message


def test_it_rejects_nul_bytes_with_their_line():
    error = error_of(b"email,name\na@example.com,A\nb@example.com,B\x00\n")
    assert error.line == 3 and "NUL" in error.message


def test_it_reports_an_oversize_field_with_its_line_instead_of_crashing():
    data = b"email,name\na@example.com,A\nb@example.com," + b"x" * (FIELD_SIZE_LIMIT + 1) + b"\n"
    error = error_of(data)
    assert error.line == 3 and str(FIELD_SIZE_LIMIT) in error.message


def test_it_accepts_a_field_just_under_the_limit():
    _, rows = read(b"email,name\na@example.com," + b"x" * (FIELD_SIZE_LIMIT - 1) + b"\n")
    assert len(rows[0].values["name"]) == FIELD_SIZE_LIMIT - 1


def test_it_reports_an_unclosed_quote():
    error = error_of(b'email,name\na@example.com,A\nb@example.com,"B\n')
    assert error.line == 3 and "quote" in error.message


def test_it_reports_a_row_longer_than_the_header():
    error = error_of(b"email,name\na@example.com,Lovelace, Ada\n")
    assert error.line == 2 and "3" in error.message and "2" in error.message


def test_it_refuses_an_empty_file():
    assert error_of(b"  \n\n").line is None


def test_it_stops_at_max_rows():
    data = b"email,name\n" + b"".join(b"p%d@example.com,P\n" % i for i in range(5))
    assert len(read(data, max_rows=5)[1]) == 5
    assert error_of(data, max_rows=4).line == 6


def test_it_rejects_bytes_that_are_neither_utf8_nor_cp1252():
    error = error_of(b"email,name\na@example.com,\x81\n")
    assert error.line == 2 and "0x81" in error.message


def test_it_reads_the_first_sheet_of_a_workbook_with_sheet_row_numbers():
    data = xlsx([["Email", "Name", "employee_id"], [], ["ada@example.com", "Ada", 12345]])
    header, rows = read_table(data, filename="hr.xlsx", required=REQUIRED)
    assert header == ["email", "name", "employee_id"]
    assert list(rows) == [
        Row(line=3, values={"email": "ada@example.com", "name": "Ada", "employee_id": "12345"})
    ]


def test_it_recognises_a_workbook_by_its_magic_whatever_its_name():
    data = xlsx([["email", "name"], ["ada@example.com", "Ada"]])
    assert read(data, filename="upload.bin")[1][0].values["name"] == "Ada"


def test_it_names_missing_columns_in_a_workbook():
    error = error_of(xlsx([["email"], ["ada@example.com"]]), "hr.xlsx")
    assert error.line == 1 and "name" in error.message


def test_it_refuses_a_truncated_workbook():
    data = xlsx([["email", "name"]] + [[f"p{i}@example.com", f"P{i}"] for i in range(200)])
    error = error_of(data[: len(data) // 2], "hr.xlsx")
    assert "damaged" in error.message


def test_it_refuses_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("people.csv", "email,name\n")
    assert "not an Excel workbook" in error_of(out.getvalue(), "people.xlsx").message


def test_it_refuses_a_zip_bomb_disguised_as_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x20" * (50 * 1024 * 1024))
    assert "size" in error_of(out.getvalue(), "people.xlsx").message


def test_it_refuses_garbage_named_xlsx():
    assert "damaged" in error_of(b"email,name\n", "people.xlsx").message


text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(text_values, text_values, text_values), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_it_reads_back_what_the_csv_module_wrote(rows, delimiter):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    writer.writerow(["email", "name", "country"])
    writer.writerows(rows)
    _, read_rows = read(out.getvalue().encode())
    expected = [
        {"email": e.strip(), "name": n.strip(), "country": c.strip()}
        for e, n, c in rows
        if any(v.strip() for v in (e, n, c))
    ]
    assert [r.values for r in read_rows] == expected
