"""A finding's place (row, column, the row's External ID) is data beside its
text: the sentence a person reads is composed from them, so naming a row by
another number changes the number and nothing else."""

from __future__ import annotations

from dataclasses import asdict, replace

from uploads import csvformat

HEADER = b"External ID,Status,Current Value,As Of Date\n"


def _first_finding(rows: bytes) -> csvformat.Finding:
    return csvformat.parse(HEADER + rows).findings[0]


def test_a_cell_finding_says_its_row_and_column_before_its_detail():
    finding = _first_finding(b"A-1,Acheived,1,2026-10-31\n")

    assert (finding.line, finding.column) == (2, "Status")
    assert finding.detail.startswith("'Acheived' is not an AchieveIt status.")
    assert finding.message == f"Row 2, Status: {finding.detail}"


def test_renumbering_a_finding_changes_only_its_number():
    finding = _first_finding(b"A-1,Acheived,1,2026-10-31\n")

    moved = replace(finding, line=14)

    assert moved.message == finding.message.replace("Row 2,", "Row 14,", 1)
    assert moved.detail == finding.detail
    assert moved == replace(finding, line=14)


def test_a_form_row_is_named_by_its_external_id_beside_the_number():
    finding = _first_finding(b"A-1,Acheived,1,2026-10-31\n")

    named = replace(finding, line=3, external_id="A-1")

    assert named.message == f"Row 3 (A-1), Status: {finding.detail}"


def test_a_row_finding_has_no_column_and_a_file_finding_no_place():
    row = _first_finding(b"A-1,On Track\n")
    assert row.column is None
    assert row.message == f"Row 2: {row.detail}"

    file = csvformat.parse(b"").findings[0]
    assert file.line is None
    assert file.message == file.detail


def test_the_stored_form_holds_the_sentence_and_its_parts():
    finding = _first_finding(b"A-1,Acheived,1,2026-10-31\n")

    stored = asdict(finding)

    assert stored["message"] == finding.message
    assert stored["detail"] == finding.detail
    assert (stored["line"], stored["column"], stored["external_id"]) == (
        2,
        "Status",
        "",
    )
