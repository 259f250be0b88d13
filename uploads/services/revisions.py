"""Revisions: a new draft made from a draft, which is rejected (both keep their
files): with the cells a person corrected in the browser, checked again, or
without its rows with errors.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from uploads import csvformat
from uploads.csvformat.exports import render_rows
from uploads.models import AuditEvent, Upload
from uploads.selectors import plan_item_rules
from uploads.selectors import uploads as selectors_uploads
from uploads.services import drafts
from uploads.services.audit import audit
from uploads.services.drafts import entered_csv, renumbered, save_draft, store_original
from uploads.services.errors import ServiceError

Action = AuditEvent.Action
State = Upload.State


def upload_choose_sheet(
    *, upload: Upload, user: AbstractBaseUser, sheet: str
) -> Upload:
    """Check a draft's workbook again reading the sheet a person chose.

    The new upload keeps the same stored file, records the sheet (`Upload.sheet`,
    so every later check reads it too) and is a revision of the old draft, which
    is rejected. A big file is checked by a worker, as on the upload page. Raises
    ServiceError when the draft is no longer a draft or `sheet` is none of its
    workbook's visible sheets.
    """
    data = selectors_uploads.original_bytes(upload)
    if data is None or sheet not in csvformat.sheet_names(data):
        raise ServiceError(
            "That sheet is not in this workbook. Choose one of the sheets listed."
        )
    with transaction.atomic():
        replace_draft(upload)
        chosen = Upload.objects.create(
            team=upload.team,
            created_by=user,
            source=upload.source,
            original_name=upload.original_name,
            original_path=upload.original_path,
            sheet=sheet,
            revision_of=upload,
            api_token=upload.api_token,
            state=State.CHECKING,
        )
        audit(
            action=Action.UPLOAD_REJECTED,
            upload=upload,
            actor=user,
            replaced_by=chosen.number,
            note=f"sheet {sheet!r} chosen",
        )
    if len(data) > settings.CHECK_IN_WORKER_BYTES:
        drafts.check_later(chosen)
        return chosen
    return drafts.upload_check(upload=chosen, data=data)


def replace_draft(upload: Upload) -> None:
    """Close a draft that a revision replaces (inside the revision's transaction);
    raises ServiceError when it is no longer a draft, so nothing is made twice."""
    if not upload.transition(
        expected=State.DRAFT, state=State.REJECTED, finished_at=timezone.now()
    ):
        raise ServiceError("This upload is no longer a draft.")


def upload_exclude_invalid(*, upload: Upload, user: AbstractBaseUser) -> Upload:
    """Make a new, clean draft from a draft's valid rows; the old one is rejected.

    The new draft keeps the original file, so nothing the person sent is lost, is
    a revision of the old one, and names the rows it left out in its note.
    Raises ServiceError when the draft is no longer a draft or has no valid row.
    """
    rows = list(upload.rows.all())
    if not rows:
        raise ServiceError("No row of this file is valid: there is nothing to send.")
    updates = [
        csvformat.Update(
            external_id=row.external_id,
            status=row.status,
            value=Decimal(row.value) if row.value else None,
            as_of_date=row.as_of_date,
            line=row.line,
            comment=row.comment,
        )
        for row in rows
    ]
    left_out = _rows_left_out(upload)
    note = {
        "line": None,
        "column": None,
        "severity": "warning",
        "message": (
            f"Made from upload #{upload.number} without its rows with errors, which "
            f"are not sent: {_describe_rows(left_out)}."
        ),
        "code": "upload.invalid_rows_excluded",
        "left_out": [{"line": line, "external_id": ext} for line, ext in left_out],
    }
    with transaction.atomic():
        replace_draft(upload)
        clean = save_draft(
            team=upload.team,
            user=user,
            source=upload.source,
            original_name=upload.original_name,
            original_path=upload.original_path,
            updates=updates,
            findings=[note],
            sendable=True,
            errors=0,
            revision_of=upload,
            made_from=upload.pk,
            left_out=[line for line, _ in left_out],
            kind=upload.kind,
        )
        audit(
            action=Action.UPLOAD_REJECTED,
            upload=upload,
            actor=user,
            replaced_by=clean.number,
        )
    return clean


def _rows_left_out(upload: Upload) -> list[tuple[int, str]]:
    """The rows with errors of a draft, with the External ID each was written with."""
    lines = sorted(
        {
            finding["line"]
            for finding in upload.findings
            if finding["severity"] == csvformat.ERROR and finding["line"]
        }
    )
    written = selectors_uploads.rows_by_line(upload) or {}
    return [
        (line, written[line][0].strip() if written.get(line) else "") for line in lines
    ]


def _describe_rows(rows: list[tuple[int, str]], limit: int = 20) -> str:
    """'row 5 (HR-RETENTION), row 6 (IT-MIGRATION)', the first `limit` of them."""
    shown = [
        f"row {line} ({external_id})" if external_id else f"row {line}"
        for line, external_id in rows[:limit]
    ]
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return ", ".join(shown) + more if shown else "none"


def upload_revise(
    *,
    upload: Upload,
    user: AbstractBaseUser,
    corrections: dict[int, dict[str, str]],
) -> Upload:
    """Make a new draft from a draft with its cells corrected, checked again.

    `corrections` maps a row number (as the findings name it) to the new text of
    some of its cells, by column name. The rows are rebuilt from the file as
    written, corrected, kept as a new file and checked with the team's rules; the
    new draft is a revision of the old one, which is rejected (both keep their
    files). Raises ServiceError when the draft is no longer a draft, its rows
    cannot be read again, or a correction names a row or column it does not have.
    """
    if upload.state != State.DRAFT:
        raise ServiceError("This upload is no longer a draft.")
    rows = selectors_uploads.rows_by_line(upload)
    if rows is None:
        raise ServiceError(
            "The rows of this draft could not be read again. Correct the file and "
            "upload it again."
        )
    columns = selectors_uploads.grid_columns(upload.kind)
    for line, cells in corrections.items():
        if line not in rows:
            raise ServiceError(f"Row {line} is not a row of this draft.")
        unknown = set(cells) - set(columns)
        if unknown:
            raise ServiceError(f"Row {line}: unknown column {sorted(unknown)[0]!r}.")
        # The comment is the last column: a row keeps it, or gains it when one
        # was typed, and is otherwise left as wide as it was written.
        width = len(columns) if columns[-1] in cells else len(columns) - 1
        width = max(width, min(len(rows[line]), len(columns)))
        corrected = (list(rows[line]) + [""] * len(columns))[:width]
        for column, text in cells.items():
            corrected[columns.index(column)] = text
        rows[line] = corrected
    header = rows.get(1)
    if (
        upload.source != Upload.Source.FORM
        and header
        and header[0].strip().lstrip("\ufeff").lower() == "external id"
        and len(header) == len(columns) - 1
        and any(len(rows[line]) == len(columns) for line in corrections)
    ):
        # A comment typed into a file whose header has no Comment column: the
        # header gains one, so the row is not one cell too long.
        rows[1] = [*header, csvformat.COLUMN_COMMENT]
    lines = sorted(rows)
    ordered = [rows[line] for line in lines]
    is_form = upload.source == Upload.Source.FORM
    # A file keeps every row, header and all, so each keeps its number; a form's
    # rows are kept under a header and named by the numbers the form showed.
    data = entered_csv(ordered) if is_form else render_rows(ordered)
    result = csvformat.parse_rows(
        ordered,
        plan_items=plan_item_rules(upload.team),
        max_rows=settings.UPLOAD_MAX_ROWS,
    )
    updates, findings = result.updates, result.findings
    if is_form or lines != list(range(1, len(lines) + 1)):
        by_index = dict(enumerate(lines, 1))
        updates = [update._replace(line=by_index[update.line]) for update in updates]
        external_ids = (
            {line: cells[0].strip() for line, cells in rows.items() if cells}
            if is_form
            else {}
        )
        findings = renumbered(findings, by_index, external_ids)
    fixed = sum(len(cells) for cells in corrections.values())
    with transaction.atomic():
        replace_draft(upload)
        revision = save_draft(
            team=upload.team,
            user=user,
            source=upload.source,
            original_name=upload.original_name,
            original_path=store_original(team=upload.team, data=data),
            updates=updates,
            findings=[
                asdict(finding) for finding in findings[: drafts.MAX_STORED_FINDINGS]
            ],
            sendable=result.is_valid,
            errors=result.error_count,
            revision_of=upload,
            found=len(findings),
            made_from=upload.pk,
            corrected_cells=fixed,
            kind=result.kind,
        )
        audit(
            action=Action.UPLOAD_REJECTED,
            upload=upload,
            actor=user,
            replaced_by=revision.number,
            note=f"corrected {fixed} cell{'s' if fixed != 1 else ''} in the browser",
        )
    return revision
