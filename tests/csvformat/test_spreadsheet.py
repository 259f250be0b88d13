"""Workbooks read into the checks (issue 17): cells, sheets, hostile files, the
Excel template."""

from __future__ import annotations

import datetime
import io
import time
import tracemalloc
import zipfile

import openpyxl

from uploads import csvformat
from uploads.csvformat import spreadsheet, workbook_guards

from .workbooks import HEADER, ods, repacked, xlsx, zipped

DAY = datetime.datetime(2026, 10, 31)


def test_dates_in_any_display_format_and_percent_cells_keep_their_meaning():
    rows = [
        HEADER,
        ["A-1", "On Track", 0.25, DAY],
        ["A-2", "At Risk", 0.1, DAY],
        ["A-3", "Achieved", 1200, DAY],
    ]
    formats = {
        ("Q4 KPIs", 1, 2): {"num_format": "0%"},
        ("Q4 KPIs", 1, 3): {"num_format": "dd/mm/yyyy"},
        ("Q4 KPIs", 2, 3): {"num_format": "mmm d, yyyy"},
        ("Q4 KPIs", 3, 3): {"num_format": "yyyy-mm-dd"},
    }
    result = csvformat.parse(xlsx({"Q4 KPIs": rows}, formats=formats))

    assert result.findings == []
    assert [
        (u.external_id, csvformat.format_value(u.value), u.as_of_date)
        for u in result.updates
    ] == [
        ("A-1", "0.25", DAY.date()),
        ("A-2", "0.1", DAY.date()),
        ("A-3", "1200", DAY.date()),
    ]


def test_an_error_cell_is_a_finding_naming_sheet_row_and_column_letter():
    rows = [
        ["External ID", "RAG", "Metric Value", "As Of Date"][:0] + HEADER,
        ["A-1", "On Track", 1, DAY],
        ["A-2", "On Track", ("=1/0", "#DIV/0!"), DAY],
    ]
    result = csvformat.parse(xlsx({"Q4 KPIs": rows}))

    (error,) = result.errors
    assert error.code == "cell.error"
    assert error.message.startswith(
        "Sheet 'Q4 KPIs', row 3, column C (Metric Value): the cell shows the"
        " spreadsheet error #DIV/0!"
    )
    assert [u.external_id for u in result.updates] == ["A-1"]


def test_the_only_sheet_with_an_external_id_header_is_picked_and_hidden_ignored():
    data = xlsx(
        {
            "Notes": [["Read me first"]],
            "Updates": [HEADER, ["A-1", "On Track", 1, DAY]],
            "Old": [HEADER, ["B-1", "On Track", 1, DAY]],
        },
        hidden=["Old"],
    )
    result = csvformat.parse(data)

    assert result.sheet == "Updates"
    assert [u.external_id for u in result.updates] == ["A-1"]


def test_two_sheets_that_could_hold_updates_ask_to_choose_and_sheet_picks():
    data = xlsx(
        {
            "North": [HEADER, ["A-1", "On Track", 1, DAY]],
            "South": [HEADER, ["B-1", "On Track", 1, DAY]],
        }
    )
    (choose,) = csvformat.parse(data).findings
    assert choose.code == "sheet.choose"
    assert "'North', 'South'" in choose.message

    result = csvformat.parse(data, sheet="South")
    assert [u.external_id for u in result.updates] == ["B-1"]
    assert csvformat.sheet_names(data) == ["North", "South"]


def test_trailing_empty_rows_and_formatted_columns_are_ignored():
    rows = [HEADER, ["A-1", "On Track", 1, DAY], [], [], ["", "", "", "", "", ""]]
    result = csvformat.parse(xlsx({"S": rows}))

    assert result.findings == []
    assert len(result.updates) == 1


def test_an_ods_file_is_read():
    rows = [HEADER, ["A-1", "On Track", 0.45, datetime.date(2026, 10, 31)]]
    result = csvformat.parse(ods(rows))

    assert result.findings == []
    assert result.source_format == "ods"
    assert csvformat.format_value(result.updates[0].value) == "0.45"


def test_a_zip_bomb_is_refused_fast_in_little_memory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"<row>" + b" " * (1 << 20)
            for _ in range(300):  # 300 MB unpacked, a few hundred KB packed
                sheet.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2_000_000

    tracemalloc.start()
    started = time.perf_counter()
    result = csvformat.parse(data)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert [f.code for f in result.findings] == ["file.workbook_bomb"]
    assert elapsed < 1.0
    assert peak < 20_000_000


def test_a_million_row_sheet_is_refused_before_it_is_read():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
        for n in range(1, 1_000_001)
    )
    sheet = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    workbook = (
        b'<workbook xmlns:r="r"><sheets><sheet name="Big" sheetId="1"'
        b' r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        b'<Relationships><Relationship Id="rId1" Type="worksheet"'
        b' Target="worksheets/sheet1.xml"/></Relationships>'
    )
    data = zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/worksheets/sheet1.xml": sheet,
        }
    )
    started = time.perf_counter()
    result = csvformat.parse(data)

    assert [f.code for f in result.findings] in (
        ["file.too_many_rows"],
        ["file.workbook_corrupt"],  # calamine may also refuse the bare XML
    )
    assert time.perf_counter() - started < 3.0


