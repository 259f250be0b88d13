"""Uploads the service tests start from: alice's clean draft of the sales team's
sample file, and the same draft confirmed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.pipeline import CLEAN_CSV
from uploads import services
from uploads.models import PlanItem, Team, Upload


@pytest.fixture
def draft(team: Team, alice: User, plan_items: list[PlanItem]) -> Upload:
    return services.upload_create(team=team, user=alice, data=CLEAN_CSV)


@pytest.fixture
def queued(draft: Upload, alice: User) -> Upload:
    return services.upload_confirm(upload=draft, user=alice)
