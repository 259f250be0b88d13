"""The Django admin: uploads, their rows and calls, and the audit history are
read-only; teams, memberships, plan items and users may be changed, and every
add, change and delete made to them here is an audit event (ADMIN_CHANGED) with
the fields changed, old and new values, and the admin user as actor."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, BaseModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from uploads import csvformat
from uploads.models import (
    Attempt,
    AuditEvent,
    Membership,
    PlanItem,
    SignInIdentity,
    Team,
    Upload,
    UploadRow,
)
from uploads.services.audit import audit

User = get_user_model()


def _plain(value: Any) -> Any:
    """A field's value as the history keeps it (JSON: text, numbers, lists)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | models.Model):
        return str(value)
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted(str(item) for item in value)
    return str(value)


def _model_value(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return list(getattr(instance, name).all()) if instance.pk else []
    return getattr(instance, name)


def _is_recorded(instance: models.Model, name: str) -> bool:
    """A model field whose value may go into the history: never a password (a
    form's password1/password2 are not model fields either)."""
    if "password" in name:
        return False
    try:
        instance._meta.get_field(name)
    except models.FieldDoesNotExist:
        return False
    return True


def _form_changes(form: BaseModelForm) -> dict[str, list[Any]]:
    """The fields the form changes, as {name: [old, new]}; old values are read
    from the database (the form's instance already holds the new ones)."""
    instance = form.instance
    before = (
        type(instance)._default_manager.filter(pk=instance.pk).first()
        if instance.pk
        else None
    )
    changes = {}
    for name in form.changed_data:
        if not _is_recorded(instance, name):
            continue
        old = _plain(_model_value(before, name)) if before is not None else None
        new = _plain(form.cleaned_data.get(name))
        if old != new:
            changes[name] = [old, new]
    return changes


def _values(instance: models.Model, names: list[str]) -> dict[str, list[Any]]:
    return {
        name: [None, _plain(_model_value(instance, name))]
        for name in names
        if _is_recorded(instance, name)
    }


def _team_of(instance: models.Model, operation: str) -> Team | None:
    if isinstance(instance, Team):
        # A deleted team is named in the details; the event cannot point at it.
        return None if operation == "deleted" else instance
    return getattr(instance, "team", None)


def audit_admin_change(
    request: HttpRequest,
    instance: models.Model,
    operation: str,
    changes: dict[str, list[Any]],
) -> AuditEvent:
    """One ADMIN_CHANGED event: what (model and object), how (added, changed,
    deleted), the changed fields with old and new values, and who."""
    return audit(
        action=AuditEvent.Action.ADMIN_CHANGED,
        team=_team_of(instance, operation),
        actor=request.user,
        model=str(instance._meta.verbose_name),
        object=str(instance),
        object_id=instance.pk,
        operation=operation,
        changes=changes,
    )


class AuditedAdmin(admin.ModelAdmin):
    """Changes made here are audit events; the admin's own log is not enough (it
    keeps no values, and the portal's history never shows it)."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: BaseModelForm, change: bool
    ) -> None:
        changes = _form_changes(form)
        super().save_model(request, obj, form, change)
        if change and not changes:
            return
        audit_admin_change(request, obj, "changed" if change else "added", changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        object_id = obj.pk
        super().delete_model(request, obj)
        obj.pk = object_id
        audit_admin_change(request, obj, "deleted", {})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseFormSet, change: bool
    ) -> None:
        changed_before = {
            inline.instance.pk: _form_changes(inline)
            for inline in formset.initial_forms
            if inline.has_changed() and not inline.cleaned_data.get("DELETE")
        }
        # Deleting clears an instance's pk: keep each one's number for its event.
        deleted_ids = {
            id(inline.instance): inline.instance.pk
            for inline in formset.initial_forms
            if inline.cleaned_data.get("DELETE")
        }
        super().save_formset(request, form, formset, change)
        names = list(formset.form.base_fields)
        for obj in formset.new_objects:
            audit_admin_change(request, obj, "added", _values(obj, names))
        for obj, _names in formset.changed_objects:
            if changed_before.get(obj.pk):
                audit_admin_change(request, obj, "changed", changed_before[obj.pk])
        for obj in formset.deleted_objects:
            obj.pk = deleted_ids.get(id(obj))
            audit_admin_change(request, obj, "deleted", {})


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]


admin.site.unregister(User)


class SignInIdentityInline(admin.TabularInline):
    """Who the person is at the organization's provider. An operator may remove
    one (the provider gave the person a new `sub`): the next sign-in then matches
    the account by its verified email again. Never added or edited by hand."""

    model = SignInIdentity
    extra = 0
    fields = readonly_fields = ["issuer", "subject", "created_at", "last_sign_in_at"]
    verbose_name = "sign-in with the organization"
    verbose_name_plural = "sign-ins with the organization"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Django's user admin, audited. A user who acted in the portal cannot be
    deleted (their events and uploads PROTECT them): deactivate them instead."""

    inlines = [SignInIdentityInline]

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        # The page then lists what protects the user, rather than saying a
        # permission to delete audit events is missing (nobody has one).
        return deleted, counts, set() if protected else perms_needed, protected

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            # Never the password or its hash: only that it was set.
            audit_admin_change(request, user, "changed", {"password": [None, "set"]})
        return response


class PlanItemAdminForm(forms.ModelForm):
    """The plan-item form, with the External ID rules a mapping import applies
    (``csvformat.id_problem``): an ID saved here goes into uploads, the team's
    template and AchieveIt like any other. No Meta: the admin builds the form for
    PlanItem with every editable field, as it did without this class."""

    def clean_external_id(self) -> str:
        # The form field has stripped the spaces around it already.
        external_id = self.cleaned_data["external_id"]
        problem = csvformat.id_problem(external_id)
        if problem is not None:
            raise forms.ValidationError(problem.detail)
        return external_id


@admin.register(PlanItem)
class PlanItemAdmin(AuditedAdmin):
    form = PlanItemAdminForm
    list_display = ["external_id", "name", "team", "has_metric", "active"]
    list_filter = ["team", "has_metric", "active"]
    search_fields = ["external_id", "name"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, never touch: uploads, their rows and calls change only through the
    portal's services, which audit every change (an edit here would leave none)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class AttemptInline(ReadOnlyInline):
    model = Attempt
    fields = ["kind", "started_at", "status_code", "outcome", "message", "job_id"]
    readonly_fields = fields


# Shown on an upload's page instead of its payload and findings, which may be
# megabytes for a 100,000-row file; the rows are a paginated list of their own.
UPLOAD_HIDDEN_FIELDS = {"normalized_csv", "findings"}


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["pk", "team", "created_by", "source", "state", "row_count"]
    list_filter = ["state", "source", "team"]
    list_select_related = ["team", "created_by"]
    fields = [
        field.name
        for field in Upload._meta.fields
        if field.name not in UPLOAD_HIDDEN_FIELDS and field.name != "id"
    ] + ["rows_link", "review_link"]
    readonly_fields = fields
    inlines = [AttemptInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Upload]:
        return super().get_queryset(request).defer(*UPLOAD_HIDDEN_FIELDS)

    @admin.display(description="Rows")
    def rows_link(self, upload: Upload) -> str:
        url = reverse("admin:uploads_uploadrow_changelist")
        return format_html(
            '<a href="{}?upload__id__exact={}">{} row{}</a>',
            url,
            upload.pk,
            upload.row_count,
            "" if upload.row_count == 1 else "s",
        )

    @admin.display(description="Review")
    def review_link(self, upload: Upload) -> str:
        return format_html(
            '<a href="{}">Review, send again, resolve or cancel in the portal</a>',
            reverse("review_upload", args=[upload.public_id]),
        )


@admin.register(UploadRow)
class UploadRowAdmin(ReadOnlyAdmin):
    list_display = ["upload_id", "line", "external_id", "status", "value", "as_of_date"]
    search_fields = ["external_id"]
    list_per_page = 100
    # Counting 100,000 rows on every page is not worth it: "Show all" is off.
    list_max_show_all = 0
    show_full_result_count = False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["upload_id", "kind", "started_at", "status_code", "outcome"]
    list_filter = ["kind", "outcome"]
    list_per_page = 100


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # Who and which upload as written (the snapshots, not today's names).
    list_display = ["at", "action", "actor_username", "team", "upload_number"]
    list_filter = ["action", "team"]
    list_select_related = ["team"]
