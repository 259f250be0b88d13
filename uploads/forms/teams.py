"""Team management: a new team, members and roles, plan items, API tokens."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from uploads.models import Membership, Team, validate_no_control_characters


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
