"""An Idempotency-Key replays its first answer only for the very same request
(method, path, body and ?sheet=, whose tests are in test_api_sheets.py): another
file under the same key is a 422 that says so, never the first answer passed off
as this file's (issue 20)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads.models import ApiIdempotencyKey, Upload
from uploads.services.tokens import token_create

URL = "/api/progressupdates/weekly.csv"
OTHER_CLEAN = CLEAN_CSV.replace(b"0.45", b"0.55")


@pytest.fixture
def token(team, alice):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    return plaintext


@pytest.fixture
def api(plan_items):
    return Client(enforce_csrf_checks=True)


def send(api, token, data=CLEAN_CSV, url=URL, key="run-42"):
    return api.post(
        url,
        data=data,
        content_type="text/csv",
        headers={"Authorization": f"API-KEY {token}", "Idempotency-Key": key},
    )


def test_another_body_under_the_same_key_is_a_422(api, token):
    first = send(api, token)
    assert first.status_code == 200

    again = send(api, token, data=OTHER_CLEAN)

    assert again.status_code == 422, again.content
    assert again["Content-Type"] == "application/json"
    assert "already used for a different request" in again.json()["error"]
    assert "Idempotent-Replayed" not in again
    assert again.json().get("jobId") is None
    # Nothing of the second file was kept or queued.
    assert Upload.objects.count() == 1


def test_a_refused_file_then_its_corrected_version_under_the_same_key_is_a_422(
    api, token
):
    assert send(api, token, data=MESSY_CSV, key="k").status_code == 400

    assert send(api, token, data=CLEAN_CSV, key="k").status_code == 422
    assert not Upload.objects.filter(state=Upload.State.QUEUED).exists()


def test_the_same_key_on_another_path_is_a_422(api, token):
    send(api, token)

    again = send(api, token, url="/api/progressupdates/other.csv")

    assert again.status_code == 422


def test_the_same_request_is_still_replayed(api, token):
    first = send(api, token)
    again = send(api, token)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ApiIdempotencyKey.objects.get().request_hash


def test_a_key_kept_before_hashes_were_stored_replays_as_before(api, token):
    first = send(api, token)
    ApiIdempotencyKey.objects.update(request_hash="")

    again = send(api, token, data=OTHER_CLEAN)

    assert again.status_code == 200
    assert again.json() == first.json()
