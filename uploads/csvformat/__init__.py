"""AchieveIt progress-update CSV files: read forgivingly, check, write exactly.

Pure Python (no Django), so every way into the portal (upload, web form, command
line, API) checks a file with the same rules. The rules are AchieveIt's (see
``ACHIEVEIT_API.md``); this module turns them into findings a plan owner can act on,
and into the normalized CSV that is the only thing ever sent to AchieveIt.

Functions
---------
``parse(data, *, plan_items=None, max_bytes=10_000_000, max_rows=100_000,
content_type=None, columns=None) -> Result``
    Read the bytes of an uploaded file, a CSV file or AchieveIt's JSON array (when
    ``content_type`` is ``application/json``, or the bytes start like JSON: see
    ``looks_like_json``). Never raises for bad input: everything, from "this is an
    Excel workbook" to "Row 14, Status: ...", is a ``Finding``. ``columns`` (a
    ``ColumnMap``) says which cell holds which field instead of the header row.
``parse_rows(rows, *, first_line=1, plan_items=None, max_rows=100_000, kind=None,
columns=None) -> Result``
    The same checks for cells that arrive already split (the web form): four cells,
    or five with a Comment; with ``kind=METRIC`` External ID, Current Metric Value,
    As Of Date and an optional Comment.
``render_csv(updates, *, kind=PROGRESS) -> bytes``
    The normalized CSV sent to AchieveIt: UTF-8 without BOM, the header
    ``External ID,Status,Current Value,As Of Date`` (``kind=METRIC``: ``External
    ID,Current Metric Value,As Of Date``), then ``,Comment`` only when an update has
    a comment (quoted by the CSV rules when it needs to be), canonical status
    spelling, the value as ``format_value`` writes it, the date as ``YYYY-MM-DD``,
    LF line ends, no empty rows. Without comments the bytes are what they always
    were. Normalizing its output again gives the same bytes.
``columns_from_header(cells) -> (ColumnMap, problems)`` and ``positional(kind)``
    Which cell holds which field: from a header row by name (any order; case and
    spacing ignored; ``Metric Value`` = ``Current Metric Value`` = ``Current
    Value``), or by position. A mapping step for another system's file makes its
    own ``ColumnMap`` and passes it to ``parse(..., columns=...)``.
Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``, told by their bytes) go
through ``parse`` too, with ``sheet=NAME`` to say which sheet (``spreadsheet``'s
docstring has the rules: cells, sheets, hostile files; ``columns`` works for them
as for a CSV file). ``preview_table(data, sheet=None, rows=5) -> Table(sheet_names,
sheet, header, samples)`` is the start of any file as text cells, for a page that
maps columns; ``sheet_names(data)`` the sheets a person may choose from.
``render_workbook_template(items) -> bytes`` the ``.xlsx`` template
(``workbook_template``).
``render_template(external_ids) -> bytes``
    A team's CSV template: the header plus one row per External ID, written as it
    is (so it comes back unchanged when the filled template is uploaded).
``id_problem(external_id) -> Note | None`` and ``is_writable_id(external_id)``
    The rules of an External ID: AchieveIt's (no comma, no quotation mark, not the
    word 'external') and the portal's (printable, and not starting with a
    spreadsheet formula trigger, = + - @, which could neither go into a template
    safely nor come back from a spreadsheet unchanged). Every way an ID comes in
    (an upload, the form, the API, an import of the mapping) is checked by them.
``safe_cell(value)`` and ``safe_normalized_csv(text)``
    Cells of a CSV served to people, made formula-safe (a leading apostrophe).
``format_value(value) -> str``
    A ``Decimal`` as plain decimal text: digits as written (``0.20`` stays ``0.20``),
    no exponent (``Decimal("1E+3")`` is ``1000``), no sign on zero, '' for None.

Data
----
``Update(external_id, status, value, as_of_date, line, comment="")``: one valid,
normalized row, an immutable NamedTuple (fast to make by the 100,000); ``line`` is
where it was written and takes no part in equality or hashing, ``comment`` does
("" for none). A metric update has ``status`` "".
``Finding(line, column, severity, detail, code, suggestion, value, external_id)``:
``severity`` is ``"error"`` (the file cannot be sent as it is), ``"warning"``
(something was left out, or may not be what was meant) or ``"fixed"`` (corrected,
e.g. ``45%`` to ``0.45``). ``line`` is the row number a spreadsheet shows (the
header is row 1), ``column`` an AchieveIt column name, ``code`` a key of
``MESSAGES``, ``detail`` the text of the finding, ``external_id`` the row's ID when
the row is named by it (a form's rows). ``message`` is composed from them, the
whole sentence: ``"Row 14, Status: ..."`` for a cell, ``"Row 4: ..."`` for a row,
``"Row 4 (HR-1), Status: ..."`` for a form's cell, no prefix for the file; so
re-numbering a finding (``dataclasses.replace(finding, line=...)``) never edits its
text. ``asdict(finding)`` is the stored form (``Upload.findings``), ``message``
included.
``PlanItemRule(own, active, has_metric)``: what the team's mapping says about an
External ID; ``own=False`` means another team's, which is reported exactly as an
unknown ID is (same code, same message, never suggested), so an upload cannot tell
which IDs other teams have.
A finding about a JSON file's record has ``place`` "Record" ("Record 3, Status:
..."), counted from 1; every other ``place`` is "Row".
``Result(updates, findings, encoding, delimiter, error_total, kind, source_format)``:
``kind`` is ``PROGRESS`` or ``METRIC`` (a header without a Status column, or JSON
records without a ``status`` key), ``source_format`` "csv" or "json"; ``updates``
holds only the rows without errors, so "send the valid rows only" is
``render_csv(result.updates, kind=result.kind)``; ``errors``, ``warnings`` and
``fixes`` filter the findings, and ``is_valid`` is true when there is no error.
``encoding`` is how the bytes were read ("utf-8", "utf-8-sig", "utf-16",
"utf-32", "windows-1252"; None from ``parse_rows``).
``MESSAGES`` holds the wording of every finding, by severity and code.

Only the first ``NOTES_PER_KIND`` fixes and warnings of each kind are listed, and
the first ``ERRORS_PER_KIND`` errors, then one summary finding of the rest, so a file
with thousands of percentages stays readable and a file wrong on every row costs no
more to check than a clean one; ``Result.error_count`` counts every error.
``Problem`` (a ``ValueError``) is raised by the ``render_*`` functions and
``format_value`` for data that cannot be written.

Comments
--------
An optional Comment column (fifth without a header, by name with one). The rules:
at most ``COMMENT_MAX`` (2,000) characters, an error past it (AchieveIt documents no
limit; that is some 300 words, more than a status narrative needs, and a longer
cell is most likely a pasting accident); spaces and line breaks around it are
dropped, a blank comment is no comment; line breaks inside are kept, each written
as LF (CR LF and a lone CR become LF); a control character other than a tab or a
line break is an error (``comment.control``). A comment starting with = + - or @ is
sent as written (AchieveIt shows text), and every CSV the portal serves to people
makes it safe (``safe_cell`` / ``safe_normalized_csv``).

JSON
----
``jsonfile`` reads AchieveIt's array (``externalId``, ``status``, ``metricValue``,
``asOfDate``, ``comment``) into the same checks; its docstring lists the JSON rules
(``metricValue`` as text holding a number is read, with a fix saying so; an unknown
key is an error with "Did you mean"; the record is then not sent).

Modules
-------
``messages`` the wording of every finding (``MESSAGES``) and the format's words;
``cells`` the checks of one cell (External ID, Status, Current Value, As Of Date,
Comment);
``reading`` bytes to rows (file kind, encoding, delimiter) and ``parse``;
``columns`` which cell holds which field (``ColumnMap``, the header's names);
``jsonfile`` AchieveIt's JSON array, read into the checker;
``checker`` the row checker that builds the ``Result``, and ``parse_rows``;
``layout`` its header row and rows of another width (``RowLayout``, ``SKIP``);
``memo`` the cell checks made once per text (``Memo``, ``Explained``) and the
paused garbage collector; ``spreadsheet`` workbooks read into the checker, and
``workbook_guards`` the hostile-file checks made before one is read;
``records`` the data above; ``writing`` ``render_csv`` and ``render_template`` (what
goes to AchieveIt, and the template); ``exports`` every CSV served to people
(``served_lines``, the one formula-safe writer, and ``render_problems``) and
``render_rows``, the copy kept of rows as written (``reading.read_rows`` reads a
stored file back); ``mapping`` a team's plan-item mapping file (``read_mapping``,
imported on its own: it reads Has Metric with ``uploads.wording.common``).
"""

