"""Filters for lists people narrow down, bound to the query string so a filtered
view is a link to share (django-filter; an invalid value is a form error, and the
page answers 400 with it)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils import timezone

from uploads.models import AuditEvent, Upload, UploadRow
from uploads.permissions import User, visible_teams


class HistoryFilterForm(forms.Form):
    """The history's filter fields, laid out in one wrapping row of columns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's <form method="get"> holds it
        self.helper.disable_csrf = True
        column = "col-12 col-sm-6 col-lg-3"
        self.helper.layout = Layout(
            Row(*(Column(name, css_class=column) for name in self.fields))
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to",
                f"The end date {end:%Y-%m-%d} comes before the start date "
                f"{start:%Y-%m-%d}: choose a later day, or swap them.",
            )
        return cleaned

    @property
    def is_filtered(self) -> bool:
        """True when the person chose at least one filter."""
        return any(
            value not in (None, "")
            for value in getattr(self, "cleaned_data", {}).values()
        )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class HistoryFilter(django_filters.FilterSet):
    """Narrow the audit history; every filter here is one the URL can carry.

    `user` limits the team choices to the person's teams (staff: all of them).
    """

    team = django_filters.ModelChoiceFilter(
        queryset=visible_teams,  # replaced per person in __init__
        to_field_name="slug",
        empty_label="All your teams",
        label="Team",
    )
    action = django_filters.ChoiceFilter(
        choices=AuditEvent.Action.choices,
        empty_label="Anything",
        label="What happened",
    )
    state = django_filters.ChoiceFilter(
        field_name="upload__state",
        choices=Upload.State.choices,
        empty_label="Any state",
        label="Upload state",
    )
    person = django_filters.CharFilter(
        method="filter_person",
        label="Person",
        widget=forms.TextInput(attrs={"placeholder": "username or system"}),
    )
    external_id = django_filters.CharFilter(
        method="filter_external_id",
        label="External ID",
        widget=forms.TextInput(attrs={"placeholder": "e.g. SALES-Q4-01"}),
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = HistoryFilterForm

    def __init__(
        self, data: Any = None, queryset: Any = None, *, user: User, **kwargs: Any
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters["team"].queryset = visible_teams(user)

    # Whole days in the portal's time zone, as ranges on `at`, so the (at, id)
    # indexes serve them.
    def filter_date_from(
        self, events: QuerySet[AuditEvent], name: str, day: datetime.date
    ) -> QuerySet[AuditEvent]:
        return events.filter(at__gte=_day_start(day))

    def filter_date_to(
        self, events: QuerySet[AuditEvent], name: str, day: datetime.date
    ) -> QuerySet[AuditEvent]:
        return events.filter(at__lt=_day_start(day + datetime.timedelta(days=1)))

    def filter_person(
        self, events: QuerySet[AuditEvent], name: str, username: str
    ) -> QuerySet[AuditEvent]:
        if username.lower() == "system":
            return events.filter(actor__isnull=True)
        # The name as the history shows it (kept when the event was written).
        return events.filter(actor_username__iexact=username)

    def filter_external_id(
        self, events: QuerySet[AuditEvent], name: str, external_id: str
    ) -> QuerySet[AuditEvent]:
        """Events of the uploads that carried a row for this External ID."""
        carried = UploadRow.objects.filter(external_id=external_id).values("upload_id")
        return events.filter(Q(upload_id__in=carried))


class MyUploadsFilterForm(HistoryFilterForm):
    """The uploads page's five fields, in one row of equal columns on a laptop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        column = "col-12 col-sm-6 col-lg"
        self.helper.layout = Layout(
            Row(*(Column(name, css_class=column) for name in self.fields))
        )


# An upload number as people write it: "123" or "#123".
UPLOAD_NUMBER = r"^\s*#?\s*(\d{1,12})\s*$"


class MyUploadsFilter(django_filters.FilterSet):
    """Narrow a person's uploads and their teams' (uploads/selectors/mine.py):
    whose, team, state, source, or one upload by its number."""

    WHOSE = (("mine", "Mine"), ("others", "Others' in my teams"))

    number = django_filters.CharFilter(
        method="filter_number",
        label="Upload number",
        validators=[
            RegexValidator(
                UPLOAD_NUMBER,
                "Write an upload number as the portal shows it, such as 123 or #123.",
            )
        ],
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. 123", "inputmode": "numeric"}
        ),
    )
    whose = django_filters.ChoiceFilter(
        method="filter_whose",
        choices=WHOSE,
        empty_label="Mine and my teams'",
        label="Whose",
    )
    team = django_filters.ModelChoiceFilter(
        queryset=visible_teams,  # replaced per person in __init__
        to_field_name="slug",
        empty_label="All your teams",
        label="Team",
    )
    state = django_filters.ChoiceFilter(
        choices=Upload.State.choices, empty_label="Any state", label="State"
    )
    source = django_filters.ChoiceFilter(
        choices=Upload.Source.choices, empty_label="Any source", label="Sent as"
    )

    class Meta:
        model = Upload
        fields: list[str] = []
        form = MyUploadsFilterForm

    def __init__(
        self, data: Any = None, queryset: Any = None, *, user: User, **kwargs: Any
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.user = user
        self.filters["team"].queryset = visible_teams(user)

    def filter_number(
        self, uploads: QuerySet[Upload], name: str, number: str
    ) -> QuerySet[Upload]:
        # The number the pages show: the team's own (one per team the person is in).
        number_shown = int(re.match(UPLOAD_NUMBER, number).group(1))
        return uploads.filter(team_number=number_shown)

    def filter_whose(
        self, uploads: QuerySet[Upload], name: str, whose: str
    ) -> QuerySet[Upload]:
        if whose == "mine":
            return uploads.filter(created_by=self.user)
        return uploads.exclude(created_by=self.user)
