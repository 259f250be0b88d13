"""The script API's limits: invalid tokens throttled per address (a 429 with
Retry-After, whatever token the address sends next), and a limiter that fails open
while its cache (Redis) is down, so the call answers as usual."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from tests.pipeline import CLEAN_CSV
from uploads.models import Upload
from uploads.services.tokens import token_create

URL = "/api/progressupdates/weekly.csv"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Nothing listens on port 1: every cache call fails at once.
CLOSED_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def token(team, alice):
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    return plaintext


@pytest.fixture
def counted(settings):
    """A cache that counts (the test settings' dummy cache counts nothing)."""
    settings.CACHES = LOCMEM
    cache.clear()
    yield
    cache.clear()


def send(token, *, address="203.0.113.7", data=CLEAN_CSV, url=URL):
    client = Client(REMOTE_ADDR=address)
    return client.post(
        url,
        data=data,
        content_type="text/csv",
        headers={"Authorization": f"API-KEY {token}"},
    )


def test_invalid_tokens_from_one_address_are_throttled(
    counted, token, plan_items, settings
):
    settings.API_BAD_TOKENS_PER_MINUTE = 3

    answers = [send("not-a-token").status_code for _ in range(4)]

    assert answers == [401, 401, 401, 429]
    refused = send("still-not-a-token")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "invalid API token" in refused.json()["error"]
    # The throttled address learns nothing from a guess, right or wrong.
    assert send(token).status_code == 429
    assert not Upload.objects.exists()


def test_another_address_is_not_throttled_by_someone_elses_guesses(
    counted, token, plan_items, settings
):
    settings.API_BAD_TOKENS_PER_MINUTE = 2
    for _ in range(3):
        send("not-a-token", address="203.0.113.7")

    assert send(token, address="198.51.100.4").status_code == 200


def test_valid_calls_do_not_count_as_bad_tokens(counted, token, plan_items, settings):
    settings.API_BAD_TOKENS_PER_MINUTE = 2

    answers = [send(token, url=URL + "?dry_run=true").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 200]


def test_while_the_cache_is_down_the_api_answers_as_usual(
    token, plan_items, settings, caplog
):
    settings.CACHES = CLOSED_REDIS
    caplog.set_level(logging.WARNING, logger="uploads.views.api")

    answer = send(token)

    assert answer.status_code == 200, answer.content
    assert Upload.objects.get().state == Upload.State.QUEUED
    assert "not counted" in caplog.text
    assert send("not-a-token").status_code == 401
