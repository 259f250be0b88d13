"""Downloading an upload's problems (GET /uploads/<id>/problems.csv): every
finding with its row, column, value as written, message and suggestion, for the
team and staff; formula-safe for spreadsheets; a 404 for anyone else."""

from __future__ import annotations

import csv
import io

from tests.helpers import login_url
from uploads.services import drafts
from uploads.services.drafts import upload_create


def problems_url(upload) -> str:
    return f"/uploads/{upload.public_id}/problems.csv"


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_a_viewer_downloads_every_problem_with_its_suggestion(client, bob, messy_draft):
    client.force_login(bob)
    response = client.get(problems_url(messy_draft))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == [
        "Row",
        "Column",
        "Value as written",
        "Severity",
        "Problem",
        "Suggestion",
    ]
    assert [
        "5",
        "Status",
        "Acheived",
        "error",
        "Row 5, Status: 'Acheived' is not an AchieveIt status. Did you mean "
        "'Achieved'?",
        "Achieved",
    ] in rows
    day_first = next(row for row in rows if row[:2] == ["6", "As Of Date"])
    assert (day_first[2], day_first[5]) == ("31/10/2026", "2026-10-31")


def test_cells_that_would_run_as_formulas_are_escaped(client, alice, team, plan_items):
    data = (
        b"External ID,Status,Current Value,As Of Date\n"
        b"=HYPERLINK(1),On Track,1,2026-10-31\n"
        b"SALES-Q4-01,@SUM(A1),1,2026-10-31\n"
        b"SALES-Q4-02,On Track,-cmd,2026-10-31\n"
    )
    upload = upload_create(team=team, user=alice, data=data)
    client.force_login(alice)

    rows = read_csv(client.get(problems_url(upload)))[1:]

    values = {row[0]: row[2] for row in rows if row[2]}
    assert values == {"2": "'=HYPERLINK(1)", "3": "'@SUM(A1)", "4": "'-cmd"}
    assert all(
        not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row
    )


def test_it_lists_the_problems_the_page_does_not_show(
    client, alice, team, plan_items, monkeypatch
):
    monkeypatch.setattr(drafts, "MAX_STORED_FINDINGS", 3)
    data = b"External ID,Status,Current Value,As Of Date\n" + b"".join(
        b"SALES-Q4-01,Nope,1,2026-10-%02d\n" % day for day in range(1, 11)
    )
    upload = upload_create(team=team, user=alice, data=data)
    assert len(upload.findings) == 3
    client.force_login(alice)

    page = client.get(f"/uploads/{upload.public_id}/").content.decode()
    assert "And 7 more problems:" in page
    rows = read_csv(client.get(problems_url(upload)))[1:]
    assert [row[0] for row in rows] == [str(line) for line in range(2, 12)]


def test_it_sends_anonymous_visitors_to_log_in(client, messy_draft):
    response = client.get(problems_url(messy_draft))
    assert response.status_code == 302
    assert response["Location"] == login_url(problems_url(messy_draft))


def test_staff_download_any_teams_problems(client, operator, messy_draft):
    client.force_login(operator)
    assert len(read_csv(client.get(problems_url(messy_draft)))) > 2
