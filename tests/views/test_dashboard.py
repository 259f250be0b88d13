"""The dashboard (/): each person's teams with their role and how current their plan
items are, what needs the person's attention (their drafts, their teams'
failures), uploads per week, and what was sent recently; nothing of other teams,
everything for staff, the login page for anyone else."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PlanItemFactory, TeamFactory, UploadFactory
from tests.helpers import login_url, make_user
from uploads.models import PlanItem, Upload

SENT = Upload.State.SUCCEEDED


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
    upload = UploadFactory(team=team, created_by=alice, state=SENT)
    draft = UploadFactory(team=team, created_by=alice)
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert '<h3 class="card-title text-break">Sales</h3>' in page
    assert ">Viewer</span>" in page
    assert f'href="/uploads/{upload.public_id}/"' in page
    # Drafts are their author's business until sent.
    assert f'href="/uploads/{draft.public_id}/"' not in page


def test_it_hides_other_teams_uploads(client, alice, charlie, team, other_team):
    theirs = UploadFactory(team=other_team, created_by=charlie)
    ours = UploadFactory(team=team, created_by=alice)
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert f'href="/uploads/{ours.public_id}/"' in page
    assert f'href="/uploads/{theirs.public_id}/"' not in page
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
        UploadFactory(team=team, created_by=alice, state=SENT),
        UploadFactory(team=other_team, created_by=charlie, state=SENT),
    ]
    client.force_login(operator)
    page = client.get("/").content.decode()
    for upload in uploads:
        assert f'href="/uploads/{upload.public_id}/"' in page


def test_only_uploaders_and_staff_get_the_upload_button(client, alice, bob, operator):
    for user, expected in ((alice, True), (bob, False), (operator, True)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('data-testid="upload-sales"' in page) is expected, user.username
        assert ('href="/teams/sales/entry/"' in page) is expected, user.username


def test_it_lists_the_ten_most_recently_sent_uploads(client, alice, team):
    uploads = UploadFactory.create_batch(12, team=team, created_by=alice, state=SENT)
    client.force_login(alice)
    page = client.get("/").content.decode()
    recent = page.split('data-testid="uploads"')[1].split("</table>")[0]
    assert recent.count('href="/uploads/') == 10
    assert f'href="/uploads/{uploads[-1].public_id}/"' in page
    assert f'href="/uploads/{uploads[0].public_id}/"' not in page
    assert "updates.csv" in page  # the file name, and its source
    assert "CSV file · 1 update" in page


def test_drafts_sit_in_your_drafts_not_among_what_was_sent(client, alice, team):
    draft = UploadFactory(team=team, created_by=alice, original_name="week 47.csv")
    client.force_login(alice)
    page = client.get("/").content.decode()
    drafts = page.split('data-testid="drafts"')[1].split("</div>")[0]
    assert f'href="/uploads/{draft.public_id}/"' in drafts
    assert "week 47.csv" in drafts
    assert "Nothing sent yet" in page


def test_failures_of_the_team_need_attention(client, bob, alice, team, other_team):
    failed = UploadFactory(team=team, created_by=alice, state=Upload.State.FAILED)
    review = UploadFactory(team=team, state=Upload.State.NEEDS_REVIEW)
    elsewhere = UploadFactory(team=other_team, state=Upload.State.FAILED)
    client.force_login(bob)
    page = client.get("/").content.decode()
    problems = page.split('data-testid="problems"')[1].split("</div>")[0]
    assert f'href="/uploads/{failed.public_id}/"' in problems
    assert f'href="/uploads/{review.public_id}/"' in problems
    assert f'href="/uploads/{elsewhere.public_id}/"' not in page


def test_stale_plan_items_are_named_per_team(client, alice, team, settings):
    now = timezone.now()
    team.stale_after_days = 14
    team.save()
    PlanItem.objects.create(team=team, external_id="FRESH", last_updated_at=now)
    PlanItem.objects.create(
        team=team, external_id="OLD", last_updated_at=now - timedelta(days=20)
    )
    PlanItem.objects.create(team=team, external_id="NEVER", name="Never sent")
    PlanItem.objects.create(team=team, external_id="GONE", active=False)
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "1 of 3</strong> plan items updated in AchieveIt in the last 14 days" in page
    assert "2 stale: not updated in 14 days" in page
    stale = page.split('data-testid="stale-sales"')[1].split("</ul>")[0]
    assert stale.index("NEVER") < stale.index("OLD")  # never updated comes first
    assert "FRESH" not in stale
    assert "GONE" not in stale


def test_the_weekly_chart_counts_sent_uploads_by_outcome(client, alice, team):
    UploadFactory.create_batch(2, team=team, state=SENT)
    UploadFactory(team=team, state=Upload.State.FAILED)
    UploadFactory(team=team, state=Upload.State.DRAFT)  # not sent: not counted
    client.force_login(alice)
    page = client.get("/").content.decode()
    data = json.loads(
        page.split('id="weekly-outcomes" type="application/json">')[1].split(
            "</script>"
        )[0]
    )
    assert len(data["weeks"]) == 12
    assert data["series"]["Succeeded"][-1] == 2
    assert data["series"]["Failed or needs review"][-1] == 1
    assert sum(sum(values) for values in data["series"].values()) == 3


def test_someone_in_no_team_is_told_to_ask_an_operator(client, db):
    client.force_login(make_user("dana"))
    page = client.get("/").content.decode()
    assert "You are not a member of any team yet" in page
    assert "Ask an operator to add you to your team" in page


def test_the_number_of_queries_does_not_grow_with_teams_items_or_uploads(
    client, operator
):
    def queries_for_dashboard() -> int:
        client.force_login(operator)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    team = TeamFactory()
    PlanItemFactory(team=team)
    UploadFactory(team=team, state=SENT)
    UploadFactory(team=team, state=Upload.State.FAILED)
    UploadFactory(team=team, created_by=operator)
    few = queries_for_dashboard()
    for _ in range(5):
        more = TeamFactory(stale_after_days=7)
        PlanItemFactory.create_batch(10, team=more)
        UploadFactory.create_batch(3, team=more, state=Upload.State.FAILED)
        UploadFactory.create_batch(3, team=more, created_by=operator)
    assert queries_for_dashboard() == few + 1  # one more distinct stale period


def lead(page: str) -> str:
    return page.split('data-testid="next-step"')[1].split('data-testid="numbers"')[0]


def test_a_first_time_uploader_is_asked_to_enter_this_weeks_updates(
    client, alice, plan_items
):
    client.force_login(alice)
    page = client.get("/").content.decode()
    first = lead(page)
    assert 'data-step="first"' in first
    assert '<h2 class="h1 mb-2">Enter this week\'s updates</h2>' in first
    action = first.split('data-testid="next-step-action"')[0].rsplit("<a ", 1)[1]
    assert 'href="/entry/"' in action
    # The numbers a plan owner acts on: four never-updated items, nothing failed.
    numbers = page.split('data-testid="numbers"')[1].split('data-testid="teams"')[0]
    to_update = numbers.split('data-testid="number-to-update"')[1]
    assert (
        '<div class="stat-number">4</div>' in to_update.split("</div>\n    </div>")[0]
    )
    failed = numbers.split('data-testid="number-failed"')[1]
    assert "nothing failed" in failed.split("</div>\n    </div>")[0]


def test_a_failure_comes_first_once_the_person_has_sent(client, alice, team):
    UploadFactory(team=team, created_by=alice, state=SENT)
    failed = UploadFactory(team=team, created_by=alice, state=Upload.State.FAILED)
    client.force_login(alice)
    first = lead(client.get("/").content.decode())
    assert "1 upload failed or waits for review" in first
    assert (
        f'href="/uploads/{failed.public_id}/" data-testid="next-step-action"' in first
    )


def test_a_draft_ready_to_send_is_the_next_step(client, alice, team):
    UploadFactory(team=team, created_by=alice, state=SENT)
    draft = UploadFactory(team=team, created_by=alice)
    client.force_login(alice)
    first = lead(client.get("/").content.decode())
    assert f"Your draft #{draft.number} is ready to send" in first
    assert f'href="/uploads/{draft.public_id}/"' in first


def test_stale_items_are_the_next_step_then_all_is_up_to_date(
    client, alice, team, plan_items
):
    UploadFactory(team=team, created_by=alice, state=SENT)
    client.force_login(alice)
    assert "4 plan items to update" in lead(client.get("/").content.decode())
    PlanItem.objects.update(last_updated_at=timezone.now())
    first = lead(client.get("/").content.decode())
    assert "Every plan item is up to date" in first


def test_a_viewer_is_not_asked_to_send(client, bob, plan_items):
    client.force_login(bob)
    first = lead(client.get("/").content.decode())
    assert 'data-step="none"' in first
    assert "/entry/" not in first


def test_the_stale_list_says_how_many_more_there_are(client, alice, team):
    for number in range(8):
        PlanItem.objects.create(team=team, external_id=f"OLD-{number}")
    client.force_login(alice)
    page = client.get("/").content.decode()
    more = page.split('data-testid="stale-more-sales"')[1].split("</li>")[0]
    assert "and 3 more" in more
    assert "in all" not in more
    assert 'href="/items/?team=sales"' in more


def test_the_drafts_card_leads_to_every_draft(client, alice, team):
    UploadFactory.create_batch(12, team=team, created_by=alice)
    client.force_login(alice)
    page = client.get("/").content.decode()
    link = page.split('data-testid="all-drafts"')[1].split("</a>")[0]
    assert "All 12 drafts" in link
    assert (
        'href="/uploads/?whose=mine&amp;state=draft" data-testid="all-drafts"' in page
    )
    drafts = page.split('data-testid="drafts"')[1].split("</div>")[0]
    assert drafts.count('class="list-group-item ') == 10


def test_the_brand_is_one_name(client, alice):
    client.force_login(alice)
    page = client.get("/").content.decode()
    brand = page.split('data-testid="brand"')[1].split("</a>")[0]
    # The same words at every width: nothing in it is shown or hidden by size.
    assert "d-lg-none" not in brand
    assert "d-xxl-inline" not in brand
    assert 'AchieveIt <span class="portal-brand-sub">update portal</span>' in brand
    assert 'data-bs-theme="dark"' not in page
