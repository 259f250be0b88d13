"""The live state badge (/uploads/<id>/state/) htmx polls while an upload is on its
way: the same people as the upload page see it, and it reloads the page when the
state moves on."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url
from uploads.models import Upload

State = Upload.State


def badge_url(upload: Upload, shown: str) -> str:
    return f"/uploads/{upload.public_id}/state/?shown={shown}"


def test_it_sends_anonymous_visitors_to_log_in(client, draft):
    response = client.get(f"/uploads/{draft.public_id}/state/")
    assert response.status_code == 302
    assert response["Location"] == login_url(f"/uploads/{draft.public_id}/state/")


def test_the_live_state_badge_is_scoped_to_the_team(client, alice, charlie, team):
    upload = Upload.objects.create(
        team=team, created_by=alice, source="csv", state=Upload.State.PROCESSING
    )
    client.force_login(charlie)
    assert client.get(f"/uploads/{upload.public_id}/state/").status_code == 404
    client.force_login(alice)
    same = client.get(f"/uploads/{upload.public_id}/state/?shown=processing")
    assert b"Processing at AchieveIt" in same.content
    assert "HX-Refresh" not in same
    moved_on = client.get(f"/uploads/{upload.public_id}/state/?shown=queued")
    assert moved_on["HX-Refresh"] == "true"


def test_a_viewer_sees_the_badge(client, bob, draft):
    client.force_login(bob)
    response = client.get(badge_url(draft, "draft"))
    assert response.status_code == 200
    assert b">Draft</span>" in response.content


def test_staff_see_any_teams_badge(client, operator, other_team):
    upload = UploadFactory(team=other_team, state=State.QUEUED)
    client.force_login(operator)
    response = client.get(badge_url(upload, "queued"))
    assert response.status_code == 200
    assert b">Queued</span>" in response.content


def test_a_finished_upload_stops_the_polling(client, alice, team):
    upload = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    client.force_login(alice)
    response = client.get(badge_url(upload, "processing"))
    assert response["HX-Refresh"] == "true"  # the page reloads once more...
    assert b"Succeeded" in response.content
    assert b"hx-get" not in response.content  # ...and stops asking
