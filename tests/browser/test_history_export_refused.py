"""A person whose exports of the history are all still running asks for one more:
the browser shows a small page saying why and how long to wait, with the way
back to the history they were reading (issue 20: a light 429, not the page)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.browser.checks import log_in, look_at
from tests.views.test_history import sales_and_finance_history
from tests.views.test_history_export import LOCMEM
from uploads.views.history import ExportLease

pytestmark = pytest.mark.browser


def test_a_refused_export_says_why_and_leads_back(
    page, team, other_team, alice, charlie, operator, settings
):
    settings.CACHES = LOCMEM
    settings.HISTORY_EXPORTS_PER_PERSON = 1
    cache.clear()
    sales_and_finance_history(team, other_team, alice, charlie, operator)
    log_in(page, "alice", then="/history/?team=sales")
    running = ExportLease.take(alice.pk)  # the export still downloading
    assert running is not None

    answer = page.goto("/history/export.csv?team=sales")

    assert answer.status == 429
    assert page.locator("[data-testid=too-many-exports]").inner_text() == (
        "You already have 1 export of the history downloading, the most one person "
        "may run at once. Wait for it to finish (or a few minutes if one was cut "
        "off), then export again."
    )
    look_at(page, "history-export-refused")
    page.click("[data-testid=back-to-history]")
    page.wait_for_url("**/history/?team=sales")
    assert page.locator("[data-testid=sentence]").count() > 0
    running.release()
    cache.clear()
