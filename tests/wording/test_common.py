"""Words every page, export and answer share (uploads/wording/common.py)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from uploads.wording.common import (
    count,
    read_yes_no,
    too_large_message,
    with_article,
    yes_no,
)


def test_a_count_takes_its_plural():
    assert count(1, "update") == "1 update"
    assert count(4, "update") == "4 updates"
    assert count(0, "error") == "0 errors"
    assert count(2, "person", "people") == "2 people"


def test_a_role_takes_its_article():
    assert with_article("viewer") == "a viewer"
    assert with_article("uploader") == "an uploader"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("yes", True),
        (" TRUE ", True),
        ("1", True),
        ("y", True),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", False),
        ("maybe", None),
        ("on", None),
    ],
)
def test_yes_no_words_are_read_one_way(written, read):
    assert read_yes_no(written) is read


def test_a_boolean_is_written_yes_or_no():
    assert (yes_no(True), yes_no(False), yes_no(None)) == ("Yes", "No", "No")


def test_the_413_message_names_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10_000_000
    assert too_large_message() == (
        "The file is larger than 10 MB, the most one upload may be. "
        "Split the file into smaller files and send each one."
    )
    settings.UPLOAD_MAX_BYTES = 200_000
    assert "larger than 0.2 MB" in too_large_message()


def test_pages_write_a_boolean_with_the_same_words():
    page = Template("{% load portal %}{{ on|yes_no }}/{{ off|yes_no }}")
    assert page.render(Context({"on": True, "off": None})) == "Yes/No"
