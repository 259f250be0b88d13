"""A team's saved column mappings: another system's columns, mapped once.

A file whose header is not AchieveIt's (csvformat.suggest.needs_mapping) is mapped
in the browser (views/mapping.py); the mapping is saved for the team under the
header's signature. ``check_for_team`` is the one place every way a file comes in
(the upload page and its worker, the script API, the commands) checks a team's
file: with the team's saved mapping when one matches its header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Func, IntegerField, Q, Value
from django.db.models.functions import Length, Lower
from django.utils import timezone

from uploads import csvformat
from uploads.csvformat import suggest
from uploads.csvformat.spreadsheet import preview_table
from uploads.models import AuditEvent, ColumnMapping, Team, Upload
from uploads.selectors import plan_item_rules
from uploads.selectors import uploads as selectors_uploads
from uploads.services.audit import audit
from uploads.services.errors import ServiceError

State = Upload.State
SAVED_CODE = "mapping.saved"
MAPPED_CODE = "mapping.applied"
# Rows read to suggest a field from its values; a few of them are shown.
SAMPLE_ROWS = 50


@dataclass(frozen=True)
class FileColumns:
    """The header of a file and the rows after it, as a mapping page shows them."""

    header: list[str]
    rows: list[list[str]]
    signature: str


def file_columns(data: bytes, sheet: str | None = None) -> FileColumns | None:
    """The header and first rows of a file (CSV or workbook), or None when it has
    none that can be read."""
    try:
        table = preview_table(data, sheet=sheet, rows=SAMPLE_ROWS)
    except csvformat.Problem:
        return None
    header = [str(cell) for cell in table.header]
    if not header:
        return None
    rows = [[str(cell) for cell in row] for row in table.samples]
    return FileColumns(header, rows, suggest.header_signature(header))


def own_ids_among(team: Team, found: FileColumns) -> set[str]:
    """The team's active External IDs that, in lower case, are a cell of the rows
    of ``found`` in lower case: all ``suggest.suggest_columns`` needs of them,
    without loading a team's 100,000 IDs for the 250 cells of a mapping page.

    The database narrows by ``lower()`` (any ID with a character past ASCII is
    fetched whatever it is, since the database's lower case of one may not be
    Python's), then Python's ``str.lower`` decides, as ``suggest`` does."""
    cells = {cell.strip().lower() for row in found.rows for cell in row if cell.strip()}
    if not cells:
        return set()
    if connection.vendor == "postgresql":  # half the time of a regex on each ID
        bytes_of = Func(
            "external_id", function="OCTET_LENGTH", output_field=IntegerField()
        )
        wide = Q(octets__gt=Length("external_id"))
    else:
        bytes_of, wide = Value(0), Q(external_id__regex=r"[^\x01-\x7f]")
    found_ids = (
        team.plan_items.filter(active=True)
        .annotate(lower_id=Lower("external_id"), octets=bytes_of)
        .filter(Q(lower_id__in=cells) | wide)
        .values_list("external_id", flat=True)
    )
    return {external_id for external_id in found_ids if external_id.lower() in cells}


def saved_mapping(team: Team, header: Sequence[str]) -> ColumnMapping | None:
    """The team's saved mapping for a header, if the header needs one."""
    if not suggest.needs_mapping(header):
        return None
    return ColumnMapping.objects.filter(
        team=team, signature=suggest.header_signature(header)
    ).first()


def mapping_options(mapping: ColumnMapping, width: int) -> dict[str, Any]:
    """What csvformat.parse takes to read a file by ``mapping``."""
    fields = {int(index): field for index, field in mapping.columns.items()}
    return {
        "columns": suggest.column_map(fields, width),
        "status_words": dict(mapping.status_words) or None,
    }


def check_for_team(
    team: Team, data: bytes, *, sheet: str | None = None, **options: Any
) -> csvformat.Result:
    """Check a file for a team: ``csvformat.parse`` with the team's plan items,
    read by the team's saved mapping when one matches its header (then a first
    finding says so, and the mapping's last use is noted). ``options`` go to
    ``parse`` as they are."""
    mapping = None
    columns = file_columns(data, sheet) if _may_need_mapping(data, options) else None
    if columns is not None:
        mapping = saved_mapping(team, columns.header)
    if mapping is not None:
        options.update(mapping_options(mapping, len(columns.header)))
    if sheet is not None:
        options["sheet"] = sheet
    result = csvformat.parse(data, plan_items=plan_item_rules(team), **options)
    if mapping is not None:
        ColumnMapping.objects.filter(pk=mapping.pk).update(last_used_at=timezone.now())
        result.findings.insert(0, saved_note())
    return result


def _may_need_mapping(data: bytes, options: Mapping[str, Any]) -> bool:
    """False for a file a mapping cannot apply to (JSON, or columns given)."""
    if options.get("columns") is not None:
        return False
    content_type = options.get("content_type") or ""
    return "json" not in content_type and not csvformat.looks_like_json(data, None)


def saved_note() -> csvformat.Finding:
    """The first finding of a file read by the team's saved mapping."""
    return csvformat.Finding(
        None,
        None,
        csvformat.FIXED,
        "Read with the team's saved mapping for these columns.",
        SAVED_CODE,
    )


def mapping_save(
    *,
    team: Team,
    user: AbstractBaseUser | None,
    header: Sequence[str],
    columns: Mapping[int, str | None],
    status_words: Mapping[str, str],
) -> ColumnMapping:
    """Save (or replace) the team's mapping for ``header``.

    Raises ServiceError when the columns cannot be read (a field twice, no
    External ID or As Of Date, neither Status nor Metric Value)."""
    width = suggest.header_width(header)
    try:
        column_map = suggest.column_map(dict(columns), width)
    except ValueError as error:
        raise ServiceError(str(error)) from error
    if not column_map.readable:
        raise ServiceError(
            "Choose a column for External ID and for As Of Date, and one for Status"
            " or Metric Value."
        )
    mapping, _created = ColumnMapping.objects.update_or_create(
        team=team,
        signature=suggest.header_signature(header),
        defaults={
            "header": [cell.strip() for cell in header[:width]],
            "columns": {str(index): field for index, field in columns.items()},
            "status_words": {
                word: status for word, status in status_words.items() if status
            },
            "created_by": user,
            "last_used_at": timezone.now(),
        },
    )
    return mapping


def mapping_delete(*, team: Team, mapping_id: int) -> bool:
    """Delete one of the team's saved mappings; False when it has no such one."""
    deleted, _ = ColumnMapping.objects.filter(team=team, pk=mapping_id).delete()
    return bool(deleted)


def upload_remap(
    *,
    upload: Upload,
    user: AbstractBaseUser,
    columns: Mapping[int, str | None],
    status_words: Mapping[str, str],
) -> Upload:
    """Check a draft's stored file again read by a mapping, as a new draft (a
    revision of the old one, which is rejected), and save the mapping for the
    team under the file's header.

    Raises ServiceError when the draft is no longer a draft, its file cannot be
    read again, or the mapping cannot read it."""
    # drafts checks its files through this module.
    from uploads.services.drafts import (
        MAX_STORED_FINDINGS,
        content_type_for,
        save_draft,
    )
    from uploads.services.revisions import replace_draft

    if upload.state != State.DRAFT:
        raise ServiceError("This upload is no longer a draft.")
    data = selectors_uploads.original_bytes(upload)
    found = file_columns(data, upload.sheet or None) if data else None
    if data is None or found is None:
        raise ServiceError("The file of this draft could not be read again.")
    mapping = mapping_save(
        team=upload.team,
        user=user,
        header=found.header,
        columns=columns,
        status_words=status_words,
    )
    result = csvformat.parse(
        data,
        plan_items=plan_item_rules(upload.team),
        content_type=content_type_for(upload.original_name),
        sheet=upload.sheet or None,
        **mapping_options(mapping, len(found.header)),
    )
    findings = [mapped_note(), *result.findings[:MAX_STORED_FINDINGS]]
    with transaction.atomic():
        replace_draft(upload)
        revision = save_draft(
            team=upload.team,
            user=user,
            source=upload.source,
            original_name=upload.original_name,
            original_path=upload.original_path,
            updates=result.updates,
            findings=[asdict(finding) for finding in findings],
            sendable=result.is_valid,
            errors=result.error_count,
            revision_of=upload,
            found=len(result.findings) + 1,
            made_from=upload.pk,
            kind=result.kind,
        )
        if upload.sheet:
            Upload.objects.filter(pk=revision.pk).update(sheet=upload.sheet)
            revision.sheet = upload.sheet
        audit(
            action=AuditEvent.Action.UPLOAD_REJECTED,
            upload=upload,
            actor=user,
            replaced_by=revision.pk,
            note="columns mapped in the browser",
        )
    return revision


def mapped_note() -> csvformat.Finding:
    """The first finding of a draft read by a mapping a person just chose."""
    return csvformat.Finding(
        None,
        None,
        csvformat.FIXED,
        "Read with the columns as you mapped them (saved for the team).",
        MAPPED_CODE,
    )


# Findings of a draft whose header may be another system's.
_FOREIGN_HEADER_CODES = frozenset(
    {"header.unknown", "header.unmarked", "header.first_cell", "row.columns"}
)


def offers_mapping(upload: Upload) -> bool:
    """True for a draft whose page leads to the mapping step: it was read by a
    mapping (to change it), or its errors come from a header that is not all
    AchieveIt names (or has no External ID)."""
    if upload.state != State.DRAFT or upload.source == Upload.Source.FORM:
        return False
    codes = {finding.get("code") for finding in upload.findings}
    if codes & {SAVED_CODE, MAPPED_CODE}:
        return True
    if not codes & _FOREIGN_HEADER_CODES:
        return False
    data = selectors_uploads.original_bytes(upload)
    found = file_columns(data, upload.sheet or None) if data else None
    return found is not None and suggest.needs_mapping(found.header)
