"""factory_boy factories for data a test needs in bulk or in a given state, without
going through the CSV checker (the services' own tests do that)."""

from __future__ import annotations

import datetime
import hashlib

import factory
from factory.django import DjangoModelFactory

from uploads.models import PlanItem, Team, Upload, UploadRow

ONE_UPDATE = (
    "External ID,Status,Current Value,As Of Date\n"
    "SALES-Q4-01,On Track,0.45,2026-10-31\n"
)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda team: team.slug.replace("-", " ").title())


class PlanItemFactory(DjangoModelFactory):
    class Meta:
        model = PlanItem

    team = factory.SubFactory(TeamFactory)
    external_id = factory.Sequence(lambda n: f"ITEM-{n:04d}")
    name = factory.LazyAttribute(lambda item: f"Plan item {item.external_id}")
    has_metric = True


class UploadFactory(DjangoModelFactory):
    """A clean one-update draft unless told otherwise (pass state=... for others)."""

    class Meta:
        model = Upload

    team = factory.SubFactory(TeamFactory)
    created_by = None
    source = Upload.Source.CSV
    original_name = "updates.csv"
    normalized_csv = ONE_UPDATE
    row_count = 1
    checksum = factory.LazyAttribute(
        lambda upload: hashlib.sha256(upload.normalized_csv.encode()).hexdigest()
    )
    state = Upload.State.DRAFT


class UploadRowFactory(DjangoModelFactory):
    class Meta:
        model = UploadRow

    upload = factory.SubFactory(UploadFactory)
    line = factory.Sequence(lambda n: n + 2)
    external_id = factory.Sequence(lambda n: f"ITEM-{n:04d}")
    status = "On Track"
    value = "0.45"
    as_of_date = datetime.date(2026, 10, 31)
