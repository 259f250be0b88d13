"""A file with its own column names leads with its mapping, not with red
problems: the summary says to map its columns once (nothing is sent), the
problems it reads as without a mapping are folded under a neutral heading; and
the page names what the file is ("Excel workbook", not "CSV file")."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.csvformat.workbooks import xlsx
from uploads.models import Upload
from uploads.wording.uploads import source_words

from .test_upload_mapping import EXPORT, upload_export


def summary_of(page: str) -> str:
    return page.split('data-testid="summary">')[1].split("</div>")[0]


def test_a_foreign_header_leads_with_the_mapping_not_with_red(
    client, alice, team, plan_items
):
    client.force_login(alice)
    draft = upload_export(client, team, EXPORT)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'class="alert alert-info' in page.split('data-testid="summary"')[0][-200:]
    assert "This file has its own column names: map them once." in summary_of(page)
    assert "rows have problems" not in page
    preview = page.split('id="preview-title">')[1].split("</h2>")[0]
    assert preview.startswith("Until its columns are mapped, the file reads as ")
    assert "text-danger" not in page.split('id="preview-title"')[0][-60:]


def test_an_achieveit_file_with_errors_keeps_its_red_problems(
    client, alice, team, plan_items
):
    client.force_login(alice)
    draft = upload_export(
        client, team, b"External ID,Status,Current Value\nSALES-Q4-01,Late,1\n"
    )
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "1 row has problems." in summary_of(page)
    assert "to fix before this can be sent" in page


def test_a_workbook_upload_is_named_as_one(client, alice, team, plan_items):
    client.force_login(alice)
    data = xlsx(
        {
            "KPIs": [
                ["External ID", "Status", "Current Value", "As Of Date"],
                ["SALES-Q4-01", "On Track", 0.5, "2026-10-31"],
            ]
        }
    )
    client.post(
        reverse("upload_new", args=[team.slug]),
        {"file": SimpleUploadedFile("q4.xlsx", data)},
    )
    upload = Upload.objects.latest("pk")
    page = client.get(upload.get_absolute_url()).content.decode()
    assert '<dd class="col-sm-9">Excel workbook</dd>' in page
    mine = client.get("/uploads/").content.decode()
    assert "Excel workbook · 1 update" in mine


def test_source_words_name_each_kind_of_file():
    assert source_words("CSV file", True, "Q4 KPIs.XLSX") == "Excel workbook"
    assert source_words("CSV file", True, "old.xls") == "Excel workbook"
    assert source_words("CSV file", True, "calc.ods") == "Calc spreadsheet"
    assert source_words("CSV file", True, "updates.json") == "JSON file"
    assert source_words("CSV file", True, "updates.csv") == "CSV file"
    assert source_words("CSV file", True, "") == "CSV file"
    assert source_words("Web form", False, "") == "Web form"
