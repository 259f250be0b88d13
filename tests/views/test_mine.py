"""The uploads page (/uploads/): a person's uploads and their teams', filtered by
whose, team, state and source, searched by number, paged; drafts say whether they
are ready to send; several drafts are discarded at once (POST /uploads/discard/),
each through the one discard service and audited; nothing of other teams."""

from __future__ import annotations

from tests.factories import UploadFactory
from tests.helpers import login_url, state_of
from uploads.models import AuditEvent, Upload

State = Upload.State
URL = "/uploads/"
DISCARD = "/uploads/discard/"


def rows(page: str) -> str:
    return page.split('data-testid="uploads"')[1].split("</table>")[0]


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == login_url(URL)


def test_it_lists_my_uploads_and_my_teams_but_not_others_drafts(
    client, alice, bob, charlie, team, other_team
):
    mine = UploadFactory(team=team, created_by=alice, original_name="mine.csv")
    my_sent = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    bobs_sent = UploadFactory(team=team, created_by=bob, state=State.FAILED)
    bobs_draft = UploadFactory(team=team, created_by=bob)
    finance = UploadFactory(team=other_team, created_by=charlie, state=State.FAILED)
    client.force_login(alice)
    page = client.get(URL).content.decode()
    table = rows(page)
    for shown in (mine, my_sent, bobs_sent):
        assert f'href="/uploads/{shown.public_id}/"' in table
    # Another person's draft is theirs until sent; another team's upload is not here.
    assert f'href="/uploads/{bobs_draft.public_id}/"' not in page
    assert f'href="/uploads/{finance.public_id}/"' not in page
    assert "3 uploads" in page


def test_drafts_say_which_are_ready_and_which_have_errors(client, alice, team):
    ready = UploadFactory(team=team, created_by=alice)
    broken = UploadFactory(
        team=team,
        created_by=alice,
        normalized_csv="",
        row_count=0,
        findings=[
            {"severity": "error", "line": 2, "column": "Status", "message": "a"},
            {"severity": "error", "line": 3, "column": "Status", "message": "b"},
            {"severity": "fixed", "line": 4, "column": "Metric", "message": "c"},
        ],
    )
    client.force_login(alice)
    table = rows(client.get(URL).content.decode())
    ready_row = table.split(f"#{ready.number}<")[1].split("</tr>")[0]
    broken_row = table.split(f"#{broken.number}<")[1].split("</tr>")[0]
    assert "Ready to send" in ready_row
    assert "2 errors to fix" in broken_row
    assert "Ready to send" not in broken_row


def test_it_filters_by_state_source_and_whose(client, alice, bob, team):
    draft = UploadFactory(team=team, created_by=alice)
    form = UploadFactory(
        team=team, created_by=alice, state=State.SUCCEEDED, source=Upload.Source.FORM
    )
    bobs = UploadFactory(team=team, created_by=bob, state=State.SUCCEEDED)
    client.force_login(alice)

    def listed(query: str) -> set[int]:
        response = client.get(URL + query)
        assert response.status_code == 200
        page = response.content.decode()
        if 'data-testid="uploads"' not in page:
            return set()
        return {
            upload.pk
            for upload in (draft, form, bobs)
            if f"#{upload.number}<" in rows(page)
        }

    assert listed("?state=draft") == {draft.pk}
    assert listed("?source=form") == {form.pk}
    assert listed("?whose=mine") == {draft.pk, form.pk}
    assert listed("?whose=others") == {bobs.pk}
    assert listed("?state=succeeded&whose=mine") == {form.pk}
    assert listed("?state=failed") == set()


def test_it_finds_an_upload_by_its_number(client, alice, team):
    uploads = UploadFactory.create_batch(3, team=team, created_by=alice)
    client.force_login(alice)
    number = uploads[1].number
    for query in (str(number), f"%23{number}", f"+{number}+"):
        page = client.get(f"{URL}?number={query}").content.decode()
        assert f'href="/uploads/{uploads[1].public_id}/"' in page
        assert f'href="/uploads/{uploads[0].public_id}/"' not in page


def test_an_invalid_filter_is_a_400_that_says_why(client, alice, team):
    client.force_login(alice)
    for query in ("?number=abc", "?state=sent", "?source=fax", "?team=finance"):
        response = client.get(URL + query)
        assert response.status_code == 400, query
        assert 'data-testid="filter-errors"' in response.content.decode()
    page = client.get(URL + "?number=abc").content.decode()
    assert "such as 123 or #123" in page


