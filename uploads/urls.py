from __future__ import annotations

from django.urls import path

from uploads import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:upload_id>/state/", views.upload_state, name="upload_state"),
]
