"""Entering updates in the form (/teams/<slug>/entry/): who may, what the grid
starts from, which rows become updates, and what happens to bad input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import UploadFactory, UploadRowFactory
from tests.helpers import login_url
from uploads.models import PlanItem, Upload

State = Upload.State
URL = "/teams/sales/entry/"


def grid_data(response: Any, **changes: dict[str, str]) -> dict[str, str]:
    """What the browser posts for the grid as it was shown, with `changes` made to
    some rows (by External ID, written with '_' for '-')."""
    formset = response.context["formset"]
    data = {
        "form_token": str(response.context["token"]["form_token"].value()),
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for form in formset.forms:
        row = {name: form[name].value() or "" for name in form.fields}
        for name in ("status", "value"):
            data[f"initial-{form.prefix}-{name}"] = row[name]
        row.update(changes.get(row["external_id"].replace("-", "_"), {}))
        data.update({f"{form.prefix}-{name}": value for name, value in row.items()})
    return data


def sent_before(team, external_id, status, value, state=State.SUCCEEDED, **kwargs):
    upload = UploadFactory(team=team, state=state, **kwargs)
    return UploadRowFactory(
        upload=upload, external_id=external_id, status=status, value=value
    )


# --- who may ---------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, plan_items):
    response = client.get(URL)
    assert response["Location"] == login_url(URL)
    assert client.post(URL, {})["Location"] == login_url(URL)
    assert Upload.objects.count() == 0


def test_a_viewer_is_told_they_may_look_but_not_send(client, alice, bob, plan_items):
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_02={"status": "At Risk"})
    client.force_login(bob)
    response = client.get(URL, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [("/", 302)]
    assert "not send updates" in page
    assert 'data-testid="entry-form"' not in page
    assert 'href="/entry/"' not in page  # nor in the navigation
    posted = client.post(URL, data, follow=True)
    assert "not send updates" in posted.content.decode()
    assert Upload.objects.count() == 0


def test_it_rejects_other_teams_form(client, alice, charlie, plan_items):
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_02={"status": "At Risk"})
    client.force_login(charlie)
    assert client.get(URL).status_code == 404
    assert client.post(URL, data).status_code == 404
    assert Upload.objects.count() == 0


def test_an_unknown_team_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get("/teams/no-such-team/entry/").status_code == 404


def test_staff_may_enter_updates_for_any_team(client, operator, plan_items):
    client.force_login(operator)
    data = grid_data(client.get(URL), SALES_Q4_02={"status": "At Risk", "value": "7"})
    response = client.post(URL, data)
    upload = Upload.objects.get()
    assert response["Location"] == f"/uploads/{upload.public_id}/"
    assert (upload.team.slug, upload.created_by) == ("sales", operator)


def test_it_refuses_the_wrong_method(client, alice, plan_items):
    client.force_login(alice)
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405
    assert client.post("/entry/").status_code == 405


# --- the grid --------------------------------------------------------------------


def test_an_uploader_gets_a_row_per_active_item(client, alice, plan_items):
    PlanItem.objects.filter(external_id="HR-RETENTION").update(active=False)
    client.force_login(alice)
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter updates for Sales" in page
    rows = [form["external_id"].value() for form in response.context["formset"]]
    assert rows == ["IT-MIGRATION", "SALES-Q4-01", "SALES-Q4-02"]
    assert "FIN-CLOSE" not in page  # another team's item
    assert "Q4 bookings" in page
    today = timezone.localdate().isoformat()
    assert page.count(f'value="{today}"') == 3


def test_each_row_starts_from_the_last_update_sent(client, alice, team, plan_items):
    old = timezone.now() - datetime.timedelta(days=10)
    sent_before(team, "SALES-Q4-01", "On Track", "0.45", confirmed_at=timezone.now())
    sent_before(team, "SALES-Q4-01", "At Risk", "0.2", confirmed_at=old)
    # Neither a draft nor a failed upload was sent: they do not count.
    sent_before(team, "SALES-Q4-01", "Achieved", "1", state=State.DRAFT)
    sent_before(team, "SALES-Q4-02", "Off Track", "9", state=State.FAILED)
    sent_before(team, "IT-MIGRATION", "Not Started", "", state=State.PROCESSING)
    client.force_login(alice)
    response = client.get(URL)
    shown = {
        form["external_id"].value(): (form["status"].value(), form["value"].value())
        for form in response.context["formset"]
    }
    assert shown == {
        "HR-RETENTION": ("", ""),
        "IT-MIGRATION": ("Not Started", ""),
        "SALES-Q4-01": ("On Track", "0.45"),
        "SALES-Q4-02": ("", ""),
    }
    page = response.content.decode()
    assert "Last sent: On Track, 0.45 as of 2026-10-31" in page
    assert "Nothing sent yet" in page


def test_a_team_with_no_items_is_told_what_to_do(client, alice):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert "Sales has no active plan items yet" in page
    assert "import the team's External IDs" in page
    assert 'data-testid="entry-form"' not in page


# --- posting ---------------------------------------------------------------------


def test_only_the_changed_rows_go_to_the_preview(client, alice, team, plan_items):
    sent_before(team, "SALES-Q4-01", "On Track", "0.45")
    client.force_login(alice)
    data = grid_data(
        client.get(URL),
        SALES_Q4_02={"status": "At Risk", "value": "45%"},
        IT_MIGRATION={"status": "Achieved"},
        HR_RETENTION={"as_of_date": "2026-09-30"},  # a date alone is no update
    )
    response = client.post(URL, data, follow=True)
    upload = Upload.objects.get(source=Upload.Source.FORM)
    assert response.redirect_chain == [(f"/uploads/{upload.public_id}/", 302)]
    assert (upload.source, upload.state) == (Upload.Source.FORM, State.DRAFT)
    assert list(upload.rows.values_list("line", "external_id", "status", "value")) == [
        (2, "IT-MIGRATION", "Achieved", ""),
        (4, "SALES-Q4-02", "At Risk", "0.45"),
    ]
    page = response.content.decode()
    assert "Ready to send: 2 updates" in page
    assert "Row 4 (SALES-Q4-02), Current Value: 45% was converted to 0.45" in page


def test_a_changed_value_alone_is_an_update(client, alice, team, plan_items):
    sent_before(team, "SALES-Q4-01", "On Track", "0.45")
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_01={"value": "0.5"})
    client.post(URL, data)
    row = Upload.objects.get(source=Upload.Source.FORM).rows.get()
    assert (row.external_id, row.status, row.value) == (
        "SALES-Q4-01",
        "On Track",
        "0.5",
    )


def test_an_item_with_a_metric_needs_a_value(client, alice, plan_items):
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_01={"status": "On Track"})
    page = client.post(URL, data, follow=True).content.decode()
    assert "1 problem to fix before this can be sent" in page
    assert (
        "Row 3 (SALES-Q4-01), Current Value: &#x27;SALES-Q4-01&#x27; has a metric, so"
        " its update needs a Current Value."
    ) in page
    assert not Upload.objects.get().is_sendable


def test_nothing_changed_makes_nothing(client, alice, team, plan_items):
    sent_before(team, "SALES-Q4-01", "On Track", "0.45")
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_01={"as_of_date": "2026-12-31"})
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "Nothing was changed, so there is nothing to send." in (
        response.content.decode()
    )
    assert not Upload.objects.filter(source=Upload.Source.FORM).exists()


def test_a_status_not_in_the_list_keeps_every_value_entered(client, alice, plan_items):
    client.force_login(alice)
    data = grid_data(
        client.get(URL),
        SALES_Q4_01={"status": "Done", "value": "0.75"},
        SALES_Q4_02={"status": "At Risk", "value": "1200", "as_of_date": "2026-11-02"},
    )
    response = client.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "&#x27;Done&#x27; is not an AchieveIt status. Choose one of" in page
    assert "Some rows need a fix" in page
    assert 'value="0.75"' in page
    assert 'value="1200"' in page
    assert 'value="2026-11-02"' in page
    assert '<option value="At Risk" selected>' in page
    assert '<option value="Done" selected>' in page
    assert Upload.objects.count() == 0
    # The same token comes back, so fixing and sending still makes one draft.
    assert str(response.context["token"]["form_token"].value()) == data["form_token"]


def test_a_form_posted_twice_makes_one_draft(client, alice, plan_items):
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_02={"status": "At Risk", "value": "1"})
    first = client.post(URL, data)
    again = client.post(URL, data, follow=True)
    upload = Upload.objects.get()
    assert first["Location"] == f"/uploads/{upload.public_id}/"
    assert again.redirect_chain == [(f"/uploads/{upload.public_id}/", 302)]
    assert "This form was already sent" in again.content.decode()


def test_a_page_without_its_token_keeps_what_was_entered(client, alice, plan_items):
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_02={"status": "At Risk", "value": "3"})
    data["form_token"] = "not-a-token"
    response = client.post(URL, data)
    page = response.content.decode()
    assert "This page was out of date" in page
    assert 'value="3"' in page
    assert Upload.objects.count() == 0


# --- the navigation's Enter updates ----------------------------------------------


def test_one_team_goes_straight_to_its_form(client, alice):
    client.force_login(alice)
    response = client.get("/entry/")
    assert response["Location"] == URL
    page = client.get(URL).content.decode()
    assert 'href="/entry/"' in page  # the navigation's Enter updates


def test_staff_choose_the_team(client, operator, team, other_team):
    client.force_login(operator)
    page = client.get("/entry/").content.decode()
    assert 'href="/teams/sales/entry/"' in page
    assert 'href="/teams/finance/entry/"' in page


def test_a_viewer_is_told_how_to_become_an_uploader(client, bob):
    client.force_login(bob)
    page = client.get("/entry/").content.decode()
    assert "You may not send updates for any team" in page
    assert 'href="/teams/sales/entry/"' not in page


@pytest.mark.parametrize("path", ["/entry/", URL])
def test_anonymous_visitors_log_in_first(client, path, team):
    assert client.get(path)["Location"] == login_url(path)


# --- comments (issue 16) ---------------------------------------------------------


def test_a_comment_typed_in_the_grid_is_kept_and_sent(client, alice, team, plan_items):
    client.force_login(alice)
    data = grid_data(
        client.get(URL),
        SALES_Q4_02={"status": "At Risk", "value": "0.3", "comment": "Two deals slip"},
        IT_MIGRATION={"status": "Achieved"},
    )
    page = client.post(URL, data, follow=True).content.decode()
    upload = Upload.objects.get(source=Upload.Source.FORM)
    assert list(upload.rows.values_list("external_id", "comment")) == [
        ("IT-MIGRATION", ""),
        ("SALES-Q4-02", "Two deals slip"),
    ]
    assert upload.normalized_csv.splitlines()[0] == (
        "External ID,Status,Current Value,As Of Date,Comment"
    )
    assert upload.normalized_csv.splitlines()[2].endswith(",Two deals slip")
    assert "Two deals slip" in page


def test_a_comment_alone_is_an_update_on_the_status_shown(
    client, alice, team, plan_items
):
    sent_before(team, "SALES-Q4-01", "On Track", "0.45")
    client.force_login(alice)
    data = grid_data(client.get(URL), SALES_Q4_01={"comment": "Still on track"})
    client.post(URL, data)
    row = Upload.objects.get(source=Upload.Source.FORM).rows.get()
    assert (row.status, row.value, row.comment) == (
        "On Track",
        "0.45",
        "Still on track",
    )


def test_a_grid_without_comments_sends_the_four_columns_as_before(
    client, alice, plan_items
):
    client.force_login(alice)
    data = grid_data(client.get(URL), IT_MIGRATION={"status": "Achieved"})
    client.post(URL, data)
    upload = Upload.objects.get(source=Upload.Source.FORM)
    assert upload.normalized_csv.splitlines()[0] == (
        "External ID,Status,Current Value,As Of Date"
    )
    assert upload.kind == Upload.Kind.PROGRESS


def test_the_grid_has_a_comment_field_per_row(client, alice, plan_items):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert page.count('name="form-0-comment"') == 1
    assert '<th scope="col">Comment</th>' in page
