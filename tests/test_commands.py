"""The command-line interface scripts and deploys rely on (DESIGN.md)."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from tests.csvformat.workbooks import xlsx
from tests.helpers import MESSY_CSV, REPO
from tests.pipeline import CLEAN_CSV
from uploads.models import AuditEvent, Membership, PlanItem, Team, Upload


def run(*args: str) -> tuple[int, str, str]:
    """Run a command as a shell would; return (exit code, stdout, stderr)."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def messy_file(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_bytes(MESSY_CSV)
    return path


@pytest.fixture
def clean_file(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_bytes(CLEAN_CSV)
    return path


def test_validate_updates_explains_both_errors_and_exits_1(messy_file, db):
    code, out, _ = run("validate_updates", str(messy_file))
    assert code == 1
    assert "Row 5, Status: 'Acheived' is not an AchieveIt status" in out
    assert "Did you mean 'Achieved'?" in out
    assert "Row 6, As Of Date: '31/10/2026'" in out
    assert "45% was converted to 0.45" in out


def test_validate_updates_csv_prints_exactly_what_would_be_sent(clean_file, capfd, db):
    code, _, _ = run("validate_updates", str(clean_file), "--format", "csv")
    assert code == 0
    assert capfd.readouterr().out == (
        "External ID,Status,Current Value,As Of Date\n"
        "SALES-Q4-01,On Track,0.45,2026-10-31\n"
        "SALES-Q4-02,At Risk,125000,2026-10-31\n"
        "HR-RETENTION,Achieved,0.93,2026-10-31\n"
        "IT-MIGRATION,Not Started,,2026-10-31\n"
    )


def test_validate_updates_csv_prints_nothing_on_errors(messy_file, capfd, db):
    code, _, err = run("validate_updates", str(messy_file), "--format", "csv")
    assert code == 1
    assert capfd.readouterr().out == ""
    assert "Acheived" in err


def test_validate_updates_json_lists_updates_and_findings(messy_file, db):
    code, out, _ = run("validate_updates", str(messy_file), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    assert [update["external_id"] for update in report["updates"]] == [
        "SALES-Q4-01",
        "SALES-Q4-02",
    ]
    assert report["updates"][0]["current_value"] == "0.45"
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["line"], f["column"]) for f in errors] == [
        (5, "Status"),
        (6, "As Of Date"),
    ]


def test_validate_updates_checks_the_teams_mapping(clean_file, plan_items, team):
    PlanItem.objects.filter(external_id="HR-RETENTION").update(
        team=Team.objects.get(slug="finance")
    )
    code, out, _ = run("validate_updates", str(clean_file), "--team", "sales")
    assert code == 1
    assert "HR-RETENTION" in out
    assert "Finance" not in out
    assert "finance" not in out


def test_validate_updates_usage_errors_exit_2(tmp_path, db):
    assert run("validate_updates", str(tmp_path / "missing.csv"))[0] == 2
    (tmp_path / "a.csv").write_bytes(CLEAN_CSV)
    assert run("validate_updates", str(tmp_path / "a.csv"), "--team", "nope")[0] == 2


def test_validate_updates_max_rows(clean_file, db):
    code, out, _ = run("validate_updates", str(clean_file), "--max-rows", "2")
    assert code == 1
    assert "more than 2 rows" in out


def test_create_team_and_add_member(db):
    User.objects.create_user("dana")
    assert run("create_team", "ops", "--name", "Operations")[0] == 0
    assert run("create_team", "ops")[0] == 0  # twice is fine
    assert Team.objects.get(slug="ops").name == "Operations"
    assert run("add_member", "dana", "ops", "--role", "uploader")[0] == 0
    assert Membership.objects.get(user__username="dana").role == "uploader"
    assert AuditEvent.objects.filter(action="membership.set").exists()


