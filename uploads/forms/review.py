"""The operators' forms: send again, resolve, cancel, in bulk, and the queue's
filter."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.db import models

from uploads.models import Team, Upload


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
