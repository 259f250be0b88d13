"""The entry form's "Last sent" is the sent update with the latest As Of Date,
even when an update for an older date was sent after it (issue 19)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from uploads.models import Upload

URL = "/teams/sales/entry/"


def test_last_sent_is_the_latest_as_of_date_not_the_latest_sent(
    client, alice, team, plan_items
):
    newer_date = UploadFactory(
        team=team,
        state=Upload.State.SUCCEEDED,
        confirmed_at=timezone.now() - datetime.timedelta(days=3),
    )
    UploadRowFactory(
        upload=newer_date,
        external_id="SALES-Q4-01",
        status="On Track",
        value="0.45",
        as_of_date=datetime.date(2026, 11, 30),
    )
    older_date_sent_later = UploadFactory(
        team=team, state=Upload.State.SUCCEEDED, confirmed_at=timezone.now()
    )
    UploadRowFactory(
        upload=older_date_sent_later,
        external_id="SALES-Q4-01",
        status="At Risk",
        value="0.2",
        as_of_date=datetime.date(2026, 10, 31),
    )
    client.force_login(alice)
    response = client.get(URL)
    page = response.content.decode()
    assert "Last sent: On Track, 0.45 as of 2026-11-30" in page
    assert "At Risk, 0.2" not in page
