"""A CSV export from another system (its own column names, an extra column, RAG
colours) goes from the upload page through the mapping step to a clean preview and
is sent; next week's file with the same columns needs no mapping."""

from __future__ import annotations

import pytest

from tests.browser.checks import log_in, look_at
from uploads.models import ColumnMapping, Upload

pytestmark = pytest.mark.browser
State = Upload.State

EXPORT = (
    b"KPI Code,RAG,Actual,Period End,Owner,Notes\n"
    b"SALES-Q4-01,Green,0.5,2026-10-31,Ann,on plan\n"
    b"SALES-Q4-02,Amber,12,2026-10-31,Bob,slow\n"
    b"HR-RETENTION,Red,0.9,2026-10-31,Cy,\n"
)


def upload(page, tmp_path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.goto("/teams/sales/upload/")
    page.set_input_files("input[type=file]", str(path))
    page.click("input[type=submit], button[type=submit][name=check]")
    page.wait_for_selector("[data-testid=summary]")


def test_an_export_is_mapped_once_and_sent(page, team, plan_items, alice, tmp_path):
    log_in(page, "alice")
    upload(page, tmp_path, EXPORT, "kpi-export.csv")
    page.wait_for_selector("[data-testid=map-columns]")
    # The step instead of a grid of every row read as four cells.
    assert page.locator("[data-testid=fix-rows]").count() == 0
    look_at(page, "upload-needs-mapping")

    page.click("[data-testid=map-columns-link]")
    page.wait_for_selector("[data-testid=mapping-columns]")
    assert page.input_value("#column-0") == "External ID"
    assert page.input_value("#column-1") == "Status"
    assert page.input_value("#column-2") == "Metric Value"
    assert page.input_value("#column-3") == "As Of Date"
    assert page.input_value("#column-4") == ""
    assert page.input_value("#column-5") == "Comment"
    look_at(page, "mapping-columns")

    page.click("[data-testid=mapping-submit]")
    page.wait_for_selector("[data-testid=mapping-words]")
    assert page.input_value("#word-0") == "On Track"
    assert page.input_value("#word-1") == "At Risk"
    assert page.input_value("#word-2") == "Off Track"
    look_at(page, "mapping-status-words")

    page.click("[data-testid=mapping-submit]")
    page.wait_for_selector("[data-testid=confirm]")
    notes = page.inner_text("[data-testid=notes]")
    assert "Column E (Owner) is left out: nothing in it is sent." in notes
    assert "Green read as On Track (the team's mapping)." in notes
    updates = page.inner_text("[data-testid=updates]")
    assert "At Risk" in updates
    look_at(page, "mapped-preview")

    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=sent-by]")
    assert page.inner_text("[data-testid=state]") == "Queued"
    sent = Upload.objects.latest("pk")
    assert sent.state == State.QUEUED
    assert "SALES-Q4-02,At Risk,12,2026-10-31,slow" in sent.normalized_csv
    assert ColumnMapping.objects.filter(team=team).count() == 1

    # Next week: the same columns go straight to the preview.
    upload(page, tmp_path, EXPORT.replace(b"2026-10-31", b"2026-11-07"), "next.csv")
    page.wait_for_selector("[data-testid=confirm]")
    assert "saved mapping for these columns" in page.inner_text(
        "[data-testid=mapping-note]"
    )
    assert page.locator("[data-testid=map-columns]").count() == 0
