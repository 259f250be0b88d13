"""The forms of a file: the upload, the sheet of a workbook, the cells fixed in
the browser, a plan-item mapping file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from uploads import csvformat
from uploads.csvformat import HEADER

# What the upload page's file input offers: CSV, JSON and workbooks, by name and
# by type (a workbook is told by its bytes whatever it is called).
UPLOAD_ACCEPT = ",".join(
    (
        ".csv",
        ".json",
        ".xlsx",
        ".xlsm",
        ".xls",
        ".ods",
        "text/csv",
        "text/plain",
        "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
    )
)


class UploadFileForm(forms.Form):
    file = forms.FileField(
        label="CSV, Excel, Calc or JSON file",
        help_text=(
            "A CSV file or a workbook (.xlsx, .xlsm, .xls or .ods) with the columns "
            "External ID, Status, Current Value, As Of Date and optionally Comment "
            "(a header row is optional; with one, any order), or without Status for "
            "metric updates; or AchieveIt's JSON array (externalId, status, "
            "metricValue, asOfDate, comment)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
        error_messages={
            "empty": "The file is empty. Choose the CSV file with your updates.",
            "required": "Choose the CSV file with your updates.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("check", "Check the file"))

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                f"The file is {uploaded.size / 1_000_000:.1f} MB; the most one upload "
                f"may be is {limit / 1_000_000:g} MB. Split it into smaller files."
            )
        return uploaded


class SheetChoiceForm(forms.Form):
    """Which sheet of a workbook holds the updates (the file had several)."""

    sheet = forms.ChoiceField(
        label="Sheet to read",
        error_messages={
            "required": "Choose the sheet that holds the updates.",
            "invalid_choice": "Choose one of the workbook's sheets.",
        },
    )

    def __init__(self, *args: Any, sheets: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]
        self.helper = FormHelper()
        self.helper.add_input(Submit("choose", "Check this sheet"))


class FixRowsForm(forms.Form):
    """The cells of a draft's rows with errors, each editable, prefilled as written.

    `bad_rows` are `selectors_uploads.BadRow`s, `columns` the grid's columns
    (`selectors_uploads.grid_columns`: the comment last); a field per cell is named
    `cell_<row>_<column index>`. Only cells the person changed become corrections.
    """

    def __init__(
        self,
        *args: Any,
        bad_rows: list[Any],
        columns: Sequence[str] = (*HEADER, csvformat.COLUMN_COMMENT),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.bad_rows = bad_rows
        self.columns = tuple(columns)
        for bad_row in bad_rows:
            for index, column in enumerate(self.columns):
                bad_cell = bad_row.bad.get(index)
                attrs = {"class": "form-control form-control-sm"}
                if bad_cell is not None:
                    attrs["class"] += " is-invalid"
                    attrs["aria-describedby"] = f"problem-{bad_row.line}-{index}"
                self.fields[self.field_name(bad_row.line, index)] = forms.CharField(
                    label=f"Row {bad_row.line}, {column}",
                    required=False,
                    strip=False,
                    max_length=(
                        csvformat.COMMENT_MAX
                        if column == csvformat.COLUMN_COMMENT
                        else 1000
                    ),
                    initial=_cell(bad_row.cells, index),
                    widget=forms.TextInput(attrs=attrs),
                )

    @staticmethod
    def field_name(line: int, index: int) -> str:
        return f"cell_{line}_{index}"

    def rows(self) -> list[dict[str, Any]]:
        """Each bad row with a bound field per column and the findings of each
        cell, for the template."""
        return [
            {
                "row": bad_row,
                "cells": [
                    {
                        "field": self[self.field_name(bad_row.line, index)],
                        "column": column,
                        "bad": bad_row.bad.get(index),
                    }
                    for index, column in enumerate(self.columns)
                ],
            }
            for bad_row in self.bad_rows
        ]

    @property
    def has_suggestions(self) -> bool:
        return any(
            cell.suggestion for row in self.bad_rows for cell in row.bad.values()
        )

    def corrections(self) -> dict[int, dict[str, str]]:
        """The cells changed from what was written, by row and column name."""
        changed: dict[int, dict[str, str]] = {}
        for bad_row in self.bad_rows:
            for index, column in enumerate(self.columns):
                name = self.field_name(bad_row.line, index)
                if name not in self.data:  # not posted: left as written
                    continue
                text = self.cleaned_data[name]
                if text != _cell(bad_row.cells, index):
                    changed.setdefault(bad_row.line, {})[column] = text
        return changed


def _cell(cells: Sequence[str], index: int) -> str:
    """A row's cell as written; "" past its end (a row without a comment)."""
    return cells[index] if index < len(cells) else ""


# --- entering updates in a form ------------------------------------------------
# One row per plan item, and a one-time token. The form only checks what a select
# or a length can: every rule of an update stays in the CSV core, so a form and a
# file get the same findings in the same words.


class MappingFileForm(forms.Form):
    file = forms.FileField(
        label="Mapping CSV",
        help_text="Columns in this order: External ID, Name, Has Metric (yes/no, "
        "true/false or 1/0). A header row is optional. Nothing changes until you "
        "apply the preview.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        error_messages={
            "empty": "The file is empty. Choose the CSV file with your mapping.",
            "required": "Choose the CSV file with your mapping.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("preview", "Preview the changes"))

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                f"The file is {uploaded.size / 1_000_000:.1f} MB; a mapping may be "
                f"at most {limit / 1_000_000:g} MB. Split it into smaller files."
            )
        return uploaded
