"""The portal's forms: uploads and review, the entry grid, team management."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.db import models

from uploads import csvformat
from uploads.csvformat import HEADER
from uploads.models import Membership, Team, Upload, validate_no_control_characters
from uploads.selectors.entry import EntryItem

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


class _ReviewForm(forms.Form):
    """A staff form rendered by crispy inside the template's own <form> tag.

    Several sit on one review page with a field of the same name ("note"): each
    form's ids get its own prefix, the names posted stay plain.
    """

    id_prefix = "review"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


NOTE_REQUIRED = "Say what was done: a resolution needs a note."
OUTCOME_REQUIRED = (
    "Say whether AchieveIt applied the updates: choose "
    f"'{Upload.ResolutionOutcome.APPLIED.label}' or "
    f"'{Upload.ResolutionOutcome.NOT_APPLIED.label}'."
)
REASON_REQUIRED = "Say why: canceling needs a reason."


class ResolveForm(_ReviewForm):
    id_prefix = "resolve"

    note = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the upload's history, e.g. 'Checked in AchieveIt: applied'.",
        error_messages={"required": NOTE_REQUIRED},
    )
    outcome = forms.ChoiceField(
        label="Did AchieveIt apply these updates?",
        choices=Upload.ResolutionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": OUTCOME_REQUIRED,
            "invalid_choice": OUTCOME_REQUIRED,
        },
    )


class CancelForm(_ReviewForm):
    id_prefix = "cancel"

    reason = forms.CharField(
        label="Why cancel it",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the upload's history. Nothing more is sent.",
        error_messages={"required": REASON_REQUIRED},
    )


class SendAgainForm(_ReviewForm):
    """The confirmation before an upload is sent again.

    A failed upload (AchieveIt said no) needs one tick. A needs-review upload may
    already be in AchieveIt: the operator ticks that they checked AND types the
    upload's number, so no stray click or bare request can send it twice.
    """

    id_prefix = "send"

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the upload's history, e.g. what was fixed.",
    )

    def __init__(self, *args: Any, upload: Upload, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload = upload
        self.unknown_outcome = upload.state == Upload.State.NEEDS_REVIEW
        if self.unknown_outcome:
            self.fields["checked"] = forms.BooleanField(
                label="I checked AchieveIt: this file is not there",
                error_messages={
                    "required": "Tick the box once you have checked AchieveIt: "
                    "sending a file it already holds applies the updates twice."
                },
            )
            self.fields["upload_number"] = forms.CharField(
                label="Type the upload number to confirm",
                help_text=f"This is upload {upload.number}.",
                max_length=20,
                error_messages={
                    "required": f"Type {upload.number}, the number of this upload, "
                    "to confirm."
                },
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            )
        else:
            self.fields["confirm"] = forms.BooleanField(
                label=f"Send upload #{upload.number} to AchieveIt again",
                error_messages={"required": "Tick the box to send it again."},
            )
        # The confirmation first, the optional note last.
        self.order_fields(["checked", "upload_number", "confirm", "note"])

    def clean_upload_number(self) -> str:
        typed = self.cleaned_data["upload_number"].strip().lstrip("#").strip()
        if typed != str(self.upload.number):
            raise forms.ValidationError(
                f"'{typed}' is not this upload's number: type {self.upload.number} "
                "to confirm."
            )
        return typed


class BulkReviewForm(_ReviewForm):
    """One action with one note or reason for the uploads ticked in the queue."""

    id_prefix = "bulk"

    class Action(models.TextChoices):
        RETRY = "retry", "Send again"
        RESOLVE = "resolve", "Resolve"
        CANCEL = "cancel", "Cancel"

    # Posted by their opaque public_id, as upload URLs name them.
    uploads = forms.ModelMultipleChoiceField(
        queryset=Upload.objects.select_related("team"),
        to_field_name="public_id",
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Tick at least one upload in the list, then choose the "
            "action again.",
            "invalid_choice": "Upload %(value)s is no longer there: reload the queue.",
            "invalid_pk_value": "'%(pk)s' is not an upload ID: reload the queue.",
        },
    )
    action = forms.ChoiceField(
        label="Action",
        choices=Action.choices,
        error_messages={"required": "Choose what to do with the ticked uploads."},
    )
    text = forms.CharField(
        label="Note or reason",
        max_length=2000,
        error_messages={"required": "Say why: the action needs a note or reason."},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Choose when resolving"), *Upload.ResolutionOutcome.choices],
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == self.Action.RESOLVE and not cleaned.get("outcome"):
            self.add_error("outcome", OUTCOME_REQUIRED)
        return cleaned


class ReviewFilterForm(forms.Form):
    """The queue's filters (GET): which state, which team."""

    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Failed and needs review"),
            (Upload.State.FAILED, "Failed: AchieveIt said no"),
            (Upload.State.NEEDS_REVIEW, "Needs review: outcome unknown"),
        ],
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All teams",
    )


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

STATUS_CHOICES = [("", "Choose a status"), *((s, s) for s in csvformat.STATUSES)]


