"""Fixing a draft's cells in the browser (POST /uploads/<id>/revise/): the team's
uploaders and staff get a new draft checked again; anyone else changes nothing."""

from __future__ import annotations

from tests.helpers import login_url, state_of
from uploads.models import Upload
from uploads.services.drafts import upload_create

State = Upload.State
# Row 5 Status and row 6 As Of Date of MESSY_CSV, set to their suggestions.
FIXED = {"cell_5_1": "Achieved", "cell_6_3": "2026-10-31"}


def revise_url(upload: Upload) -> str:
    return f"/uploads/{upload.public_id}/revise/"


def assert_nothing_changed(messy: Upload) -> None:
    assert state_of(messy) == State.DRAFT
    assert Upload.objects.count() == 1


def test_the_preview_offers_each_bad_cell_with_its_suggestion(
    client, alice, messy_draft
):
    client.force_login(alice)
    page = client.get(f"/uploads/{messy_draft.public_id}/").content.decode()

    assert f'action="{revise_url(messy_draft)}"' in page
    assert 'name="cell_5_1" value="Acheived"' in page
    assert 'data-fill="id_cell_5_1" data-value="Achieved"' in page
    assert 'name="cell_6_3" value="31/10/2026"' in page
    assert 'data-value="2026-10-31"' in page
    assert "Apply every suggestion" in page


def test_saving_the_fixes_makes_a_clean_revision(client, alice, messy_draft):
    client.force_login(alice)
    response = client.post(revise_url(messy_draft), FIXED, follow=True)

    revision = Upload.objects.exclude(pk=messy_draft.pk).get()
    assert response.redirect_chain == [(f"/uploads/{revision.public_id}/", 302)]
    page = response.content.decode()
    assert f"Saved as #{revision.number} and checked again: ready to send." in page
    assert "Send to AchieveIt" in page
    assert f'Revision of <a href="/uploads/{messy_draft.public_id}/"' in page
    assert revision.row_count == 4
    assert state_of(messy_draft) == State.REJECTED
    original = client.get(f"/uploads/{messy_draft.public_id}/").content.decode()
    assert f'Revised as <a href="/uploads/{revision.public_id}/"' in original


def test_a_fix_still_wrong_shows_the_new_problem(client, alice, messy_draft):
    client.force_login(alice)
    data = {**FIXED, "cell_5_1": "Acheeved"}
    page = client.post(revise_url(messy_draft), data, follow=True).content.decode()

    assert "some problems remain" in page
    assert "Row 5, Status: &#x27;Acheeved&#x27; is not an AchieveIt status." in page
    assert 'name="cell_5_1" value="Acheeved"' in page  # what was typed is kept


def test_saving_nothing_changed_makes_no_draft(client, alice, messy_draft):
    client.force_login(alice)
    page = client.post(revise_url(messy_draft), {}, follow=True).content.decode()

    assert "Nothing was changed" in page
    assert_nothing_changed(messy_draft)


def test_it_sends_anonymous_visitors_to_log_in(client, messy_draft):
    response = client.post(revise_url(messy_draft), FIXED)
    assert response.status_code == 302
    assert response["Location"] == login_url(revise_url(messy_draft))
    assert_nothing_changed(messy_draft)


def test_a_viewer_cannot_fix_rows(client, bob, messy_draft):
    client.force_login(bob)
    page = client.get(f"/uploads/{messy_draft.public_id}/").content.decode()
    assert "cell_5_1" not in page
    assert client.post(revise_url(messy_draft), FIXED).status_code == 404
    assert_nothing_changed(messy_draft)


def test_it_rejects_other_teams_upload(client, charlie, messy_draft):
    client.force_login(charlie)
    assert client.post(revise_url(messy_draft), FIXED).status_code == 404
    assert_nothing_changed(messy_draft)


