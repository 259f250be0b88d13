"""The CSV files the portal writes for people, and for itself.

What goes to AchieveIt and a team's template are ``writing``'s. Here: every CSV a
person downloads (the list of an upload's problems, the history export), written
by the one formula-safe writer ``served_lines``, and ``render_rows``, the copy kept
of rows a person entered or corrected, which ``reading.read_rows`` reads back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from uploads.csvformat.writing import safe_cell

PROBLEMS_HEADER = (
    "Row",
    "Column",
    "Value as written",
    "Severity",
    "Problem",
    "Suggestion",
)


class _Line:
    """A file-like object csv.writer writes one line into, for streaming."""

    def write(self, text: str) -> str:
        return text


def served_lines(
    header: Sequence[str], rows: Iterable[Iterable[object]]
) -> Iterator[str]:
    """A CSV served to people, line by line (so a long export streams): a
    byte-order mark, so that Excel reads it as UTF-8, the header, then each row
    with every cell formula-safe (``safe_cell``: a spreadsheet shows it as text,
    never runs it). Lines end in CRLF, as csv.writer writes them."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def render_problems(findings: Iterable[Mapping[str, Any]]) -> str:
    """An upload's findings, as stored (``asdict(finding)``), as the CSV of its
    problems: row, column, value as written, severity, message, suggestion."""
    return "".join(served_lines(PROBLEMS_HEADER, map(_problem_row, findings)))


def _problem_row(finding: Mapping[str, Any]) -> list[str]:
    return [
        str(finding.get("line") or ""),
        finding.get("column") or "",
        finding.get("value") or "",
        finding.get("severity", ""),
        finding.get("message", ""),
        finding.get("suggestion") or "",
    ]


def render_rows(
    rows: Iterable[Sequence[str]], *, header: Sequence[str] | None = None
) -> bytes:
    """Rows of cells as a CSV file, after ``header`` when given, each cell as
    written (quoted only where CSV needs it), UTF-8, LF line ends: the file kept of
    what a person entered in the form or corrected in the browser."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")
