"""What an upload's page says first: what happened, what to do next, and the
colour and icon it is shown with. Worded from the facts the selector gathers
(`uploads.selectors.uploads.state_facts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from uploads.models import Upload
from uploads.selectors import uploads as selectors_uploads
from uploads.wording.common import count

if TYPE_CHECKING:
    from uploads.selectors.uploads import RemoteError, StateFacts

State = Upload.State
FOLLOWED = "Nothing to do: this page follows it."


@dataclass(frozen=True)
class Summary:
    tone: str  # a Tabler colour: info, success, warning, danger, secondary
    icon: str  # a Tabler icon's name
    text: str
    next_step: str = ""


def rows_phrase(lines: list[int]) -> str:
    """Rows to fix, named: "row 5", "rows 2, 3 and 7", the first five and a count."""
    shown = [str(line) for line in lines[:5]]
    more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    if len(shown) == 1:
        return f"row {shown[0]}"
    return "rows " + ", ".join(shown[:-1]) + f" and {shown[-1]}" + more


def too_many_checks(whose: str, limit: int) -> str:
    """The upload page's refusal past the checks at once a person (`whose`
    "person") or their team may have (services/checks.py)."""
    holder = "of yours" if whose == "person" else "of your team's"
    being = "is" if limit == 1 else "are"
    return (
        f"{count(limit, 'file')} {holder} {being} being checked already. Wait "
        "until it is checked (its page shows how far it got), then send this file "
        "again."
    )


# AchieveIt's reasons a message names; the upload's page lists them all.
REASONS_NAMED = 5
# A plain-text answer at most this long is quoted; a longer one, or JSON or HTML
# without reasons, stays on the upload's page ("Calls to AchieveIt").
QUOTED_ANSWER_CHARS = 200


def achieveit_reason(error: RemoteError) -> str:
    """One of AchieveIt's errors in words, with the row it names: "row 3 of the
    file as sent (your row 2, PRJ-7): Status is not valid"."""
    if not error.row:
        return error.message
    yours = [f"your row {error.line}"] if error.line else []
    yours += [error.external_id] if error.external_id else []
    which = f" ({', '.join(yours)})" if yours else ""
    return f"row {error.row} of the file as sent{which}: {error.message}"


def achieveit_answer(errors: list[RemoteError], body: str) -> str:
    """What AchieveIt answered, in words for the Problem field, the history and
    the email: its reasons listed, a short plain answer quoted, else a pointer to
    the raw answer on the upload's page. Never the raw JSON."""
    if errors:
        named = "; ".join(achieveit_reason(error) for error in errors[:REASONS_NAMED])
        more = len(errors) - REASONS_NAMED
        rest = (
            f"; and {count(more, 'more reason')} on the upload's page"
            if more > 0
            else ""
        )
        reasons = "AchieveIt's reason" if len(errors) == 1 else "AchieveIt's reasons"
        return f"{reasons}: {named}{rest}."
    text = " ".join(body.split())
    if not text:
        return ""
    if text[0] in "{[<" or len(text) > QUOTED_ANSWER_CHARS:
        return "AchieveIt gave no reason in words; its answer is on the upload's page."
    return f'AchieveIt said: "{text}"'


RAW_ANSWER_MARK = "\n\nAchieveIt said: "


def problem_in_words(text: str, upload: Upload | None = None) -> str:
    """An upload's problem as people read it. Problems written before the portal
    worded AchieveIt's answer end with the raw answer after `RAW_ANSWER_MARK`:
    that part is worded now (`achieveit_answer`, tied to `upload`'s rows when
    given), the rest kept."""
    head, mark, body = text.partition(RAW_ANSWER_MARK)
    if not mark:
        return text
    errors = selectors_uploads.remote_errors(body)
    if upload is not None:
        errors = selectors_uploads.tie_to_rows(upload, errors)
    said = achieveit_answer(errors, body)
    return f"{head}\n\n{said}" if said else head


FILE_KINDS = {
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook",
    ".xls": "Excel workbook",
    ".ods": "Calc spreadsheet",
    ".json": "JSON file",
}


def source_words(source_label: str, is_file: bool, file_name: str) -> str:
    """Where an upload came from, as people read it: a file names its kind
    ("Excel workbook", "CSV file"), the form and the API their label."""
    if not is_file:
        return source_label
    suffix = file_name[file_name.rfind(".") :].lower() if "." in file_name else ""
    return FILE_KINDS.get(suffix, "CSV file")


