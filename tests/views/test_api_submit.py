"""POST /api/progressupdates/<name>.csv: a script sends a CSV with its team's token.
Checked at once: 400 with the findings and nothing queued, or 200 with the job ID;
dry runs store nothing; an Idempotency-Key replays the first answer; a wrong token
is a 401, a big body a 413, too many calls a 429; every answer is JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import MESSY_CSV
from tests.pipeline import CLEAN_CSV
from uploads.models import ApiIdempotencyKey, AuditEvent, Upload
from uploads.services.tokens import token_create, token_revoke

URL = "/api/progressupdates/weekly.csv"
State = Upload.State


@pytest.fixture
def token(team, alice):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    return plaintext


@pytest.fixture
def api(plan_items):
    """A client like a script's: no session, and CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def send(api, token, data=CLEAN_CSV, url=URL, content_type="text/csv", **headers):
    if token is not None:
        headers.setdefault("Authorization", f"API-KEY {token}")
    return api.post(url, data=data, content_type=content_type, headers=headers)


def assert_json(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.json()


# --- success -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/csv", "application/octet-stream", "application/x-www-form-urlencoded"],
)
def test_a_clean_file_is_queued_with_its_job_id(
    api, token, team, content_type, settings
):
    body = assert_json(send(api, token, content_type=content_type), 200)

    upload = Upload.objects.get()
    assert body["jobId"] == str(upload.public_id)
    assert (
        body["portalUrl"] == f"{settings.PORTAL_BASE_URL}/uploads/{upload.public_id}/"
    )
    assert upload.state == State.QUEUED
    assert upload.team == team
    assert upload.source == Upload.Source.API
    assert upload.api_token.name == "weekly export"
    assert upload.original_name == "weekly.csv"
    assert upload.row_count == 4
    assert upload.normalized_csv.startswith("External ID,Status")


def test_the_history_names_the_token(api, token):
    send(api, token)

    created = AuditEvent.objects.get(action=AuditEvent.Action.UPLOAD_CREATED)
    assert created.details["api_token"] == "weekly export"
    assert created.sentence == (
        "A script (token 'weekly export') sent a file through the API (4 updates)"
    )


def test_the_bare_token_of_the_article_works_too(api, token):
    assert_json(send(api, None, Authorization=token), 200)


def test_a_file_name_is_only_a_safe_label(api, token):
    url = "/api/progressupdates/%2E%2E%5Cweird%20%24name%3Cb%3E.csv"

    assert_json(send(api, token, url=url), 200)

    name = Upload.objects.get().original_name
    assert name.endswith(".csv")
    assert set(name) <= set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._ -"
    )


# --- bad files ----------------------------------------------------------------------


def test_a_file_with_errors_is_refused_with_its_findings(api, token):
    body = assert_json(send(api, token, data=MESSY_CSV), 400)

    assert "2 errors" in body["error"]
    errors = [f for f in body["findings"] if f["severity"] == "error"]
    assert {(f["row"], f["column"]) for f in errors} == {
        (5, "Status"),
        (6, "As Of Date"),
    }
    assert next(f for f in errors if f["row"] == 5)["suggestion"] == "Achieved"
    assert all(set(f) >= {"row", "column", "code", "message"} for f in errors)
    # Nothing is queued, and no draft waits in anyone's list.
    upload = Upload.objects.get()
    assert upload.state == State.REJECTED
    assert body["portalUrl"].endswith(f"/uploads/{upload.public_id}/")


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01\x02\xff" * 50, b"PK\x03\x04 not a csv", b"\n\n\n"]
)
def test_what_is_not_a_csv_is_a_400_with_a_reason(api, token, data):
    body = assert_json(send(api, token, data=data), 400)

    assert body["error"]
    assert not Upload.objects.exclude(state=State.REJECTED).exists()


# --- dry run ------------------------------------------------------------------------


def test_a_dry_run_answers_and_stores_nothing(api, token):
    body = assert_json(send(api, token, url=URL + "?dry_run=true"), 200)

    assert body["dryRun"] is True
    assert body["rows"] == 4
    assert not Upload.objects.exists()


def test_a_dry_run_of_a_bad_file_lists_its_findings(api, token):
    body = assert_json(send(api, token, data=MESSY_CSV, url=URL + "?dry_run=1"), 400)

    assert {f["row"] for f in body["findings"] if f["severity"] == "error"} == {5, 6}
    assert not Upload.objects.exists()


# --- idempotency --------------------------------------------------------------------


def test_the_same_key_replays_the_first_answer(api, token):
    first = assert_json(send(api, token, **{"Idempotency-Key": "run-42"}), 200)
    again = send(api, token, **{"Idempotency-Key": "run-42"})

    assert assert_json(again, 200) == first
    assert again["Idempotent-Replayed"] == "true"
    assert Upload.objects.count() == 1


