"""Each audit event in a person's words: a short description after the action's
label, and a sentence with who did it first, for the history pages and export."""

from __future__ import annotations

from typing import Any

from uploads.models import AuditEvent, Team
from uploads.wording.common import count, with_article
from uploads.wording.uploads import problem_in_words

Action = AuditEvent.Action


def description(event: AuditEvent) -> str:
    """The event in a person's words, with the detail that makes it specific."""
    label = event.get_action_display()
    details = event.details or {}
    if event.action == Action.UPLOAD_EXPIRED and details.get("days"):
        return f"Draft discarded: not sent within {details['days']} days"
    if event.action == Action.SUBMIT_QUEUED and details.get("job_id"):
        return f"AchieveIt accepted the file as job {details['job_id']}"
    if event.action == Action.SUBMIT_STARTED and details.get("attempt", 1) > 1:
        return f"{label} (attempt {details['attempt']})"
    if details.get("reason"):
        return f"{label}: {details['reason']}"
    if details.get("note"):
        return f"{label}: {details['note']}"
    return label


def sentence(event: AuditEvent) -> str:
    """The event as one sentence with who did it first ("alice sent 4 updates",
    "AchieveIt accepted job 73a0b6"), for the history page and its export.

    Reads `event.upload.row_count` when the event has an upload: select it along.
    """
    details = event.details or {}
    who = event.actor_username
    token = details.get("api_token")
    someone = who or (f"Script '{token}'" if token else "The portal")
    rows = event.upload.row_count if event.upload_id else 0
    free_text = problem_in_words(details.get("note") or details.get("reason") or "")
    said = f": {free_text}" if free_text else ""
    match event.action:
        case Action.UPLOAD_CREATED:
            found = count(details.get("rows", rows), "update")
            if details.get("errors"):
                found += f", {count(details['errors'], 'error')}"
            if details.get("source") == "api" and details.get("api_token"):
                token = details["api_token"]
                script = f"A script (token '{token}')"
                return f"{script} sent a file through the API ({found})"
            verb = {
                "form": "entered updates in the form",
                "api": "sent a file through the API",
            }.get(details.get("source", ""), "checked a file")
            return f"{someone} {verb} ({found})"
        case Action.UPLOAD_REJECTED if details.get("replaced_by"):
            what = details.get("note") or "left out the rows with errors"
            return f"{someone} {what} (new draft #{details['replaced_by']})"
        case Action.UPLOAD_REJECTED:
            return f"{someone} discarded the draft"
        case Action.UPLOAD_EXPIRED:
            days = details.get("days")
            within = f"within {days} days" if days else "in time"
            return f"The portal discarded the draft: not sent {within}"
        case Action.UPLOAD_CONFIRMED:
            return f"{someone} sent {count(rows, 'update')}"
        case Action.SUBMIT_STARTED:
            attempt = details.get("attempt", 1)
            again = f" (attempt {attempt})" if attempt > 1 else ""
            # Written before the call: whether AchieveIt took the file is the
            # next event's to say.
            return f"The portal began sending the file to AchieveIt{again}"
        case Action.SUBMIT_QUEUED if details.get("job_id"):
            return f"AchieveIt accepted job {details['job_id']}"
        case Action.SUBMIT_QUEUED:
            return "AchieveIt accepted the file"
        case Action.SUBMIT_RETRY_SCHEDULED:
            return _retry_sentence(details)
        case Action.UPLOAD_SUCCEEDED:
            return "AchieveIt processed the updates"
        case Action.UPLOAD_FAILED:
            return f"Sending failed{said}"
        case Action.UPLOAD_NEEDS_REVIEW:
            return f"The upload needs a person's review{said}"
        case Action.UPLOAD_RETRIED:
            return f"{someone} queued it to be sent again{said}"
        case Action.UPLOAD_RESOLVED:
            outcome = {
                "applied": " (applied in AchieveIt)",
                "not_applied": " (not applied)",
            }.get(details.get("outcome", ""), "")
            return f"{someone} resolved{outcome}{said}"
        case Action.UPLOAD_CANCELED:
            return f"{someone} canceled the upload{said}"
        case Action.NOTIFICATION_SENT:
            people = count(details.get("recipients", 0), "person", "people")
            return f"The portal emailed {people} about the problem"
        case Action.TEAM_CREATED:
            return f"{someone} created the team"
        case Action.MEMBERSHIP_SET:
            role = with_article(details.get("role", "member"))
            return f"{someone} made {details.get('username')} {role}"
        case Action.MEMBERSHIP_REMOVED:
            return f"{someone} removed {details.get('username')} from the team"
        case Action.USER_INVITED:
            user = details.get("username") or details.get("email")
            return f"{someone} invited {user}"
        case Action.PLAN_ITEM_DEACTIVATED:
            return f"{someone} deactivated {details.get('external_id')}"
        case Action.PLAN_ITEM_REACTIVATED:
            return f"{someone} reactivated {details.get('external_id')}"
        case Action.USER_CREATED_AT_SIGN_IN:
            return (
                f"{details.get('username')} signed in with the organization's "
                "account for the first time"
            )
        case Action.MEMBERSHIP_SET_AT_SIGN_IN:
            role = with_article(details.get("role", "member"))
            return (
                f"{details.get('username')} was made {role} at sign-in "
                f"(group {details.get('group')})"
            )
        case Action.MEMBERSHIP_REMOVED_AT_SIGN_IN:
            return (
                f"{details.get('username')} left the team at sign-in: no longer "
                "in its group"
            )
        case Action.USER_CREATED:
            staff = " (staff)" if details.get("staff") else ""
            return f"{someone} created user {details.get('username')}{staff}"
        case Action.API_TOKEN_CREATED:
            token = f"'{details.get('name')}'" if details.get("name") else ""
            return f"{someone} created the API token {token}".strip()
        case Action.API_TOKEN_REVOKED:
            token = f"'{details.get('name')}'" if details.get("name") else ""
            return f"{someone} revoked the API token {token}".strip()
        case Action.PLAN_ITEMS_IMPORTED:
            return (
                f"{someone} imported plan items "
                f"({details.get('created', 0)} new, "
                f"{details.get('updated', 0)} changed)"
            )
        case Action.PLAN_ITEMS_CHECKED:
            refused = details.get("refused", 0)
            return (
                f"{someone} checked a plan items file "
                f"({details.get('created', 0)} new, "
                f"{details.get('updated', 0)} changed"
                + (f", {refused} not addable" if refused else "")
                + ")"
            )
        case Action.PLAN_LINKED:
            return f"{someone} linked the AchieveIt plan {details.get('plan_id')}"
        case Action.PLAN_UNLINKED:
            return f"{someone} unlinked the AchieveIt plan {details.get('plan_id')}"
        case Action.PLAN_ITEMS_SYNCED:
            missing = details.get("missing", 0)
            flagged = f", {missing} missing in AchieveIt" if missing else ""
            return (
                f"{someone} synced plan items from AchieveIt "
                f"({details.get('created', 0)} new, "
                f"{details.get('updated', 0)} changed{flagged})"
            )
        case Action.TEAM_REMINDERS_SET:
            if not details.get("on"):
                return f"{someone} turned the weekly reminders off"
            days = dict(Team._meta.get_field("reminder_weekday").choices)
            day = days.get(details.get("weekday"), "week")
            return f"{someone} turned the weekly reminders on, sent every {day}"
        case Action.UPLOAD_READ_BACK:
            return f"The portal read the updates back from AchieveIt{said}"
        case Action.ADMIN_CHANGED:
            what = f"the {details.get('model', 'record')} '{details.get('object')}'"
            changes = "; ".join(
                f"{name} {_shown(old)} → {_shown(new)}"
                for name, (old, new) in sorted(details.get("changes", {}).items())
            )
            return (
                f"{someone} {details.get('operation', 'changed')} "
                f"{what} in the admin" + (f": {changes}" if changes else "")
            )
        case Action.UPLOAD_ARCHIVED:
            return (
                f"{someone} archived upload #{event.upload_number} "
                f"({count(details.get('rows', 0), 'update')}, "
                f"{count(details.get('events', 0), 'event')}) "
                f"to {details.get('archive', 'an archive')}"
            )
    # An action added later still reads: who, then its words.
    return f"{who}: {description(event)}" if who else description(event)