def test_corrupt_encrypted_and_fake_workbooks_each_get_one_message():
    corrupt = xlsx({"S": [HEADER]})[:400]
    encrypted = (
        spreadsheet.OLE_MAGIC + bytes(500) + "EncryptionInfo".encode("utf-16-le")
    )
    cases = {
        "file.workbook_corrupt": (corrupt, None),
        "file.workbook_password": (encrypted, None),
        "file.workbook_fake": (bytes(range(256)), "application/vnd.ms-excel"),
    }
    for code, (data, content_type) in cases.items():
        result = csvformat.parse(data, content_type=content_type)
        assert [f.code for f in result.findings] == [code]
        assert result.updates == []


def test_the_guards_read_a_sheet_as_the_zip_holds_it_however_it_is_packed():
    rows = [HEADER] + [[f"A-{n}", "On Track", n, DAY] for n in range(3_000)]
    data = xlsx({"Updates": rows})
    sheet = "xl/worksheets/sheet1.xml"
    # (calamine reads no bzip2 part: that one is only unpacked here.)
    for packed, readable in (
        (data, True),
        (repacked(data, zipfile.ZIP_STORED), True),
        (repacked(data, zipfile.ZIP_DEFLATED, 1), True),
        (repacked(data, zipfile.ZIP_BZIP2), False),
    ):
        book_zip = zipfile.ZipFile(io.BytesIO(packed))
        pieces = list(workbook_guards._unpacked(book_zip, sheet))

        assert b"".join(pieces) == book_zip.read(sheet)
        assert max(map(len, pieces)) <= workbook_guards.CHUNK
        if readable:
            assert len(csvformat.parse(packed).updates) == 3_000


def test_a_sheet_whose_packed_bytes_are_damaged_is_refused_with_a_message():
    data = bytearray(xlsx({"Updates": [HEADER, ["A-1", "On Track", 1, DAY]]}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    begin = info.header_offset + 30 + len(info.filename) + len(info.extra)
    # The deflated stream is cut short: its last bytes say it goes on.
    data[begin + info.compress_size - 8 : begin + info.compress_size] = b"\x00" * 8

    result = csvformat.parse(bytes(data))

    assert [f.code for f in result.findings] == ["file.workbook_corrupt"]
    assert result.updates == []


def test_a_csv_named_xlsx_is_read_as_the_csv_it_is():
    data = b"External ID,Status,Current Value,As Of Date\nA-1,On Track,1,2026-10-31\n"
    content_type = spreadsheet.content_type_for_name("updates.xlsx")
    result = csvformat.parse(data, content_type=content_type)
    assert result.findings == []


def template_items() -> list[csvformat.TemplateItem]:
    return [
        csvformat.TemplateItem("=HR-1", "Retention", "On Track", "0.9"),
        csvformat.TemplateItem("SALES-1", "Revenue"),
        csvformat.TemplateItem("SALES-2", "Margin"),
    ]


def test_the_template_has_a_status_drop_down_and_ids_as_strings():
    book = openpyxl.load_workbook(
        io.BytesIO(csvformat.render_workbook_template(template_items()))
    )
    sheet = book["Updates"]

    assert [cell.value for cell in sheet[1]] == [
        "External ID",
        "Name",
        "Status",
        "Metric Value",
        "As Of Date",
        "Comment",
        "Last status sent",
        "Last value sent",
    ]
    assert sheet["A2"].data_type == "s"  # a string, never the formula =HR-1
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    (status_list,) = lists
    assert status_list.formula1 == '"' + ",".join(csvformat.STATUSES) + '"'
    assert "C2" in status_list.sqref


def test_the_template_filled_in_comes_back_clean_with_blank_rows_counted():
    data = csvformat.render_workbook_template(template_items()[1:])
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Updates"]
    sheet["C2"] = "On Track"
    sheet["D2"] = 0.45
    sheet["E2"] = DAY
    filled = io.BytesIO()
    book.save(filled)

    result = csvformat.parse(filled.getvalue())

    assert [u.external_id for u in result.updates] == ["SALES-1"]
    (skipped,) = result.findings
    assert skipped.code == "row.left_blank"
    assert skipped.message.startswith("1 row with an External ID and nothing else")


def test_preview_table_gives_the_header_and_sample_rows():
    data = xlsx(
        {"S": [HEADER, ["A-1", "On Track", 0.5, DAY], ["A-2", "At Risk", 2, DAY]]}
    )
    table = csvformat.preview_table(data, rows=1)

    assert table.header == HEADER
    assert table.samples == [["A-1", "On Track", "0.5", "2026-10-31"]]