def test_add_member_names_what_is_missing(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("add_member", "ghost", "ops", "--role", "viewer")
    User.objects.create_user("dana")
    with pytest.raises(CommandError, match="create_team ops"):
        call_command("add_member", "dana", "ops", "--role", "viewer")


def test_add_member_says_how_to_create_an_unknown_user(team):
    with pytest.raises(CommandError) as error:
        call_command("add_member", "ghost", "sales", "--role", "viewer")
    assert str(error.value) == (
        "No user named 'ghost'. Create it with: create_user ghost --email ADDRESS"
    )
    assert not Membership.objects.exists()


def set_password_link(out: str, settings) -> str:
    """The link create_user printed, as a path the test client can follow."""
    link = out.strip().splitlines()[-1]
    assert link.startswith(settings.PORTAL_BASE_URL + "/accounts/reset/")
    return link.removeprefix(settings.PORTAL_BASE_URL)


def test_create_user_prints_a_link_that_sets_the_password(client, db, settings):
    code, out, _ = run("create_user", "dana", "--email", "dana@example.com")
    assert code == 0
    assert out.startswith("Created user dana.\n")
    dana = User.objects.get(username="dana")
    assert dana.email == "dana@example.com"
    assert not dana.has_usable_password()
    assert not dana.memberships.exists()

    link = set_password_link(out, settings)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-9x", "new_password2": "a-long-pass-9x"},
    )
    assert done.status_code == 302
    dana.refresh_from_db()
    assert dana.check_password("a-long-pass-9x")
    client.post("/accounts/login/", {"username": "dana", "password": "a-long-pass-9x"})
    assert client.session["_auth_user_id"] == str(dana.pk)
    client.logout()
    used = client.get(link, follow=True)  # the link works once
    assert b"The link was used already or has expired" in used.content


def test_create_user_invite_emails_the_link_instead_of_printing_it(
    client, team, settings
):
    code, out, _ = run(
        "create_user",
        "dana",
        "--email",
        "dana@example.com",
        "--team",
        "sales",
        "--invite",
    )
    assert code == 0
    assert "Emailed them an invitation to set a password: dana@example.com" in out
    assert "/accounts/reset/" not in out
    (email,) = mail.outbox
    assert email.to == ["dana@example.com"]
    assert "as a viewer of Sales" in email.body
    link = re.search(r"^http\S+/accounts/reset/\S+$", email.body, re.M).group(0)
    form = client.get(link.removeprefix(settings.PORTAL_BASE_URL), follow=True)
    assert b"new_password1" in form.content
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-9x", "new_password2": "a-long-pass-9x"},
    )
    assert User.objects.get(username="dana").check_password("a-long-pass-9x")
    assert AuditEvent.objects.filter(action="user.invited").count() == 1


