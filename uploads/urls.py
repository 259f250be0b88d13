from __future__ import annotations

from django.urls import path

from uploads import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("teams/<slug:slug>/upload/", views.upload_new, name="upload_new"),
    path("teams/<slug:slug>/template.csv", views.team_template, name="team_template"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:upload_id>/state/", views.upload_state, name="upload_state"),
    path(
        "uploads/<int:upload_id>/confirm/", views.upload_confirm, name="upload_confirm"
    ),
    path(
        "uploads/<int:upload_id>/exclude-invalid/",
        views.upload_exclude_invalid,
        name="upload_exclude_invalid",
    ),
    path(
        "uploads/<int:upload_id>/discard/", views.upload_discard, name="upload_discard"
    ),
    *(
        path(
            f"uploads/<int:upload_id>/{action}/",
            views.upload_staff_action,
            {"action": action},
            name=f"upload_{action}",
        )
        for action in ("retry", "resolve", "cancel")
    ),
]
