"""A viewer sees their team everywhere and can send nothing from anywhere: no page
offers them a control that uploads, enters, fixes, sends or reviews."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from tests.factories import UploadFactory
from tests.helpers import MESSY_CSV
from uploads.models import Upload
from uploads.services.drafts import upload_create

pytestmark = pytest.mark.browser

SEND_CONTROLS = [
    "Upload updates",
    "Upload a file",
    "Enter updates",
    "Send to AchieveIt",
    "Leave out the rows with errors",
    "Save and check again",
    "Apply every suggestion",
    "Discard",
    "Send again",
    "Review this upload",
]


def test_a_viewer_sees_no_send_controls_on_any_page(page, bob, alice, team, plan_items):
    draft = upload_create(team=team, user=alice, data=MESSY_CSV)
    failed = UploadFactory(team=team, created_by=alice, state=Upload.State.FAILED)
    sent = UploadFactory(team=team, created_by=alice, state=Upload.State.SUCCEEDED)
    log_in(page, "bob")

    pages = {
        "/": "Your teams",
        "/upload/": "You may not send updates for any team",
        "/entry/": "You may not send updates for any team",
        "/history/": "History",
        "/items/": "SALES-Q4-01",
        "/items/SALES-Q4-01/": "Q4 pipeline coverage",
        f"/uploads/{draft.public_id}/": "Row 5, Status",
        f"/uploads/{failed.public_id}/": "Failed",
        f"/uploads/{sent.public_id}/": "Succeeded",
    }
    for path, expected in pages.items():
        page.goto(path)
        text = page.inner_text("body")
        assert expected in text, path
        offered = [
            control
            for control in SEND_CONTROLS
            if page.get_by_role("button", name=control).count()
            or page.get_by_role("link", name=control).count()
        ]
        assert offered == [], f"{path} offers a viewer {offered}"
        assert page.locator("form[method=post] [type=submit]").count() == (
            page.locator("header form[method=post] [type=submit]").count()
        ), f"{path} has a form a viewer could post (besides logging out)"
    look_at(page, "upload-viewer")
