from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from uploads import auth_oidc
from uploads.views import accounts

urlpatterns = [
    # The throttled password pages, found before Django's own of the same names.
    path(
        "accounts/password_reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        accounts.PasswordChangeView.as_view(),
        name="password_change",
    ),
    # Login and logout with the organization's sign-in (uploads/auth_oidc.py).
    path("accounts/login/", auth_oidc.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_oidc.LogoutView.as_view(), name="logout"),
    path(
        "accounts/oidc/start/",
        auth_oidc.StartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "accounts/oidc/callback/",
        auth_oidc.CallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The admin's own change-password form checks the old password unthrottled:
    # staff change theirs on the throttled page above instead.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change"),
        name="admin_password_change",
    ),
    path("admin/", admin.site.urls),
    path("", include("uploads.urls")),
]
