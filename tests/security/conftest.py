"""One world for the security tests: two teams, each with uploads in several states,
plan items, memberships, API tokens and an import preview, and the six people the
access matrix signs in as (a viewer, an uploader and a manager of sales; an
uploader of finance; an operator).

The world is built once per module inside a transaction that is rolled back at the
end; each test runs in a savepoint inside it (pytest-django's `db`), so what one
test changes is gone before the next. Each test also works on its own copy of the
world's private files (originals, kept import files).

Everything of finance carries MARKER_B (its External IDs, file names, token and
people's names), so a page of sales can be searched for it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from tests.helpers import make_user
from uploads.models import (
    ApiToken,
    Attempt,
    AuditEvent,
    Membership,
    PlanItem,
    Team,
    Upload,
)
from uploads.services.audit import audit
from uploads.services.drafts import upload_create
from uploads.services.mapping import mapping_store
from uploads.services.tokens import token_create, token_revoke

MARKER_A = "MARKERA"
MARKER_B = "MARKERB"
State = Upload.State
Role = Membership.Role

# The people of the matrix, by the name a failing test shows.
ROLES = ("anonymous", "viewer_a", "uploader_a", "manager_a", "uploader_b", "staff")
# Scripts with a team's API token (and no session).
SCRIPTS = ("script_a", "script_b")


@dataclass
class TeamWorld:
    """One team's things, each of them reachable by a URL."""

    team: Team
    uploads: dict[str, Upload]
    plan_item: PlanItem
    # A membership the team's manager may change (not their own).
    membership: Membership
    token: ApiToken
    token_plaintext: str
    revoked_token: ApiToken
    import_token: str


@dataclass
class World:
    a: TeamWorld
    b: TeamWorld
    users: dict[str, User]
    private_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    # Each person's session, made once (a test's changes to it are rolled back).
    sessions: dict[str, str] = field(default_factory=dict)

    def team(self, variant: str) -> TeamWorld:
        return {"A": self.a, "B": self.b}[variant]


def _csv(*lines: str) -> bytes:
    return ("External ID,Status,Current Value,As Of Date\n" + "\n".join(lines)).encode()


def _csv_metric(*lines: str) -> bytes:
    return ("External ID,Current Metric Value,As Of Date\n" + "\n".join(lines)).encode()