def test_a_refusal_is_replayed_too(api, token):
    first = assert_json(
        send(api, token, data=MESSY_CSV, **{"Idempotency-Key": "k"}), 400
    )
    again = send(api, token, data=MESSY_CSV, **{"Idempotency-Key": "k"})

    assert assert_json(again, 400) == first
    assert Upload.objects.count() == 1


def test_a_new_key_sends_again(api, token):
    send(api, token, **{"Idempotency-Key": "a"})
    send(api, token, **{"Idempotency-Key": "b"})

    assert Upload.objects.filter(state=State.QUEUED).count() == 2


def test_a_key_older_than_a_day_is_forgotten(api, token):
    send(api, token, **{"Idempotency-Key": "old"})
    ApiIdempotencyKey.objects.update(created_at="2020-01-01T00:00:00Z")

    assert_json(send(api, token, **{"Idempotency-Key": "old"}), 200)

    assert Upload.objects.count() == 2


def test_keys_are_per_team(api, token, other_team, charlie):
    _, finance = token_create(team=other_team, name="finance", actor=charlie)
    clean_finance = b"FIN-CLOSE,On Track,0.5,2026-10-31\n"
    send(api, token, **{"Idempotency-Key": "same"})

    body = assert_json(
        send(api, finance, data=clean_finance, **{"Idempotency-Key": "same"}), 200
    )

    assert Upload.objects.get(public_id=body["jobId"]).team == other_team


# --- who may ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "", "API-KEY", "API-KEY wrong-token", "Bearer x y", "x" * 500]
)
def test_it_refuses_a_missing_or_wrong_token(api, token, header):
    headers = {} if header is None else {"Authorization": header}

    body = assert_json(api.post(URL, CLEAN_CSV, "text/csv", headers=headers), 401)

    assert "API-KEY" in body["error"]
    assert not Upload.objects.exists()


def test_it_refuses_a_revoked_token(api, token, alice):
    from uploads.models import ApiToken

    token_revoke(token=ApiToken.objects.get(), actor=alice)

    assert_json(send(api, token), 401)
    assert not Upload.objects.exists()


def test_a_session_is_not_a_token(api, alice, team):
    api.force_login(alice)

    assert_json(api.post(URL, CLEAN_CSV, "text/csv"), 401)


def test_the_other_team_s_items_are_refused_for_a_token(api, token):
    body = assert_json(send(api, token, data=b"FIN-CLOSE,On Track,1,2026-10-31\n"), 400)

    assert [f["row"] for f in body["findings"] if f["severity"] == "error"] == [1]
    assert "FIN-CLOSE" not in Upload.objects.filter(state=State.QUEUED).values_list(
        "normalized_csv", flat=True
    )


@pytest.mark.parametrize("dry_run", [False, True])
def test_another_teams_id_answers_exactly_as_an_unknown_one(api, token, dry_run):
    url = URL + ("?dry_run=1" if dry_run else "")
    theirs, nobodys = (
        assert_json(send(api, token, data=data, url=url), 400)["findings"]
        for data in (
            b"FIN-CLOSE,On Track,1,2026-10-31\n",
            b"FIN-CLOSX,On Track,1,2026-10-31\n",
        )
    )

    assert [f["code"] for f in theirs] == [f["code"] for f in nobodys] == ["id.unknown"]
    assert theirs[0]["message"] == nobodys[0]["message"].replace("CLOSX", "CLOSE")


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_it_allows_only_post(api, token, method):
    response = getattr(api, method)(URL, headers={"Authorization": f"API-KEY {token}"})

    assert_json(response, 405)
    assert response["Allow"] == "POST"


def test_a_name_without_csv_is_a_json_404(api, token):
    assert_json(send(api, token, url="/api/progressupdates/weekly.txt"), 404)
    assert_json(send(api, token, url="/api/progressupdates/a/b/c.csv"), 404)


# --- limits and failures ------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413(api, token, settings):
    settings.UPLOAD_MAX_BYTES = 100

    body = assert_json(send(api, token, data=CLEAN_CSV * 2), 413)

    assert "0.0001 MB" in body["error"]
    assert not Upload.objects.exists()


def test_too_many_calls_a_minute_are_a_429(api, token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    from django.core.cache import cache

    cache.clear()
    answers = [send(api, token, url=URL + "?dry_run=true") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert "3 a minute" in answers[-1].json()["error"]
    cache.clear()


def test_an_unexpected_error_is_a_json_500(api, token, monkeypatch, caplog):
    from uploads.services import api as api_services

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api_services, "upload_create", broken)

    body = assert_json(send(api, token), 500)

    assert "disk on fire" not in body["error"]
    assert "disk on fire" in caplog.text
    assert token not in caplog.text
