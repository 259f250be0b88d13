"""Uploads the service tests start from: alice's clean draft of the sales team's
sample file, and the same draft confirmed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.pipeline import CLEAN_CSV
from uploads.models import PlanItem, Team, Upload
from uploads.services.drafts import upload_confirm, upload_create


@pytest.fixture
def draft(team: Team, alice: User, plan_items: list[PlanItem]) -> Upload:
    return upload_create(team=team, user=alice, data=CLEAN_CSV)


@pytest.fixture
def queued(draft: Upload, alice: User) -> Upload:
    return upload_confirm(upload=draft, user=alice)
