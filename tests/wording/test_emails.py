"""Each email's context and rendering (uploads/wording/emails.py); the texts are
templates/emails/. The problem email's sending: tests/test_emails.py."""

from __future__ import annotations

from uploads.models import Membership, Upload
from uploads.wording import emails


def test_an_invitation_without_a_team_says_the_account_is_ready(alice, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3 * 86400
    email = emails.invitation(
        user=alice, team=None, membership=None, inviter=None, link="https://x/set"
    )
    assert (
        email.subject == "[AchieveIt portal] Your account is ready: set your password"
    )
    assert "An operator has given you an account on the AchieveIt update portal." in (
        email.body
    )
    assert "Your username: alice" in email.body
    assert "(the link works once, for 3 days):\nhttps://x/set" in email.body
    assert f"Then log in at {settings.PORTAL_BASE_URL}/accounts/login/" in email.body


def test_an_invitation_to_a_team_names_the_role_and_who_invited(alice, operator, team):
    membership = Membership.objects.get(user=alice, team=team)
    email = emails.invitation(
        user=alice, team=team, membership=membership, inviter=operator, link="l"
    )
    assert email.subject == (
        "[AchieveIt portal] You are invited to Sales: set your password"
    )
    assert (
        "operator has given you an account on the AchieveIt update portal, as an "
        "uploader of Sales." in email.body
    )


def test_the_problem_email_links_the_upload(team, alice, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    upload = Upload.objects.create(
        team=team,
        created_by=alice,
        source="csv",
        row_count=2,
        state=Upload.State.FAILED,
        error_text="No.",
    )
    email = emails.upload_problem(upload)
    assert (
        email.subject == f"[AchieveIt portal] Upload #{upload.number} for Sales failed"
    )
    assert f"Upload #{upload.number} (2 updates for Sales) failed" in email.body
    assert (
        f"See it in the portal: https://portal.example.org/uploads/{upload.public_id}/"
        in email.body
    )