def _retry_sentence(details: dict[str, Any]) -> str:
    """A send AchieveIt did not take, to be tried again: "AchieveIt did not take
    the file (HTTP 500); it is sent again in 2 seconds"."""
    code = details.get("status_code")
    delay = details.get("delay_seconds")
    if delay is None:  # events written before the delay was kept
        later = "later"
    elif delay < 1:  # full jitter may draw no wait at all
        later = "at once"
    elif delay < 120:
        later = f"in {count(delay, 'second')}"
    else:
        later = f"in {count(round(delay / 60), 'minute')}"
    if "status_code" in details and not code:
        # No status code: the connection failed, so nothing reached AchieveIt.
        return f"The portal could not reach AchieveIt; it sends the file again {later}"
    why = f" (HTTP {code})" if code else ""  # events written before it was kept
    return f"AchieveIt did not take the file{why}; it is sent again {later}"


def _shown(value: Any) -> str:
    """A value an admin change set or replaced, as the sentence shows it."""
    if value in (None, ""):
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


TOO_MANY_EXPORTS_TITLE = "Your exports of the history are still running"
BACK_TO_HISTORY = "Back to the history"


def too_many_exports(per_person: int) -> str:
    """Why a person's next export of the history is refused (429): the ones they
    already have downloading must end first."""
    them = "it" if per_person == 1 else "one of them"
    return (
        f"You already have {count(per_person, 'export')} of the history downloading, "
        f"the most one person may run at once. Wait for {them} to finish (or a few "
        "minutes if one was cut off), then export again."
    )
