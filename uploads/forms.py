from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings


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
