"""Importing a team's mapping through the page: choose a file (GET/POST
/teams/<slug>/manage/import/), see what would change (GET .../import/<token>/), and
apply it (POST there). Nothing is written before "Apply"; a bad row is named by row
and column and writes nothing. A manager imports for their teams, staff for any;
anyone else gets a 404."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import login_url, make_user
from uploads.models import AuditEvent, Membership, PlanItem

IMPORT = "/teams/sales/manage/import/"
# Against the plan_items fixture: one new, one renamed, one with Has Metric
# changed, one reactivated (made inactive in the test), one unchanged.
MAPPING = (
    b"External ID,Name,Has Metric\n"
    b"SALES-Q4-03,Q4 renewals,yes\n"
    b"SALES-Q4-01,Q4 pipeline cover,yes\n"
    b"SALES-Q4-02,Q4 bookings,no\n"
    b"HR-RETENTION,Staff retention,yes\n"
    b"IT-MIGRATION,Data centre migration,no\n"
)


@pytest.fixture
def maria(team):
    return make_user("maria", team, Membership.Role.MANAGER)


@pytest.fixture
def sales_items(plan_items):
    PlanItem.objects.filter(external_id="HR-RETENTION").update(active=False)
    return plan_items


def choose(client, data: bytes, url: str = IMPORT):
    return client.post(url, {"file": SimpleUploadedFile("mapping.csv", data)})


def mapping_now() -> list[tuple[str, str, bool, bool]]:
    return list(
        PlanItem.objects.filter(team__slug="sales").values_list(
            "external_id", "name", "has_metric", "active"
        )
    )


# --- who may ----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_log_in(client, team):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"] == login_url(IMPORT)


@pytest.mark.parametrize("who", ["bob", "alice", "charlie"])
def test_anyone_but_a_manager_or_staff_gets_404_and_writes_nothing(
    client, request, who, maria, sales_items
):
    client.force_login(maria)
    preview_url = choose(client, MAPPING)["Location"]
    before = mapping_now()
    client.force_login(request.getfixturevalue(who))
    assert client.get(IMPORT).status_code == 404
    assert choose(client, MAPPING).status_code == 404
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert mapping_now() == before
    assert not AuditEvent.objects.filter(action="plan_items.imported").exists()


def test_it_refuses_other_methods(client, maria):
    client.force_login(maria)
    assert client.put(IMPORT).status_code == 405


# --- preview, then apply ----------------------------------------------------------


def test_the_page_explains_the_file(client, maria):
    client.force_login(maria)
    page = client.get(IMPORT).content.decode()
    assert "External ID, Name, Has Metric" in page


def test_a_manager_previews_then_applies_a_mapping(client, maria, sales_items):
    client.force_login(maria)
    before = mapping_now()
    response = choose(client, MAPPING)
    assert response.status_code == 302
    preview_url = response["Location"]
    assert preview_url.startswith(IMPORT)

    preview = client.get(preview_url)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert mapping_now() == before  # nothing written by the preview
    for kind, count in [
        ("new", 1),
        ("edited", 2),
        ("reactivated", 1),
        ("unchanged", 1),
    ]:
        assert f'data-testid="count-{kind}">{count}<' in page, kind
    assert "SALES-Q4-03" in page.split('data-testid="new-items"')[1]
    changed = page.split('data-testid="changed-items"')[1]
    assert "<del>Q4 pipeline coverage</del> → <ins>Q4 pipeline cover</ins>" in changed
    assert "Apply 4 changes" in page

    applied = client.post(preview_url, follow=True)
    assert applied.redirect_chain == [("/teams/sales/manage/", 302)]
    assert (
        "Imported the mapping: 1 new, 3 changed, 1 unchanged."
        in applied.content.decode()
    )
    assert mapping_now() == [
        ("HR-RETENTION", "Staff retention", True, True),
        ("IT-MIGRATION", "Data centre migration", False, True),
        ("SALES-Q4-01", "Q4 pipeline cover", True, True),
        ("SALES-Q4-02", "Q4 bookings", False, True),
        ("SALES-Q4-03", "Q4 renewals", True, True),
    ]
    event = AuditEvent.objects.get(action="plan_items.imported")
    assert (event.actor, event.details) == (
        maria,
        {"created": 1, "updated": 3, "unchanged": 1},
    )
    # Applied once: the kept file is gone, so a second POST changes nothing.
    again = client.post(preview_url, follow=True)
    assert again.redirect_chain == [(IMPORT, 302)]
    assert "no longer here" in again.content.decode()
    assert AuditEvent.objects.filter(action="plan_items.imported").count() == 1


def test_a_file_with_nothing_new_says_so(client, maria, plan_items):
    client.force_login(maria)
    page = client.get(
        choose(client, b"SALES-Q4-02,Q4 bookings,yes\n")["Location"]
    ).content.decode()
    assert "there is nothing to import" in page
    assert 'data-testid="apply"' not in page


def test_staff_import_for_any_team(client, operator, other_team):
    client.force_login(operator)
    preview_url = choose(
        client, b"FIN-2,Budget,yes\n", "/teams/finance/manage/import/"
    )["Location"]
    client.post(preview_url)
    assert PlanItem.objects.get(external_id="FIN-2").team == other_team


# --- bad input --------------------------------------------------------------------


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(
    client, maria, sales_items
):
    client.force_login(maria)
    before = mapping_now()
    preview_url = choose(
        client,
        b"External ID,Name,Has Metric\n"
        b"NEW-1,Fine,yes\n"
        b"NEW-2,Unsure,maybe\n"
        b"NEW-3,Short\n",
    )["Location"]
    response = client.get(preview_url)
    page = response.content.decode()
    assert response.status_code == 400
    errors = page.split('data-testid="import-error"')[1:]
    assert len(errors) == 2
    assert '<td>3</td><td class="text-nowrap">Has Metric</td>' in errors[0]
    assert "&#x27;maybe&#x27; is not yes/no, true/false or 1/0." in errors[0]
    assert '<td>4</td><td class="text-nowrap">whole row</td>' in errors[1]
    assert 'data-testid="apply"' not in page
    assert client.post(preview_url).status_code == 400  # apply anyway: refused
    assert mapping_now() == before
    assert not AuditEvent.objects.filter(action="plan_items.imported").exists()


def test_another_teams_external_id_is_refused_without_saying_whose(
    client, maria, plan_items
):
    client.force_login(maria)
    preview_url = choose(client, b"NEW-1,Fine,yes\nFIN-CLOSE,Mine now,yes\n")[
        "Location"
    ]
    page = client.get(preview_url).content.decode()
    assert "<td>2</td>" in page
    assert (
        "&#x27;FIN-CLOSE&#x27; cannot be added to this team&#x27;s plan items. "
        "Check the External ID; if it is right, ask an operator." in page
    )
    assert "another team" not in page
    # The check is in the team's history, with counts (never the IDs).
    (checked,) = AuditEvent.objects.filter(action="plan_items.checked")
    assert (checked.actor, checked.team.slug) == (maria, "sales")
    assert checked.details["refused"] == 1
    assert "FIN-CLOSE" not in str(checked.details)
    client.post(preview_url)
    assert not PlanItem.objects.filter(external_id="NEW-1").exists()
    assert PlanItem.objects.get(external_id="FIN-CLOSE").team.slug == "finance"


def test_a_file_that_is_not_utf8_is_explained(client, maria):
    client.force_login(maria)
    page = client.get(
        choose(client, "A-1,Café,yes\n".encode("cp1252"))["Location"]
    ).content.decode()
    assert "save it as CSV UTF-8" in page


def test_a_file_too_big_is_refused_before_it_is_kept(client, maria, settings):
    settings.UPLOAD_MAX_BYTES = 10
    client.force_login(maria)
    response = choose(client, MAPPING)
    assert response.status_code == 400
    assert "a mapping may be at most" in response.content.decode()
    assert not (settings.PRIVATE_STORAGE_DIR / "mappings").exists()


def test_a_made_up_or_other_teams_token_finds_nothing(client, maria, charlie, operator):
    client.force_login(operator)
    theirs = choose(client, b"FIN-2,Budget,yes\n", "/teams/finance/manage/import/")[
        "Location"
    ]
    token = theirs.rstrip("/").rsplit("/", 1)[1]
    client.force_login(maria)
    for url in [f"{IMPORT}{token}/", f"{IMPORT}abc/"]:
        response = client.post(url, follow=True)
        assert "no longer here" in response.content.decode(), url
    assert client.post(f"{IMPORT}..%2F..%2Fsecret/").status_code == 404
    assert not PlanItem.objects.filter(external_id="FIN-2").exists()


def test_external_ids_an_upload_could_not_carry_are_named_with_the_fix(
    client, maria, sales_items
):
    client.force_login(maria)
    before = mapping_now()
    preview_url = choose(
        client,
        b"External ID,Name,Has Metric\n"
        b"NEW-1,Fine,yes\n"
        b'"NEW,2",Comma,no\n'
        b"=HYPERLINK(1),Formula,no\n"
        b"@cmd,Command,no\n",
    )["Location"]
    response = client.get(preview_url)
    page = response.content.decode()

    assert response.status_code == 400
    errors = page.split('data-testid="import-error"')[1:]
    assert len(errors) == 3
    for line, error in zip((3, 4, 5), errors, strict=True):
        assert f'<td>{line}</td><td class="text-nowrap">External ID</td>' in error
        assert "Correct the ID, or delete the row." in error
    assert "contains a comma" in errors[0]
    assert "starts with &#x27;=&#x27;" in errors[1]
    assert "starts with &#x27;@&#x27;" in errors[2]
    assert client.post(preview_url).status_code == 400  # apply anyway: refused
    assert mapping_now() == before


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_person_checks_a_limited_number_of_files_an_hour(
    client, maria, plan_items, settings
):
    settings.CACHES = LOCMEM
    cache.clear()
    settings.MAPPING_CHECKS_PER_HOUR = 2
    client.force_login(maria)
    preview_url = choose(client, b"NEW-1,Fine,yes\n")["Location"]
    assert client.get(preview_url).status_code == 200
    assert client.get(preview_url).status_code == 200

    response = client.get(preview_url, follow=True)

    assert response.status_code == 429
    assert "You have checked 2 plan items files this hour" in response.content.decode()
    assert client.post(preview_url).status_code == 429  # nor imported unchecked
    assert not PlanItem.objects.filter(external_id="NEW-1").exists()
    assert AuditEvent.objects.filter(action="plan_items.checked").count() == 2
    cache.clear()
