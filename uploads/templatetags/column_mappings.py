"""The team manage page's "Saved column mappings" card, rendered where included."""

from __future__ import annotations

from typing import Any

from django import template

from uploads.models import Team

register = template.Library()


@register.inclusion_tag("teams/_column_mappings.html", takes_context=True)
def saved_column_mappings(context: dict[str, Any], team: Team) -> dict[str, Any]:
    """The team's saved column mappings, most recently used first."""
    mappings = [
        {
            "mapping": mapping,
            "fields": [
                (cell, mapping.columns.get(str(index)))
                for index, cell in enumerate(mapping.header)
            ],
        }
        for mapping in team.column_mappings.select_related("created_by")
    ]
    return {
        "team": team,
        "mappings": mappings,
        "csrf_token": context.get("csrf_token"),
    }
