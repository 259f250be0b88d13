"""Small template helpers shared by every page."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

from uploads.wording import common

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
def yes_no(value: object) -> str:
    """A boolean in the portal's one set of words ("Yes", "No")."""
    return common.yes_no(value)
