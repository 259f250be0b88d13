"""API tokens: made with a name and shown once, kept only as a hash, found again
from either header form, revoked for good; each change in the history without the
token; the last-used time written at most once a minute."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from uploads.models import ApiToken, AuditEvent
from uploads.services.errors import ServiceError
from uploads.services.tokens import token_authenticate, token_create, token_revoke


def test_a_token_is_kept_only_as_its_hash(team, alice):
    token, plaintext = token_create(team=team, name="  weekly   export ", actor=alice)

    assert len(plaintext) >= 40
    assert token.name == "weekly export"
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext.startswith(token.prefix)
    assert len(token.prefix) == 8
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in str(stored)


def test_each_token_is_new(team, alice):
    first = token_create(team=team, name="a", actor=alice)[1]
    second = token_create(team=team, name="a", actor=alice)[1]

    assert first != second


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_short_name(team, alice, name):
    with pytest.raises(ServiceError):
        token_create(team=team, name=name, actor=alice)
    assert not ApiToken.objects.exists()


def test_making_and_revoking_are_in_the_history_without_the_token(team, alice):
    token, plaintext = token_create(team=team, name="weekly export", actor=alice)
    assert token_revoke(token=token, actor=alice)

    events = list(AuditEvent.objects.filter(team=team))
    assert [event.sentence for event in events] == [
        "alice created the API token 'weekly export'",
        "alice revoked the API token 'weekly export'",
    ]
    assert all(plaintext not in str(event.details) for event in events)


@pytest.mark.parametrize("form", ["API-KEY {}", "api-key  {} ", "{}", " {}"])
def test_it_finds_the_token_from_either_header_form(team, alice, form):
    token, plaintext = token_create(team=team, name="t", actor=alice)

    assert token_authenticate(form.format(plaintext)) == token


@pytest.mark.parametrize(
    "header", [None, "", "API-KEY", "API-KEY ", "Bearer abc", "API-KEY a b", "\x00"]
)
def test_it_finds_nothing_for_a_wrong_header(team, alice, header):
    token_create(team=team, name="t", actor=alice)

    assert token_authenticate(header) is None


def test_a_revoked_token_is_found_no_more(team, alice):
    token, plaintext = token_create(team=team, name="t", actor=alice)
    token_revoke(token=token, actor=alice)

    assert token_authenticate(plaintext) is None
    # Revoking twice changes nothing and says so.
    assert token_revoke(token=token, actor=alice) is False
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_the_last_use_is_written_at_most_once_a_minute(team, alice):
    _token, plaintext = token_create(team=team, name="t", actor=alice)

    token_authenticate(plaintext)
    first = ApiToken.objects.get().last_used_at
    token_authenticate(plaintext)
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    token_authenticate(plaintext)
    assert ApiToken.objects.get().last_used_at > first


def test_the_command_prints_the_token_once(team, capsys):
    call_command("create_api_token", "sales", "--name", "nightly push")

    out, err = capsys.readouterr()
    plaintext = out.strip()
    assert token_authenticate(f"API-KEY {plaintext}").name == "nightly push"
    assert "shown only now" in err
    assert plaintext not in err


def test_the_command_names_a_missing_team(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="create_team nowhere"):
        call_command("create_api_token", "nowhere", "--name", "x")
