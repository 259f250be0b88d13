"""A team name is plain text everywhere it can be set (the model, the create_team
command, the admin, the teams page): it is printed in pages, CSV files and email
subjects, where a line break or another control character breaks or hides what
follows. The command's and the admin's checks are in test_commands.py and
test_admin.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from uploads.models import Team, without_control_characters
from uploads.services.errors import ServiceError
from uploads.services.teams import team_create

BAD_NAMES = ["Sales\nTeam", "Sales\r", "Sales\tTeam", "Sales\x00", "\u202eSales"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_model_refuses_a_control_character(db, name):
    with pytest.raises(ValidationError, match="no line breaks"):
        Team(slug="ops", name=name).full_clean()


@pytest.mark.parametrize("name", ["Sales", "R&D <Labs>", "Équipe café ☕", "財務"])
def test_plain_names_in_any_script_are_fine(db, name):
    Team(slug="ops", name=name).full_clean()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_service_refuses_it_with_a_clear_message(db, name):
    with pytest.raises(ServiceError, match="That team name cannot be used"):
        team_create(slug="ops", name=name)
    assert not Team.objects.exists()


def test_the_teams_page_refuses_it(client, operator):
    client.force_login(operator)

    response = client.post(
        "/teams/", {"slug": "ops", "name": "Ops\nTeam", "create": "Create the team"}
    )

    assert response.status_code == 400
    assert "no line breaks, tabs or other control characters" in (
        response.content.decode()
    )
    assert not Team.objects.filter(slug="ops").exists()


def test_a_header_gets_one_clean_line():
    assert without_control_characters(" Sales\r\n\tTeam\x00\u2028Q4 ") == (
        "Sales Team Q4"
    )
