"""The entry grid: one form per plan item, the formset, its one-time token."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django import forms

from uploads import csvformat
from uploads.selectors.entry import EntryItem

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