class EntryRowForm(forms.Form):
    """One plan item's row. The status and value the person saw are posted back
    (hidden), so "changed" means changed from what was on their screen."""

    external_id = forms.CharField(widget=forms.HiddenInput, max_length=255)
    status = forms.ChoiceField(
        choices=STATUS_CHOICES,
        required=False,
        show_hidden_initial=True,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "invalid_choice": "%(value)r is not an AchieveIt status. Choose one of "
            + ", ".join(csvformat.STATUSES)
            + "."
        },
    )
    value = forms.CharField(
        required=False,
        max_length=200,
        show_hidden_initial=True,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "size": 8}
        ),
    )
    as_of_date = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    # Its rules (length, line breaks) are the CSV core's, so a form and a file get
    # the same finding; this bound only keeps a post small.
    comment = forms.CharField(
        required=False,
        max_length=5 * csvformat.COMMENT_MAX,
        widget=forms.Textarea(
            attrs={"class": "form-control", "rows": 1, "autocomplete": "off"}
        ),
    )

    # Set by the formset: the item this row is for (None if no longer active)
    # and the row number the grid shows.
    item: EntryItem | None = None
    number: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        written = self["status"].value() if self.is_bound else None
        if written and written not in csvformat.STATUSES:
            # Show what was posted beside its error instead of a blank select; the
            # field itself still refuses it.
            status = self.fields["status"]
            status.widget.choices = [*status.choices, (written, written)]

    @property
    def is_update(self) -> bool:
        """True when the person changed the status or the value, or wrote a
        comment (a narrative on the status shown is an update of its own). A
        changed date alone is not an update: every row's date starts as today."""
        return bool({"status", "value", "comment"} & set(self.changed_data))

    def cells(self) -> list[str]:
        """The row as the five cells of a CSV row (the comment last), as entered."""
        data = self.cleaned_data
        return [
            data["external_id"],
            data["status"],
            data["value"],
            data["as_of_date"],
            data["comment"],
        ]


class BaseEntryFormSet(forms.BaseFormSet):
    def __init__(
        self,
        *args: Any,
        items: Mapping[str, EntryItem],
        first_number: int = 1,
        **kwargs: Any,
    ) -> None:
        self.items = items
        self.first_number = first_number
        super().__init__(*args, **kwargs)

    def _construct_form(self, i: int, **kwargs: Any) -> EntryRowForm:
        form = super()._construct_form(i, **kwargs)
        form.item = self.items.get(form["external_id"].value() or "")
        form.number = self.first_number + i
        return form

    def clean(self) -> None:
        if not any(form.is_update for form in self.forms):
            raise forms.ValidationError(
                "Nothing was changed, so there is nothing to send. Change the Status"
                " or Current Value of the items you want to update (or write a"
                " Comment), then check again."
            )

    def updates(self) -> tuple[list[list[str]], list[int]]:
        """The changed rows as CSV cells, in grid order, and their row numbers."""
        changed = [form for form in self.forms if form.is_update]
        return [form.cells() for form in changed], [form.number for form in changed]


EntryFormSet = forms.formset_factory(
    EntryRowForm,
    formset=BaseEntryFormSet,
    extra=0,
    max_num=1000,
    absolute_max=1000,
)


def entry_formset(
    data: Mapping[str, Any] | None,
    *,
    items: Sequence[EntryItem],
    as_of: date,
    first_number: int = 1,
) -> BaseEntryFormSet:
    """The grid for `items`, each row starting from the last update sent for it
    and the date `as_of`; bound to `data` when the form was posted."""
    return EntryFormSet(
        data,
        initial=[
            {
                "external_id": item.plan_item.external_id,
                "status": item.last_status,
                "value": item.last_value,
                "as_of_date": as_of.isoformat(),
            }
            for item in items
        ],
        items={item.plan_item.external_id: item for item in items},
        first_number=first_number,
    )


class EntryTokenForm(forms.Form):
    """The one-time token that makes a form posted twice one draft."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"form_token": uuid.uuid4()})
        super().__init__(*args, **kwargs)


# --- team management -----------------------------------------------------------


class TeamCreateForm(forms.Form):
    slug = forms.SlugField(
        label="Short name (slug)",
        max_length=50,
        help_text="Lowercase letters, digits and hyphens, e.g. field-ops. It is "
        "used in addresses and commands and cannot be changed here later.",
        error_messages={
            "invalid": "Use lowercase letters, digits and hyphens only, e.g. field-ops."
        },
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="As people know it, e.g. Field Ops.",
        validators=[validate_no_control_characters],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", "Create the team"))

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug != slug.lower():
            raise forms.ValidationError(
                f"Use lowercase letters: '{slug.lower()}' instead of '{slug}'."
            )
        taken = Team.objects.filter(slug=slug).first()
        if taken is not None:
            raise forms.ValidationError(
                f"There is already a team '{slug}' ({taken.name}): choose another "
                "short name."
            )
        return slug


class MemberAddForm(forms.Form):
    who = forms.CharField(
        label="Username or email address",
        max_length=254,
        help_text="Someone new gets an email inviting them to set a password.",
        error_messages={"required": "Enter their username or email address."},
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.VIEWER,
        help_text="Viewers look; uploaders also send updates; managers also run "
        "the team's members and plan items.",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ItemActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", "active"), ("0", "inactive")], coerce=lambda value: value == "1"
    )


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


class TokenCreateForm(forms.Form):
    """Name a new API token for a team (the token is shown once)."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Say what uses it, e.g. “weekly finance export”.",
        error_messages={
            "required": "Give the token a name that says what uses it.",
            "max_length": "A token's name may be at most 100 characters.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", "Create a token"))
