"""The life of an upload is declared once, in Upload.ALLOWED_TRANSITIONS: the
README's list says the same, and a conditional state change the table does not
list is refused before anything is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import UploadFactory
from tests.helpers import state_of
from uploads.models import TransitionNotAllowed, Upload

State = Upload.State
README = Path(__file__).resolve().parent.parent / "README.md"


def readme_transitions() -> dict[str, frozenset[str]]:
    """The README's list under "The life of an upload": `state → next, next` lines
    and one `a, b: final` line."""
    text = README.read_text(encoding="utf-8")
    after = text.split("The life of an upload:", 1)[1]
    block = re.search(r"```\n(.*?)```", after, re.DOTALL)
    assert block, "no list of transitions after 'The life of an upload:'"
    table: dict[str, frozenset[str]] = {}
    for line in block.group(1).splitlines():
        if "→" in line:
            state, following = line.split("→")
            table[state.strip()] = frozenset(
                name.strip() for name in following.split(",")
            )
        elif line.strip().endswith(": final"):
            for state in line.strip().removesuffix(": final").split(","):
                table[state.strip()] = frozenset()
        else:
            assert not line.strip(), f"a README line the test cannot read: {line!r}"
    return table


def test_the_readme_lists_the_transitions_of_the_model():
    declared = {
        str(state): frozenset(str(following) for following in next_states)
        for state, next_states in Upload.ALLOWED_TRANSITIONS.items()
    }
    assert readme_transitions() == declared


def test_every_state_has_its_row_and_only_the_final_states_have_no_next():
    assert set(Upload.ALLOWED_TRANSITIONS) == set(State)
    for next_states in Upload.ALLOWED_TRANSITIONS.values():
        assert next_states <= set(State)
    final = {
        state
        for state, following in Upload.ALLOWED_TRANSITIONS.items()
        if not following
    }
    assert final == Upload.TERMINAL_STATES


@pytest.mark.django_db
def test_an_allowed_transition_is_made_once():
    upload = UploadFactory(state=State.FAILED)
    assert upload.transition(expected=State.FAILED, state=State.RESOLVED)
    assert state_of(upload) == State.RESOLVED
    # Someone else got there first: nothing to do, no error.
    assert not upload.transition(expected=State.FAILED, state=State.QUEUED)
    assert state_of(upload) == State.RESOLVED


@pytest.mark.django_db
def test_a_transition_the_table_does_not_list_is_refused_and_writes_nothing():
    upload = UploadFactory(state=State.SUCCEEDED)
    with pytest.raises(TransitionNotAllowed, match="from succeeded to queued"):
        upload.transition(expected=State.SUCCEEDED, state=State.QUEUED, job_id="x")
    upload.refresh_from_db()
    assert (upload.state, upload.job_id) == (State.SUCCEEDED, "")


@pytest.mark.django_db
def test_each_expected_state_must_allow_the_next():
    # failed → resolved is allowed, draft → resolved is not: the whole call is
    # refused, even for an upload that is failed.
    upload = UploadFactory(state=State.FAILED)
    with pytest.raises(TransitionNotAllowed, match="from draft to resolved"):
        upload.transition(
            expected=frozenset({State.FAILED, State.DRAFT}), state=State.RESOLVED
        )
    assert state_of(upload) == State.FAILED


@pytest.mark.django_db
def test_where_adds_conditions_to_the_update():
    upload = UploadFactory(state=State.QUEUED, submit_attempts=2)
    claim = {"expected": State.QUEUED, "state": State.SUBMITTING}
    assert not upload.transition(**claim, where={"submit_attempts": 1})
    assert state_of(upload) == State.QUEUED
    assert upload.transition(**claim, where={"submit_attempts": 2})
    assert state_of(upload) == State.SUBMITTING


@pytest.mark.django_db
def test_changes_that_keep_the_state_are_not_transitions():
    upload = UploadFactory(state=State.PROCESSING)
    assert upload.transition(expected=State.PROCESSING, poll_count=3)
    upload.refresh_from_db()
    assert (upload.state, upload.poll_count) == (State.PROCESSING, 3)