def test_it_pages_25_at_a_time_and_a_page_past_the_end_is_a_400(client, alice, team):
    uploads = UploadFactory.create_batch(30, team=team, created_by=alice)
    client.force_login(alice)
    first = client.get(URL).content.decode()
    assert first.count('data-testid="upload-row"') == 25
    assert "Page 1 of 2" in first
    second = client.get(URL + "?page=2").content.decode()
    assert second.count('data-testid="upload-row"') == 5
    assert f'href="/uploads/{uploads[0].public_id}/"' in second  # the oldest last
    response = client.get(URL + "?page=3")
    assert response.status_code == 400
    assert 'data-testid="broken-link"' in response.content.decode()


def test_the_filters_stay_on_the_page_links(client, alice, team):
    UploadFactory.create_batch(30, team=team, created_by=alice)
    client.force_login(alice)
    page = client.get(URL + "?state=draft").content.decode()
    assert "?state=draft&amp;page=2" in page


def test_an_empty_list_says_what_to_do(client, alice, bob):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert "No uploads yet" in page
    assert "Enter this week's updates" in page
    client.force_login(bob)  # a viewer is not asked to send
    page = client.get(URL).content.decode()
    assert "appear here once someone sends one" in page
    assert "Enter this week's updates" not in page


def test_only_my_own_drafts_can_be_ticked(client, alice, bob, team):
    mine = UploadFactory(team=team, created_by=alice)
    sent = UploadFactory(team=team, created_by=alice, state=State.SUCCEEDED)
    client.force_login(alice)
    page = client.get(URL).content.decode()
    assert f'value="{mine.public_id}"' in page
    assert f'value="{sent.public_id}"' not in page
    client.force_login(bob)  # a viewer discards nothing
    page = client.get(URL).content.decode()
    assert 'name="uploads"' not in page
    assert "Discard the ticked drafts" not in page


def test_several_drafts_are_discarded_at_once_each_audited(client, alice, team):
    drafts = UploadFactory.create_batch(3, team=team, created_by=alice)
    client.force_login(alice)
    response = client.post(
        DISCARD,
        {
            "uploads": [str(d.public_id) for d in drafts[:2]],
            "next": "/uploads/?state=draft",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/uploads/?state=draft", 302)]
    assert "Discarded 2 drafts: nothing was sent." in response.content.decode()
    assert [state_of(d) for d in drafts] == [
        State.REJECTED,
        State.REJECTED,
        State.DRAFT,
    ]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.UPLOAD_REJECTED)
    assert sorted(event.upload_id for event in events) == sorted(
        d.pk for d in drafts[:2]
    )
    assert {event.actor for event in events} == {alice}


def test_it_refuses_anothers_draft_or_a_sent_upload_and_changes_nothing(
    client, alice, bob, charlie, team, other_team
):
    mine = UploadFactory(team=team, created_by=alice)
    for other in (
        UploadFactory(team=team, created_by=bob),
        UploadFactory(team=other_team, created_by=charlie),
        UploadFactory(team=team, created_by=alice, state=State.QUEUED),
    ):
        client.force_login(alice)
        response = client.post(
            DISCARD, {"uploads": [str(mine.public_id), str(other.public_id)]}
        )
        assert response.status_code == 400
        assert "Nothing was discarded" in response.content.decode()
        assert state_of(mine) == State.DRAFT
        assert state_of(other) == other.state


def test_a_viewer_cannot_discard_and_nothing_ticked_is_a_400(client, alice, bob, team):
    draft = UploadFactory(team=team, created_by=bob)
    client.force_login(bob)  # bob is a viewer now, whatever he made before
    assert client.post(DISCARD, {"uploads": [str(draft.public_id)]}).status_code == 400
    assert state_of(draft) == State.DRAFT
    client.force_login(alice)
    response = client.post(DISCARD, {})
    assert response.status_code == 400
    assert "Tick the drafts to discard first." in response.content.decode()


def test_it_goes_back_only_to_this_site(client, alice, team):
    draft = UploadFactory(team=team, created_by=alice)
    client.force_login(alice)
    response = client.post(
        DISCARD, {"uploads": [str(draft.public_id)], "next": "https://evil.example/"}
    )
    assert response["Location"] == "/uploads/"


def test_get_is_not_allowed_on_discard_and_post_not_on_the_list(client, alice):
    client.force_login(alice)
    assert client.get(DISCARD).status_code == 405
    assert client.post(URL).status_code == 405


def test_the_upload_tab_does_not_light_for_an_uploads_page(client, alice, team):
    upload = UploadFactory(team=team, created_by=alice, source=Upload.Source.FORM)
    client.force_login(alice)
    page = client.get(upload.get_absolute_url()).content.decode()
    active = page.split('class="nav-item active"')[1].split("</li>")[0]
    assert "My uploads" in active
    assert page.count('class="nav-item active"') == 1
    # The navigation and the dashboard's drafts card lead here.
    assert 'href="/uploads/"' in client.get("/").content.decode()