def mapping_summary(team_name: str) -> Summary:
    """A draft whose file has its own column names: mapping them comes first
    (the problems it reads as without a mapping are folded away below)."""
    return Summary(
        "info",
        "arrows-exchange",
        "This file has its own column names: map them once. Nothing has been sent.",
        f"Say which column holds what; the portal remembers it for {team_name}'s "
        "next files with these columns.",
    )


def upload_summary(facts: StateFacts) -> Summary:
    """What happened to the upload and what the person can do next, in words."""
    match facts.state:
        case State.CHECKING:
            return Summary(
                "info",
                "loader",
                "The file is kept and being checked. Nothing has been sent.",
                "This page shows the check's findings as soon as it ends.",
            )
        case State.DRAFT if facts.has_errors:
            return _draft_with_errors(facts)
        case State.DRAFT if facts.is_sendable:
            updates = "update is" if facts.row_count == 1 else "updates are"
            return Summary(
                "info",
                "checks",
                f"Checked: {facts.row_count} {updates} ready. Nothing has been sent.",
                "Look them over, then send them to AchieveIt.",
            )
        case State.DRAFT:
            return Summary(
                "warning",
                "file-off",
                "The file holds no updates to send.",
                "Upload the file with your updates.",
            )
        case State.QUEUED | State.SUBMITTING if facts.retry:
            return Summary(
                "warning",
                "clock",
                "AchieveIt could not take the file yet; the portal sends it again "
                f"by itself (attempt {facts.retry.attempt} of {facts.retry.most}).",
                FOLLOWED,
            )
        case State.QUEUED | State.SUBMITTING:
            return Summary("info", "send", "On its way to AchieveIt.", FOLLOWED)
        case State.PROCESSING:
            return Summary(
                "info",
                "loader",
                "On its way to AchieveIt: AchieveIt is applying the updates.",
                FOLLOWED,
            )
        case State.SUCCEEDED:
            updates = "update" if facts.row_count == 1 else "updates"
            return Summary(
                "success",
                "circle-check",
                f"AchieveIt applied {facts.row_count} {updates}.",
                "Nothing more to do.",
            )
        case State.FAILED:
            return _failed(facts)
        case State.NEEDS_REVIEW:
            return Summary(
                "warning",
                "eye",
                "A person must check in AchieveIt whether this file was applied: "
                "the portal could not tell.",
                "An operator will check and resolve it; it is never sent again "
                "by itself.",
            )
        case State.RESOLVED:
            return Summary(
                "secondary",
                "circle-check",
                "An operator resolved this upload.",
                "See their note below.",
            )
        case State.CANCELED:
            return Summary(
                "secondary", "ban", "Canceled: it will not be sent.", "Nothing to do."
            )
        case _ if facts.replaced_by is not None:  # rejected for a newer draft
            return Summary(
                "secondary",
                "arrow-forward",
                "Not sent: a newer draft replaced it.",
                f"Continue with #{facts.replaced_by}.",
            )
        case _:  # rejected
            return Summary(
                "secondary",
                "trash",
                "Discarded: nothing was sent. The file is kept.",
                "Upload the file again to send it.",
            )


def _draft_with_errors(facts: StateFacts) -> Summary:
    lines = facts.error_lines
    if lines:
        rows = "row has" if len(lines) == 1 else "rows have"
        text = f"{len(lines)} {rows} problems."
    else:
        text = "The file has a problem that stops it being sent."
    if lines and facts.row_count:
        step = "Fix them below, or leave those rows out."
    elif lines:
        step = "Fix them below."
    else:
        step = "Correct the file and upload it again."
    return Summary("danger", "alert-circle", text, step)


def _failed(facts: StateFacts) -> Summary:
    told = " The planning office has been told." if facts.contact_told else ""
    if facts.remote_lines:
        step = f"Fix {rows_phrase(facts.remote_lines)} and send again."
    elif facts.remote_rows_named:
        step = "Fix the rows AchieveIt names below and send the file again."
    else:
        step = "Read what AchieveIt said below; an operator will look at it."
    return Summary(
        "danger", "circle-x", "AchieveIt did not apply this file." + told, step
    )
