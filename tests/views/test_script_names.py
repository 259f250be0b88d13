"""An upload a script sent through the API is named by its token ("script
'weekly export'") wherever people read who made it: its page, the history and
the history's export (issue 19), not "system"."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from tests.pipeline import CLEAN_CSV
from uploads.models import Upload
from uploads.services.tokens import token_create

SCRIPT = "script 'weekly export'"


@pytest.fixture
def sent(team, alice, plan_items) -> Upload:
    _, plaintext = token_create(team=team, name="weekly export", actor=alice)
    response = Client(enforce_csrf_checks=True).post(
        "/api/progressupdates/weekly.csv",
        data=CLEAN_CSV,
        content_type="text/csv",
        headers={"Authorization": f"API-KEY {plaintext}"},
    )
    assert response.status_code == 200, response.content
    return Upload.objects.get()


def test_the_upload_page_names_the_script(client, alice, sent):
    client.force_login(alice)
    page = client.get(f"/uploads/{sent.public_id}/").content.decode()
    sent_by = page.split('data-testid="sent-by">')[1].split("</dd>")[0]
    assert sent_by.startswith("script &#x27;weekly export&#x27;, ")
    assert ">system<" not in page
    assert "Script &#x27;weekly export&#x27; sent 4 updates" in page


def test_the_history_and_its_export_name_the_script(client, alice, sent):
    client.force_login(alice)
    page = client.get("/history/").content.decode()
    assert "script &#x27;weekly export&#x27;" in page
    assert ">system<" not in page
    rows = list(
        csv.reader(io.StringIO(client.get("/history/export.csv").getvalue().decode()))
    )
    sent_rows = [row for row in rows if any("sent 4 updates" in cell for cell in row)]
    assert sent_rows
    assert SCRIPT in sent_rows[0]
