from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin with the portal's site (portal/admin.py)."""

    default_site = "portal.admin.PortalAdminSite"