def _build_team(
    *, slug: str, name: str, marker: str, uploader: User, manager: User | None
) -> TeamWorld:
    team = Team.objects.create(slug=slug, name=name)
    prefix = slug.upper()
    items = [
        PlanItem.objects.create(
            team=team,
            external_id=f"{prefix}-{marker}-{number:02d}",
            name=f"{marker} plan item {number}",
            has_metric=True,
        )
        for number in (1, 2, 3)
    ]
    first, second, _ = (item.external_id for item in items)
    clean = _csv(f"{first},On Track,0.45,2026-10-31", f"{second},At Risk,12,2026-10-31")
    messy = _csv(
        f"{first},On Track,0.45,2026-10-31",
        f"{second},Acheived,{marker},31/10/2026",
        f"NOT-{marker}-ANYWHERE,On Track,1,2026-10-31",
    )
    user = uploader
    uploads = {
        "messy": upload_create(
            team=team, user=user, data=messy, original_name=f"{marker}-messy.csv"
        ),
        "clean": upload_create(
            team=team, user=user, data=clean, original_name=f"{marker}-clean.csv"
        ),
    }
    now = timezone.now()
    for state in (State.FAILED, State.NEEDS_REVIEW, State.SUCCEEDED):
        upload = upload_create(
            team=team, user=user, data=clean, original_name=f"{marker}-{state}.csv"
        )
        Upload.objects.filter(pk=upload.pk).update(
            state=state,
            confirmed_at=now - timedelta(minutes=5),
            submitted_at=now - timedelta(minutes=4),
            finished_at=now - timedelta(minutes=1),
            job_id=f"job-{marker}-{state}",
            error_text=f"AchieveIt said no to {marker}" if state != "succeeded" else "",
        )
        Attempt.objects.create(
            upload=upload,
            kind=Attempt.Kind.SUBMIT,
            started_at=now - timedelta(minutes=4),
            finished_at=now - timedelta(minutes=4),
            status_code=500 if state == State.FAILED else 200,
            outcome="error" if state == State.FAILED else "accepted",
            response_body=f'{{"detail": "{marker} answer"}}',
            job_id=f"job-{marker}-{state}",
        )
        audit(action=AuditEvent.Action.UPLOAD_CONFIRMED, upload=upload, actor=user)
        upload.refresh_from_db()
        uploads[str(state)] = upload
    # A metric update AchieveIt applied: the metric status call answers for it.
    metric = upload_create(
        team=team,
        user=user,
        data=_csv_metric(f"{first},0.5,2026-10-31"),
        original_name=f"{marker}-metric.csv",
    )
    Upload.objects.filter(pk=metric.pk).update(
        state=State.SUCCEEDED, confirmed_at=now, job_id=f"job-{marker}-metric"
    )
    metric.refresh_from_db()
    uploads["metric"] = metric
    # The manager may change someone's role or remove them: a viewer of the team.
    viewer_name = f"{slug}-{marker.lower()}-member"
    target = make_user(viewer_name, team, Role.VIEWER)
    token, plaintext = token_create(
        team=team, name=f"{marker} weekly script", actor=manager or user
    )
    revoked, _ = token_create(team=team, name=f"{marker} old script", actor=user)
    token_revoke(token=revoked, actor=user)
    import_token = mapping_store(
        team=team,
        data=_csv_mapping(f"{prefix}-{marker}-01", f"{prefix}-{marker}-09", marker),
    )
    return TeamWorld(
        team=team,
        uploads=uploads,
        plan_item=items[0],
        membership=target.memberships.get(team=team),
        token=token,
        token_plaintext=plaintext,
        revoked_token=revoked,
        import_token=import_token,
    )


def _csv_mapping(existing: str, new: str, marker: str) -> bytes:
    return (
        "External ID,Name,Has Metric\n"
        f"{existing},{marker} renamed,yes\n"
        f"{new},{marker} new item,no\n"
    ).encode()


def build_world(private_dir: Path) -> World:
    users = {
        "viewer_a": make_user("bob"),
        "uploader_a": make_user("alice"),
        "manager_a": make_user("maria"),
        "uploader_b": make_user(f"charlie-{MARKER_B.lower()}"),
        # Operators are staff; seed_demo makes them superusers too, so the admin
        # answers them with its pages rather than its own permission refusals.
        "staff": make_user("operator", staff=True),
    }
    users["staff"].is_superuser = True
    users["staff"].save(update_fields=["is_superuser"])
    a = _build_team(
        slug="sales",
        name="Sales",
        marker=MARKER_A,
        uploader=users["uploader_a"],
        manager=users["manager_a"],
    )
    for role, membership_role in (
        ("viewer_a", Role.VIEWER),
        ("uploader_a", Role.UPLOADER),
        ("manager_a", Role.MANAGER),
    ):
        Membership.objects.create(user=users[role], team=a.team, role=membership_role)
    b = _build_team(
        slug="finance",
        name=f"Finance {MARKER_B}",
        marker=MARKER_B,
        uploader=users["uploader_b"],
        manager=None,
    )
    Membership.objects.create(user=users["uploader_b"], team=b.team, role=Role.UPLOADER)
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return World(
        a=a,
        b=b,
        users=users,
        private_dir=private_dir,
        tokens={"script_a": a.token_plaintext, "script_b": b.token_plaintext},
        sessions=sessions,
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[World]:
    private_dir = tmp_path_factory.mktemp("world-private")
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_STORAGE_DIR=private_dir),
        transaction.atomic(),
    ):
        yield build_world(private_dir)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _private_storage(settings: Any, tmp_path: Path, request: Any) -> None:
    """Private storage of the test's own: a copy of the world's files when the test
    uses the world (so a test that applies an import leaves the next one its file)."""
    target = tmp_path / "private"
    if "world" in request.fixturenames:
        shutil.copytree(request.getfixturevalue("world").private_dir, target)
    settings.PRIVATE_STORAGE_DIR = target
