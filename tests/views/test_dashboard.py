"""The dashboard (/): each person's teams with their role, and their teams' recent
uploads; nothing of other teams, everything for staff, the login page for anyone
else."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url, make_user


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert response["Location"] == login_url("/")


def test_the_dashboard_lists_only_the_users_teams(client, alice, other_team):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sales" in response.content
    assert b"Uploader" in response.content
    assert other_team.name.encode() not in response.content


def test_a_viewer_sees_the_team_and_its_uploads(client, bob, alice, team):
    upload = UploadFactory(team=team, created_by=alice)
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert "<td>Sales</td><td>Viewer</td>" in page
    assert f'href="/uploads/{upload.pk}/"' in page


def test_it_hides_other_teams_uploads(client, alice, charlie, team, other_team):
    theirs = UploadFactory(team=other_team, created_by=charlie)
    ours = UploadFactory(team=team, created_by=alice)
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert f'href="/uploads/{ours.pk}/"' in page
    assert f'href="/uploads/{theirs.pk}/"' not in page
    assert "charlie" not in page


def test_staff_see_every_team(client, operator, team, other_team):
    client.force_login(operator)
    response = client.get("/")
    assert b"Sales" in response.content
    assert b"Finance" in response.content


def test_staff_see_every_teams_uploads(
    client, operator, alice, charlie, team, other_team
):
    uploads = [
        UploadFactory(team=team, created_by=alice),
        UploadFactory(team=other_team, created_by=charlie),
    ]
    client.force_login(operator)
    page = client.get("/").content.decode()
    for upload in uploads:
        assert f'href="/uploads/{upload.pk}/"' in page


def test_only_uploaders_and_staff_get_the_upload_button(client, alice, bob, operator):
    for user, expected in ((alice, True), (bob, False), (operator, True)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('data-testid="upload-sales"' in page) is expected, user.username


def test_it_lists_the_twenty_most_recent_uploads(client, alice, team):
    uploads = UploadFactory.create_batch(25, team=team, created_by=alice)
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert page.count('href="/uploads/') == 20
    assert f'href="/uploads/{uploads[-1].pk}/"' in page
    assert f'href="/uploads/{uploads[0].pk}/"' not in page


def test_someone_in_no_team_is_told_to_ask_an_operator(client, db):
    client.force_login(make_user("dana"))
    page = client.get("/").content.decode()
    assert "You are not a member of any team yet. Ask an operator" in page
    assert "No uploads yet." in page
