from __future__ import annotations

from uploads.models import Upload


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_answers(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_the_dashboard_lists_only_the_users_teams(client, alice, other_team):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sales" in response.content
    assert b"Uploader" in response.content
    assert other_team.name.encode() not in response.content


def test_it_rejects_other_teams_upload_with_404(client, alice, charlie, team):
    upload = Upload.objects.create(team=team, created_by=alice, source="csv")
    client.force_login(charlie)
    assert client.get(f"/uploads/{upload.pk}/").status_code == 404
    client.force_login(alice)
    assert client.get(f"/uploads/{upload.pk}/").status_code == 200


def test_staff_see_every_team(client, operator, team, other_team):
    client.force_login(operator)
    response = client.get("/")
    assert b"Sales" in response.content
    assert b"Finance" in response.content


def test_login_is_throttled_after_repeated_failures(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-pass-1"}
    )
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_the_live_state_badge_is_scoped_to_the_team(client, alice, charlie, team):
    upload = Upload.objects.create(
        team=team, created_by=alice, source="csv", state=Upload.State.PROCESSING
    )
    client.force_login(charlie)
    assert client.get(f"/uploads/{upload.pk}/state/").status_code == 404
    client.force_login(alice)
    same = client.get(f"/uploads/{upload.pk}/state/?shown=processing")
    assert b"Processing at AchieveIt" in same.content
    assert "HX-Refresh" not in same
    moved_on = client.get(f"/uploads/{upload.pk}/state/?shown=queued")
    assert moved_on["HX-Refresh"] == "true"


def test_an_unknown_page_says_so_in_plain_words(client, alice, settings):
    settings.DEBUG = False
    client.force_login(alice)
    response = client.get("/uploads/999999/")
    assert response.status_code == 404
    assert b"belongs to a team you are not a member of" in response.content


def test_only_uploaders_and_staff_get_the_upload_button(client, alice, bob, operator):
    for user, expected in ((alice, True), (bob, False), (operator, True)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('data-testid="upload-sales"' in page) is expected, user.username