def test_create_user_invite_prints_the_link_when_mail_fails(db, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("uploads.services.teams.send_mail", refuse)
    code, out, err = run(
        "create_user", "dana", "--email", "dana@example.com", "--invite"
    )
    assert code == 0
    assert "Could not email the invitation to dana@example.com" in err
    set_password_link(out, settings)  # the link is printed instead


def test_create_user_with_a_team_gives_the_role(team):
    code, out, _ = run(
        "create_user",
        "dana",
        "--email",
        "dana@example.com",
        "--team",
        "sales",
        "--role",
        "uploader",
    )
    assert code == 0
    assert "Created user dana as uploader of sales." in out
    assert Membership.objects.get(user__username="dana", team=team).role == "uploader"
    actions = AuditEvent.objects.values_list("action", flat=True)
    assert list(actions) == ["user.created", "membership.set"]


def test_create_user_staff_makes_an_operator(db):
    code, out, _ = run("create_user", "olga", "--email", "olga@example.com", "--staff")
    assert code == 0
    assert "Created staff user olga." in out
    assert User.objects.get(username="olga").is_staff


def test_create_user_refuses_a_taken_username(alice):
    with pytest.raises(CommandError, match="already a user named 'alice'"):
        call_command("create_user", "alice", "--email", "new@example.com")
    assert User.objects.get(username="alice").email == "alice@example.com"


def test_create_user_refuses_an_unknown_team_and_creates_no_one(db):
    with pytest.raises(CommandError) as error:
        call_command(
            "create_user", "dana", "--email", "dana@example.com", "--team", "ops"
        )
    assert str(error.value) == "No team 'ops'. Create it with: create_team ops"
    assert not User.objects.filter(username="dana").exists()


def test_create_user_refuses_a_bad_email(db):
    with pytest.raises(CommandError, match="'dana-at-example' is not an email address"):
        call_command("create_user", "dana", "--email", "dana-at-example")
    assert not User.objects.filter(username="dana").exists()


def test_create_team_refuses_a_bad_slug(db):
    with pytest.raises(CommandError, match="not a valid team slug"):
        call_command("create_team", "Sales Team")


def test_import_plan_items_loads_and_updates_the_mapping(tmp_path, team):
    path = tmp_path / "items.csv"
    path.write_text(
        "External ID,Name,Has Metric\nA-1,First,yes\nA-2,Second,0\nA-3,Third,TRUE\n"
    )
    assert run("import_plan_items", str(path), "--team", "sales")[0] == 0
    assert PlanItem.objects.get(external_id="A-1").has_metric is True
    assert PlanItem.objects.get(external_id="A-2").has_metric is False
    path.write_text("External ID,Name,Has Metric\nA-1,Renamed,no\n")
    run("import_plan_items", str(path), "--team", "sales")
    assert PlanItem.objects.get(external_id="A-1").name == "Renamed"
    assert PlanItem.objects.count() == 3
    assert run("import_plan_items", str(path), "--team", "sales")[1] == (
        "Imported 1 plan items for sales: 0 new, 0 updated, 1 unchanged.\n"
    )


def test_import_plan_items_rejects_the_whole_file_on_a_bad_row(tmp_path, team):
    path = tmp_path / "items.csv"
    path.write_text("External ID,Name,Has Metric\nA-1,First,yes\nA-2,Second,maybe\n")
    with pytest.raises(CommandError, match="Row 3, Has Metric: 'maybe'"):
        call_command("import_plan_items", str(path), "--team", "sales")
    assert PlanItem.objects.count() == 0


def test_import_plan_items_names_each_external_id_no_upload_could_carry(tmp_path, team):
    path = tmp_path / "items.csv"
    path.write_text(
        "External ID,Name,Has Metric\nA-1,Fine,yes\n"
        '"A,2",Comma,no\n=HYPERLINK(1),Formula,no\n@cmd,Command,no\n'
    )

    with pytest.raises(CommandError) as error:
        call_command("import_plan_items", str(path), "--team", "sales")

    lines = str(error.value).splitlines()[1:]  # after "<file>: Nothing imported:"
    assert lines[0].startswith("Row 3, External ID: 'A,2' contains a comma")
    assert lines[1].startswith("Row 4, External ID: '=HYPERLINK(1)' starts with '='")
    assert lines[2].startswith("Row 5, External ID: '@cmd' starts with '@'")
    assert all(line.endswith("Correct the ID, or delete the row.") for line in lines)
    assert PlanItem.objects.count() == 0


def test_import_plan_items_will_not_steal_another_teams_item(
    tmp_path, team, plan_items
):
    path = tmp_path / "items.csv"
    path.write_text("External ID,Name,Has Metric\nFIN-CLOSE,Mine now,yes\n")
    with pytest.raises(CommandError, match="cannot be added to this team"):
        call_command("import_plan_items", str(path), "--team", "sales")
    assert PlanItem.objects.get(external_id="FIN-CLOSE").team.slug == "finance"


def test_seed_demo_is_idempotent(db, settings):
    settings.DEBUG = True  # the local run's .env
    run("seed_demo")
    code, out, _ = run("seed_demo")
    assert code == 0
    assert "alice" in out
    assert "operator" in out
    assert Team.objects.filter(slug="demo").count() == 1
    assert User.objects.get(username="alice").check_password("alice-demo-1")
    assert User.objects.get(username="operator").is_staff


def test_submit_updates_refuses_a_viewer(clean_file, bob, plan_items):
    code, _, err = run(
        "submit_updates", str(clean_file), "--team", "sales", "--user", "bob"
    )
    assert code == 2
    assert "not an uploader" in err
    assert Upload.objects.count() == 0


def test_submit_updates_rejects_an_invalid_file_and_keeps_it(
    messy_file, alice, plan_items
):
    code, _, err = run(
        "submit_updates", str(messy_file), "--team", "sales", "--user", "alice"
    )
    assert code == 1
    assert "Acheived" in err
    upload = Upload.objects.get()
    assert upload.state == Upload.State.REJECTED
    assert upload.original_path  # the file as received is kept


def test_seed_demo_refuses_with_debug_off_and_creates_nobody(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="runs only with DEBUG=true") as refused:
        call_command("seed_demo")
    assert "--i-know-this-is-not-production" in str(refused.value)
    assert refused.value.returncode != 0
    assert not User.objects.exists()
    assert not Team.objects.exists()


def test_seed_demo_refuses_from_the_shell_with_exit_code_1(tmp_path):
    """As an operator would meet it: one line on stderr, no traceback, exit 1."""
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=REPO,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_ENV_FILE": "",
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": "x",
            "DEBUG": "false",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "CommandError: seed_demo creates users" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_demo_runs_with_debug_off_when_told_it_is_not_production(db, settings):
    settings.DEBUG = False
    code, out, _ = run("seed_demo", "--i-know-this-is-not-production")
    assert code == 0
    assert "alice" in out
    assert User.objects.get(username="operator").is_superuser


@pytest.mark.parametrize("name", ["Ops\nTeam", "Ops\tTeam", "Ops\x00", "\u202eOps"])
def test_create_team_refuses_a_name_with_control_characters(db, name):
    with pytest.raises(CommandError, match="no line breaks, tabs or other control"):
        call_command("create_team", "ops", "--name", name)
    assert not Team.objects.filter(slug="ops").exists()


def test_create_team_will_not_rename_a_team_to_a_name_with_a_line_break(team):
    with pytest.raises(CommandError, match="character 6 is U\\+000A"):
        call_command("create_team", "sales", "--name", "Sales\nTeam")
    team.refresh_from_db()
    assert team.name == "Sales"


# --- archive_uploads -------------------------------------------------------------


def _finished_upload(team, alice, *, state=Upload.State.SUCCEEDED):
    from uploads.services.drafts import upload_create

    upload = upload_create(team=team, user=alice, data=CLEAN_CSV)
    Upload.objects.filter(pk=upload.pk).update(state=state)
    upload.refresh_from_db()
    return upload


def test_archive_uploads_writes_everything_then_removes_the_upload(
    team, alice, plan_items, settings, django_capture_on_commit_callbacks
):
    upload = _finished_upload(team, alice)
    original = settings.PRIVATE_STORAGE_DIR / upload.original_path
    rows, events = upload.rows.count(), upload.events.count()

    # The original is removed once the deletion is committed.
    with django_capture_on_commit_callbacks(execute=True):
        code, out, _ = run("archive_uploads", "--upload", str(upload.pk))

    assert code == 0
    (folder,) = (settings.PRIVATE_STORAGE_DIR / "archive").iterdir()
    assert f"Archived 1 upload (#{upload.pk}) to {folder}" in out
    lines = [json.loads(line) for line in (folder / "archive.jsonl").open()]
    assert [line["model"] for line in lines].count("uploads.uploadrow") == rows
    assert [line["model"] for line in lines].count("uploads.auditevent") == events
    assert (lines[0]["model"], lines[0]["pk"]) == ("uploads.upload", upload.pk)
    assert (folder / "files" / upload.original_path).read_bytes() == CLEAN_CSV
    assert not original.exists()
    assert not Upload.objects.filter(pk=upload.pk).exists()
    # What survives in the portal: one event naming the upload by its number.
    (event,) = AuditEvent.objects.filter(team=team)
    assert (event.action, event.upload, event.upload_number) == (
        "upload.archived",
        None,
        upload.number,
    )
    assert event.sentence == (
        f"The portal archived upload #{upload.number} (4 updates, 1 event) to "
        f"{folder.name}"
    )


def test_an_archive_can_be_loaded_back(team, alice, plan_items, settings):
    upload = _finished_upload(team, alice)
    run("archive_uploads", "--upload", str(upload.pk))
    (folder,) = (settings.PRIVATE_STORAGE_DIR / "archive").iterdir()

    call_command("loaddata", str(folder / "archive.jsonl"), verbosity=0)

    restored = Upload.objects.get(pk=upload.pk)
    assert restored.rows.count() == 4
    assert restored.events.get().actor_username == "alice"


def test_archive_uploads_before_a_day_keeps_what_is_not_finished(
    team, alice, plan_items, settings
):
    done = _finished_upload(team, alice)
    failed = _finished_upload(team, alice, state=Upload.State.FAILED)

    code, out, err = run("archive_uploads", "--before", "2999-01-01")

    assert code == 0
    assert f"(#{done.pk})" in out
    assert f"Kept upload #{failed.pk}: it is failed" in err
    assert Upload.objects.filter(pk=failed.pk).exists()
    assert not Upload.objects.filter(pk=done.pk).exists()
    nothing = run("archive_uploads", "--before", "2000-01-01")
    assert nothing[:2] == (0, "Nothing to archive.\n")


def test_archive_uploads_keeps_an_upload_whose_revision_stays(team, alice, plan_items):
    original = _finished_upload(team, alice, state=Upload.State.REJECTED)
    revision = _finished_upload(team, alice, state=Upload.State.FAILED)
    Upload.objects.filter(pk=revision.pk).update(revision_of=original)

    with pytest.raises(CommandError, match="were not archived"):
        call_command("archive_uploads", "--upload", str(original.pk))

    assert Upload.objects.filter(pk=original.pk).exists()
    assert original.events.exists()


def test_archive_uploads_dry_run_and_usage_errors(team, alice, plan_items):
    upload = _finished_upload(team, alice)

    code, out, _ = run("archive_uploads", "--before", "2999-01-01", "--dry-run")
    assert (code, out) == (0, f"Would archive 1: #{upload.pk}\n")
    assert Upload.objects.filter(pk=upload.pk).exists()
    with pytest.raises(CommandError, match="'31/01/2026' is not a date"):
        call_command("archive_uploads", "--before", "31/01/2026")
    with pytest.raises(CommandError, match="No upload #999999"):
        call_command("archive_uploads", "--upload", "999999")


def test_archive_uploads_leaves_a_file_an_upload_left_behind_still_uses(
    team, alice, plan_items, settings, django_capture_on_commit_callbacks
):
    kept = _finished_upload(team, alice, state=Upload.State.REJECTED)
    # A draft left without its invalid rows shares its original's file.
    sharing = _finished_upload(team, alice)
    Upload.objects.filter(pk=sharing.pk).update(
        original_path=kept.original_path, revision_of=kept
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert run("archive_uploads", "--upload", str(sharing.pk))[0] == 0

    assert (settings.PRIVATE_STORAGE_DIR / kept.original_path).read_bytes() == CLEAN_CSV
    assert not Upload.objects.filter(pk=sharing.pk).exists()


# --- JSON and metric files (issue 16) --------------------------------------------

VENDOR_JSON = (
    b'[{"externalId": "SALES-Q4-01", "status": "On Track", "metricValue": 0.54,'
    b' "asOfDate": "2025-07-03", "comment": "comment text goes here"}]'
)
METRIC_CSV = (
    b"External ID,Current Metric Value,As Of Date\n"
    b"SALES-Q4-01,0.6,2026-10-31\n"
    b"SALES-Q4-02,125000,2026-10-31\n"
)


def test_validate_updates_reads_a_json_file_and_prints_the_csv_sent(
    tmp_path, capfd, db
):
    path = tmp_path / "updates.json"
    path.write_bytes(VENDOR_JSON)
    code, _, _ = run("validate_updates", str(path), "--format", "csv")
    assert code == 0
    assert capfd.readouterr().out == (
        "External ID,Status,Current Value,As Of Date,Comment\n"
        "SALES-Q4-01,On Track,0.54,2025-07-03,comment text goes here\n"
    )


def test_validate_updates_reads_a_json_named_file_as_json(tmp_path, db):
    path = tmp_path / "updates.json"
    path.write_bytes(CLEAN_CSV)
    code, out, _ = run("validate_updates", str(path), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["updates"] == []
    assert "JSON" in report["findings"][0]["message"]


def test_validate_updates_says_a_file_is_a_metric_update(tmp_path, capfd, db):
    path = tmp_path / "values.csv"
    path.write_bytes(METRIC_CSV)
    code, out, _ = run("validate_updates", str(path))
    assert code == 0
    assert "2 metric update(s) ready, 0 error(s)" in out
    code, _, _ = run("validate_updates", str(path), "--format", "csv")
    assert capfd.readouterr().out == METRIC_CSV.decode()


def test_submit_updates_queues_a_metric_file_as_a_metric_upload(
    tmp_path, alice, plan_items
):
    path = tmp_path / "values.csv"
    path.write_bytes(METRIC_CSV)
    code, out, _ = run(
        "submit_updates", str(path), "--team", "sales", "--user", "alice"
    )
    upload = Upload.objects.get()
    assert code == 0
    assert f"Upload {upload.number} queued (2 metric updates)" in out
    assert (upload.kind, upload.state) == (Upload.Kind.METRIC, Upload.State.QUEUED)


# --- Workbooks (issue 17) -------------------------------------------------------------


def two_sheet_workbook(tmp_path):
    header = ["External ID", "Status", "Current Value", "As Of Date"]
    day = datetime.date(2026, 10, 31)
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(
        xlsx(
            {
                "Q3": [header, ["SALES-Q4-01", "Acheived", 0.3, day]],
                "Q4": [
                    header,
                    ["SALES-Q4-01", "At Risk", 0.4, day],
                    ["IT-MIGRATION", "Achieved", "", day],
                ],
            }
        )
    )
    return path


def test_validate_updates_reads_the_sheet_named_by_sheet(tmp_path, db):
    path = two_sheet_workbook(tmp_path)

    code, out, _ = run("validate_updates", str(path))
    assert code == 1
    assert "The workbook has several sheets that could hold the updates" in out

    code, out, _ = run("validate_updates", str(path), "--sheet", "Q3")
    assert code == 1
    assert "Sheet 'Q3', row 2, column B (Status): 'Acheived'" in out

    code, out, _ = run("validate_updates", str(path), "--sheet", "Q4")
    assert (code, out.splitlines()[0]) == (
        0,
        f"{path}: 2 update(s) ready, 0 error(s), 0 note(s).",
    )

    code, out, _ = run("validate_updates", str(path), "--sheet", "Q9")
    assert code == 1
    assert "The workbook has no sheet 'Q9'. Its sheets are 'Q3', 'Q4'." in out


def test_submit_updates_sends_the_sheet_named_by_sheet(tmp_path, alice, plan_items):
    path = two_sheet_workbook(tmp_path)
    args = ("submit_updates", str(path), "--team", "sales", "--user", "alice")

    code, _, err = run(*args)
    assert code == 1
    assert "Choose the sheet to read." in err

    code, out, _ = run(*args, "--sheet", "Q4")
    upload = Upload.objects.get(state=Upload.State.QUEUED)
    assert code == 0
    assert "queued (2 updates)" in out
    assert (upload.sheet, upload.original_name) == ("Q4", "kpis.xlsx")
    assert sorted(upload.rows.values_list("external_id", "status")) == [
        ("IT-MIGRATION", "Achieved"),
        ("SALES-Q4-01", "At Risk"),
    ]
