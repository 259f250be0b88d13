from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

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


class AttemptInline(ReadOnlyInline):
    model = Attempt
    fields = ["kind", "started_at", "status_code", "outcome", "message", "job_id"]


class UploadRowInline(ReadOnlyInline):
    model = UploadRow
    fields = ["line", "external_id", "status", "value", "as_of_date"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["pk", "team", "created_by", "source", "state", "row_count"]
    list_filter = ["state", "source", "team"]
    readonly_fields = [
        field.name for field in Upload._meta.fields if field.name != "resolution_note"
    ]
    inlines = [UploadRowInline, AttemptInline]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "actor", "team", "upload"]
    list_filter = ["action", "team"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
