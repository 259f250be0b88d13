"""Uploads in the states the page tests start from (all of the sales team)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.factories import UploadFactory
from tests.helpers import MESSY_CSV
from uploads.models import PlanItem, Team, Upload
from uploads.services.drafts import upload_create


@pytest.fixture
def draft(team: Team, alice: User) -> Upload:
    """A clean draft alice made: one update, ready to send."""
    return UploadFactory(team=team, created_by=alice)


@pytest.fixture
def messy_draft(team: Team, alice: User, plan_items: list[PlanItem]) -> Upload:
    """A draft alice made from a file with two errors and two valid rows."""
    return upload_create(team=team, user=alice, data=MESSY_CSV)


@pytest.fixture
def failed(team: Team, alice: User) -> Upload:
    """An upload of alice's that AchieveIt refused: it waits for staff."""
    return UploadFactory(
        team=team,
        created_by=alice,
        state=Upload.State.FAILED,
        error_text="AchieveIt said no",
    )
