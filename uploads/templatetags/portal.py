"""Small template helpers shared by every page."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

from uploads.models import Attempt, Upload
from uploads.selectors import uploads as selectors_uploads
from uploads.wording import common
from uploads.wording import uploads as wording_uploads

register = template.Library()


@register.filter
def when(moment: datetime | None) -> str:
    """A time stamp as people read it ("3 minutes ago"), the exact time with its
    time zone on hover and for screen readers' `datetime`."""
    if moment is None:
        return "\u2013"  # an en dash: no time yet
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        format_date(local, "Y-m-d H:i:s T"),
        naturaltime(moment),
    )


@register.filter
def problem(upload: Upload) -> str:
    """An upload's problem (error_text) in words, never AchieveIt's raw answer
    (uploads/wording/uploads.py problem_in_words)."""
    return wording_uploads.problem_in_words(upload.error_text, upload)


@register.filter
def made_by(upload: Upload) -> str:
    """Who made the upload: the person, the script's token ("script 'weekly
    export'") or "system". Select created_by and api_token along."""
    if upload.created_by_id:
        return upload.created_by.get_username()
    if upload.api_token_id:
        return f"script '{upload.api_token.name}'"
    return "system"


@register.filter
def source_words(upload: Upload) -> str:
    """Where the upload came from: a file names its kind ("Excel workbook")."""
    return wording_uploads.source_words(
        upload.get_source_display(),
        upload.source == Upload.Source.CSV,
        upload.original_name or "",
    )


@register.filter
def answer_in_words(attempt: Attempt) -> str:
    """AchieveIt's reasons in its answer to one call, in words, tied to the
    person's rows; empty when it gave none (wording/uploads.py achieveit_answer)."""
    errors = selectors_uploads.remote_errors(attempt.response_body)
    if not errors:  # the raw answer beside it is all there is
        return ""
    errors = selectors_uploads.tie_to_rows(attempt.upload, errors)
    return wording_uploads.achieveit_answer(errors, attempt.response_body)


@register.filter
def yes_no(value: object) -> str:
    """A boolean in the portal's one set of words ("Yes", "No")."""
    return common.yes_no(value)
