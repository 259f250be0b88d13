from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings

from uploads.csvformat import HEADER


class UploadFileForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns in this order: External ID, Status, Current Value, As Of Date. "
            "A header row is optional."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
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


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the upload's history, e.g. 'Checked in AchieveIt: applied'.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class FixRowsForm(forms.Form):
    """The cells of a draft's rows with errors, each editable, prefilled as written.

    `bad_rows` are `selectors_uploads.BadRow`s; a field per cell is named
    `cell_<row>_<column index>`. Only cells the person changed become corrections.
    """

    def __init__(self, *args: Any, bad_rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bad_rows = bad_rows
        for bad_row in bad_rows:
            for index, column in enumerate(HEADER):
                bad_cell = bad_row.bad.get(index)
                attrs = {"class": "form-control form-control-sm"}
                if bad_cell is not None:
                    attrs["class"] += " is-invalid"
                    attrs["aria-describedby"] = f"problem-{bad_row.line}-{index}"
                self.fields[self.field_name(bad_row.line, index)] = forms.CharField(
                    label=f"Row {bad_row.line}, {column}",
                    required=False,
                    strip=False,
                    max_length=1000,
                    initial=bad_row.cells[index],
                    widget=forms.TextInput(attrs=attrs),
                )

    @staticmethod
    def field_name(line: int, index: int) -> str:
        return f"cell_{line}_{index}"

    def rows(self) -> list[dict[str, Any]]:
        """Each bad row with its four bound fields and the findings of each cell,
        for the template."""
        return [
            {
                "row": bad_row,
                "cells": [
                    {
                        "field": self[self.field_name(bad_row.line, index)],
                        "column": column,
                        "bad": bad_row.bad.get(index),
                    }
                    for index, column in enumerate(HEADER)
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
            for index, column in enumerate(HEADER):
                name = self.field_name(bad_row.line, index)
                if name not in self.data:  # not posted: left as written
                    continue
                text = self.cleaned_data[name]
                if text != bad_row.cells[index]:
                    changed.setdefault(bad_row.line, {})[column] = text
        return changed
