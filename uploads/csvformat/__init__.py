"""AchieveIt progress-update CSV files: read forgivingly, check, write exactly.

Pure Python (no Django), so every way into the portal (upload, web form, command
line, API) checks a file with the same rules. The rules are AchieveIt's (see
``ACHIEVEIT_API.md``); this module turns them into findings a plan owner can act on,
and into the normalized CSV that is the only thing ever sent to AchieveIt.

Functions
---------
``parse(data, *, plan_items=None, max_bytes=10_000_000, max_rows=100_000) -> Result``
    Read the bytes of an uploaded file. Never raises for bad input: everything, from
    "this is an Excel workbook" to "Row 14, Status: ...", is a ``Finding``.
``parse_rows(rows, *, first_line=1, plan_items=None, max_rows=100_000) -> Result``
    The same checks for cells that arrive already split (the web form).
``render_csv(updates) -> bytes``
    The normalized CSV sent to AchieveIt: UTF-8 without BOM, the header
    ``External ID,Status,Current Value,As Of Date``, canonical status spelling, the
    value as ``format_value`` writes it, the date as ``YYYY-MM-DD``, LF line ends, no
    empty rows. Normalizing its output again gives the same bytes.
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
``Update(external_id, status, value, as_of_date, line)``: one valid, normalized row,
an immutable NamedTuple (fast to make by the 100,000); ``line`` is where it was
written and takes no part in equality or hashing.
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
``Result(updates, findings, encoding, delimiter, error_total)``: ``updates`` holds only
the rows without errors, so "send the valid rows only" is
``render_csv(result.updates)``; ``errors``, ``warnings`` and ``fixes`` filter the
findings, and ``is_valid`` is true when there is no error. ``encoding`` is how the bytes
were read ("utf-8", "utf-8-sig", "utf-16", "utf-32", "windows-1252"; None from
``parse_rows``).
``MESSAGES`` holds the wording of every finding, by severity and code.

Only the first ``NOTES_PER_KIND`` fixes and warnings of each kind are listed, and
the first ``ERRORS_PER_KIND`` errors, then one summary finding of the rest, so a file
with thousands of percentages stays readable and a file wrong on every row costs no
more to check than a clean one; ``Result.error_count`` counts every error.
``Problem`` (a ``ValueError``) is raised by the ``render_*`` functions and
``format_value`` for data that cannot be written.

Modules
-------
``messages`` the wording of every finding (``MESSAGES``) and the format's words;
``cells`` the checks of one cell (External ID, Status, Current Value, As Of Date);
``reading`` bytes to rows (file kind, encoding, delimiter) and ``parse``;
``checker`` the row checker that builds the ``Result``, and ``parse_rows``;
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
    "Update",
    "columns_from_header",
    "format_value",
    "id_problem",
    "is_writable_id",
    "looks_like_header",
    "looks_like_json",
    "parse",
    "parse_rows",
    "positional",
    "render_csv",
    "render_template",
    "safe_cell",
    "safe_normalized_csv",
]
