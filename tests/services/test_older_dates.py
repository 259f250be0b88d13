"""The preview warns (never refuses) about an update dated before the last one
the team sent for its item (issue 19)."""

from __future__ import annotations

import datetime

from tests.factories import UploadFactory, UploadRowFactory
from tests.pipeline import CLEAN_CSV
from uploads import csvformat
from uploads.models import Upload
from uploads.services.drafts import upload_create


def test_an_update_older_than_the_last_sent_gets_a_warning(team, alice, plan_items):
    sent = UploadFactory(team=team, state=Upload.State.SUCCEEDED)
    UploadRowFactory(
        upload=sent, external_id="SALES-Q4-01", as_of_date=datetime.date(2026, 11, 30)
    )
    draft = upload_create(team=team, user=alice, data=CLEAN_CSV)
    warnings = [f for f in draft.findings if f["code"] == "older_than_last_sent"]
    assert [f["severity"] for f in warnings] == [csvformat.WARNING]
    assert warnings[0]["message"].startswith("Row 2, As Of Date: 2026-10-31 is older")
    assert "SALES-Q4-01 (as of 2026-11-30)" in warnings[0]["message"]
    assert draft.is_sendable  # a warning, not an error


def test_no_warning_without_an_older_date_or_for_unsent_uploads(
    team, alice, plan_items
):
    draft = UploadFactory(team=team, state=Upload.State.DRAFT)
    UploadRowFactory(
        upload=draft, external_id="SALES-Q4-01", as_of_date=datetime.date(2026, 11, 30)
    )
    sent = UploadFactory(team=team, state=Upload.State.SUCCEEDED)
    UploadRowFactory(
        upload=sent, external_id="SALES-Q4-02", as_of_date=datetime.date(2026, 10, 31)
    )
    checked = upload_create(team=team, user=alice, data=CLEAN_CSV)
    assert not [f for f in checked.findings if f["code"] == "older_than_last_sent"]