from __future__ import annotations

from uploads.csvformat.cells import COMMENT_MAX, format_value, id_problem
from uploads.csvformat.checker import (
    ERRORS_PER_KIND,
    MAX_ROWS,
    NOTES_PER_KIND,
    parse_rows,
)
from uploads.csvformat.columns import (
    ColumnMap,
    columns_from_header,
    looks_like_header,
    positional,
)
from uploads.csvformat.jsonfile import looks_like_json
from uploads.csvformat.messages import (
    COLUMN_COMMENT,
    COLUMNS,
    ERROR,
    FIXED,
    HEADER,
    MESSAGES,
    METRIC,
    METRIC_HEADER,
    PROGRESS,
    STATUSES,
    WARNING,
    Problem,
    Severity,
)
from uploads.csvformat.reading import MAX_BYTES, parse
from uploads.csvformat.records import Finding, PlanItemRule, Result, Update
from uploads.csvformat.spreadsheet import (
    IGNORED_COLUMNS,
    Table,
    content_type_for_name,
    preview_table,
    sheet_names,
)
from uploads.csvformat.workbook_template import (
    TemplateItem,
    render_workbook_template,
)
from uploads.csvformat.writing import (
    is_writable_id,
    render_csv,
    render_template,
    safe_cell,
    safe_normalized_csv,
)

__all__ = [
    "COLUMNS",
    "COLUMN_COMMENT",
    "COMMENT_MAX",
    "ERROR",
    "ERRORS_PER_KIND",
    "FIXED",
    "HEADER",
    "IGNORED_COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "MESSAGES",
    "METRIC",
    "METRIC_HEADER",
    "NOTES_PER_KIND",
    "PROGRESS",
    "STATUSES",
    "WARNING",
    "ColumnMap",
    "Finding",
    "PlanItemRule",
    "Problem",
    "Result",
    "Severity",
    "Table",
    "TemplateItem",
    "Update",
    "columns_from_header",
    "content_type_for_name",
    "format_value",
    "id_problem",
    "is_writable_id",
    "looks_like_header",
    "looks_like_json",
    "parse",
    "parse_rows",
    "positional",
    "preview_table",
    "render_csv",
    "render_template",
    "render_workbook_template",
    "safe_cell",
    "safe_normalized_csv",
    "sheet_names",
]