def test_staff_may_fix_any_teams_draft(client, operator, messy_draft):
    client.force_login(operator)
    client.post(revise_url(messy_draft), FIXED)
    revision = Upload.objects.exclude(pk=messy_draft.pk).get()
    assert (revision.created_by, revision.is_sendable) == (operator, True)


def test_a_draft_no_longer_a_draft_is_not_revised(client, alice, messy_draft):
    messy_draft.transition(expected=State.DRAFT, state=State.REJECTED)
    client.force_login(alice)
    page = client.post(revise_url(messy_draft), FIXED, follow=True).content.decode()
    assert Upload.objects.count() == 1
    assert "cell_5_1" not in page


# --- comments in the fix-in-browser grid (issue 16) ------------------------------

COMMENTED_MESSY = (
    b"External ID,Status,Current Value,As Of Date,Comment\n"
    b"SALES-Q4-01,On Track,0.45,2026-10-31,Pipeline solid\n"
    b"SALES-Q4-02,Acheived,0.5,2026-10-31,Closed early\n"
)


def test_the_grid_has_a_comment_cell_and_keeps_the_comments(
    client, alice, team, plan_items
):
    messy = upload_create(team=team, user=alice, data=COMMENTED_MESSY)
    client.force_login(alice)
    page = client.get(f"/uploads/{messy.public_id}/").content.decode()
    assert 'name="cell_3_4" value="Closed early"' in page
    assert 'Comment<span class="visually-hidden"> of row 3</span>' in page

    data = {"cell_3_1": "Achieved", "cell_3_4": "Closed early, all signed"}
    response = client.post(revise_url(messy), data, follow=True)

    revision = Upload.objects.exclude(pk=messy.pk).get()
    assert "ready to send" in response.content.decode()
    assert list(revision.rows.values_list("external_id", "comment")) == [
        ("SALES-Q4-01", "Pipeline solid"),
        ("SALES-Q4-02", "Closed early, all signed"),
    ]
    assert revision.normalized_csv.splitlines()[2] == (
        'SALES-Q4-02,Achieved,0.5,2026-10-31,"Closed early, all signed"'
    )


def test_a_comment_typed_into_a_row_without_one_is_kept(client, alice, messy_draft):
    client.force_login(alice)
    client.post(revise_url(messy_draft), {**FIXED, "cell_5_4": "Done at last"})
    revision = Upload.objects.exclude(pk=messy_draft.pk).get()
    assert revision.rows.get(line=5).comment == "Done at last"
    assert revision.rows.exclude(line=5).filter(comment="").count() == 3


def test_a_json_draft_offers_no_grid_but_may_leave_out_its_bad_records(
    client, alice, team, plan_items
):
    data = (
        b'[{"externalId": "SALES-Q4-01", "status": "Acheived", "metricValue": 1,'
        b' "asOfDate": "2026-10-31"},'
        b' {"externalId": "IT-MIGRATION", "status": "Achieved",'
        b' "asOfDate": "2026-10-31", "comment": "Moved"}]'
    )
    draft = upload_create(
        team=team, user=alice, data=data, original_name="updates.json"
    )
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert "Record 1, Status" in page
    assert 'data-testid="fix-rows"' not in page

    client.post(f"/uploads/{draft.public_id}/exclude-invalid/")

    clean = Upload.objects.exclude(pk=draft.pk).get()
    assert list(clean.rows.values_list("external_id", "comment")) == [
        ("IT-MIGRATION", "Moved")
    ]
    assert clean.is_sendable


def test_a_file_with_its_columns_in_another_order_offers_no_grid(
    client, alice, team, plan_items
):
    data = (
        b"Status,External ID,As Of Date,Current Value\n"
        b"Acheived,SALES-Q4-01,2026-10-31,1\n"
    )
    draft = upload_create(team=team, user=alice, data=data)
    client.force_login(alice)
    page = client.get(f"/uploads/{draft.public_id}/").content.decode()
    assert "Row 2, Status" in page
    assert 'data-testid="fix-rows"' not in page
