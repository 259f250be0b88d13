from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from uploads.models import (
    Attempt,
    AuditEvent,
    Membership,
    PlanItem,
    Team,
    Upload,
    UploadRow,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]


@admin.register(PlanItem)
class PlanItemAdmin(admin.ModelAdmin):
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
            reverse("review_upload", args=[upload.pk]),
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
    list_display = ["at", "action", "actor", "team", "upload"]
    list_filter = ["action", "team"]
    list_select_related = ["actor", "team", "upload"]
