from __future__ import annotations

from django.urls import path, re_path

from uploads.views import (
    api,
    api_docs,
    dashboard,
    entry,
    history,
    items,
    mapping,
    mine,
    plans,
    reminders,
    review,
    teams,
    tokens,
    uploads,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("api/openapi.json", api_docs.api_openapi, name="api_openapi"),
    path("api/docs/", api_docs.api_docs, name="api_docs"),
    path("upload/", uploads.upload_start, name="upload_start"),
    path("uploads/", mine.my_uploads, name="my_uploads"),
    path("uploads/discard/", mine.my_uploads_discard, name="my_uploads_discard"),
    path("teams/<slug:slug>/upload/", uploads.upload_new, name="upload_new"),
    path("teams/<slug:slug>/template.csv", uploads.team_template, name="team_template"),
    path(
        "teams/<slug:slug>/template.xlsx",
        uploads.team_template_xlsx,
        name="team_template_xlsx",
    ),
    path("entry/", entry.entry_start, name="entry_start"),
    path("teams/<slug:slug>/entry/", entry.entry, name="entry"),
    path("uploads/<uuid:public_id>/", uploads.upload_detail, name="upload_detail"),
    path("uploads/<uuid:public_id>/state/", uploads.upload_state, name="upload_state"),
    path(
        "uploads/<uuid:public_id>/sheet/",
        uploads.upload_choose_sheet,
        name="upload_choose_sheet",
    ),
    path(
        "uploads/<uuid:public_id>/revise/", uploads.upload_revise, name="upload_revise"
    ),
    path(
        "uploads/<uuid:public_id>/columns/",
        mapping.upload_mapping,
        name="upload_mapping",
    ),
    path(
        "uploads/<uuid:public_id>/problems.csv",
        uploads.upload_problems,
        name="upload_problems",
    ),
    path(
        "uploads/<uuid:public_id>/original/",
        uploads.upload_original,
        name="upload_original",
    ),
    path(
        "uploads/<uuid:public_id>/as-sent.csv",
        uploads.upload_sent_file,
        name="upload_sent_file",
    ),
    path(
        "uploads/<uuid:public_id>/confirm/",
        uploads.upload_confirm,
        name="upload_confirm",
    ),
    path(
        "uploads/<uuid:public_id>/exclude-invalid/",
        uploads.upload_exclude_invalid,
        name="upload_exclude_invalid",
    ),
    path(
        "uploads/<uuid:public_id>/discard/",
        uploads.upload_discard,
        name="upload_discard",
    ),
    path("review/", review.review_queue, name="review_queue"),
    path("review/bulk/", review.review_bulk, name="review_bulk"),
    path("review/<uuid:public_id>/", review.review_upload, name="review_upload"),
    path(
        "review/<uuid:public_id>/send-again/",
        review.review_send_again,
        name="review_send_again",
    ),
    path(
        "review/<uuid:public_id>/resolve/",
        review.review_resolve,
        name="review_resolve",
    ),
    path("review/<uuid:public_id>/cancel/", review.review_cancel, name="review_cancel"),
    path("history/", history.history, name="history"),
    path("history/export.csv", history.history_export, name="history_export"),
    path("teams/", teams.teams, name="teams"),
    path("teams/<slug:slug>/manage/", teams.team_manage, name="team_manage"),
    path(
        "teams/<slug:slug>/manage/members/",
        teams.team_member_add,
        name="team_member_add",
    ),
    path(
        "teams/<slug:slug>/manage/members/<int:membership_id>/role/",
        teams.team_member_role,
        name="team_member_role",
    ),
    path(
        "teams/<slug:slug>/manage/members/<int:membership_id>/remove/",
        teams.team_member_remove,
        name="team_member_remove",
    ),
    path(
        "teams/<slug:slug>/manage/items/<int:item_id>/active/",
        teams.team_item_active,
        name="team_item_active",
    ),
    path("teams/<slug:slug>/manage/import/", teams.team_import, name="team_import"),
    path(
        "teams/<slug:slug>/manage/mappings/<int:mapping_id>/delete/",
        mapping.team_mapping_delete,
        name="team_mapping_delete",
    ),
    path(
        "teams/<slug:slug>/manage/plans/link/",
        plans.team_plan_link,
        name="team_plan_link",
    ),
    path(
        "teams/<slug:slug>/manage/plans/remove/",
        plans.team_plan_unlink,
        name="team_plan_unlink",
    ),
    path(
        "teams/<slug:slug>/manage/plans/sync/",
        plans.team_plan_sync,
        name="team_plan_sync",
    ),
    path(
        "teams/<slug:slug>/manage/reminders/",
        reminders.team_reminders,
        name="team_reminders",
    ),
    path("reminders/", reminders.my_reminders, name="my_reminders"),
    path(
        "teams/<slug:slug>/manage/import/<str:token>/",
        teams.team_import_preview,
        name="team_import_preview",
    ),
    path("items/", items.plan_items, name="plan_items"),
    # External IDs may hold slashes and spaces: the rest of the path is the ID.
    path(
        "items/<path:external_id>/",
        items.plan_item_detail,
        name="plan_item_detail",
    ),
    path("teams/<slug:slug>/tokens/", tokens.team_tokens, name="team_tokens"),
    path(
        "teams/<slug:slug>/tokens/<int:token_id>/revoke/",
        tokens.team_token_revoke,
        name="team_token_revoke",
    ),
    # The script API: AchieveIt's two calls, answered by the portal (views/api.py).
    path(
        "api/progressupdates/status/<str:job_id>",
        api.status,
        name="api_status",
    ),
    path("api/progressupdates/<str:name>", api.submit, name="api_submit"),
    # The same two calls for metric updates (values only).
    path(
        "api/metricupdates/status/<str:job_id>",
        api.status,
        {"kind": "metric"},
        name="api_metric_status",
    ),
    path(
        "api/metricupdates/<str:name>",
        api.submit,
        {"kind": "metric"},
        name="api_metric_submit",
    ),
    # Anything else under /api/ (after the docs above) is a JSON 404.
    re_path(r"^api/(?P<rest>.*)$", api.not_found),
]
