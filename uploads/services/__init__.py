"""Every write the portal makes, by sub-domain (HackSoft's services layer).

- `drafts`: check a file and keep it as a draft; confirm, discard, leave out rows.
- `delivery`: submit, poll, the sweep and the email about a problem.
- `review`: staff retry, resolve and cancel.
- `teams`: teams, users, memberships and the plan-item mapping.
- `audit`: the append-only history every other module writes to.

Views, tasks and commands call these names; the state rules live only here.
"""

from __future__ import annotations

from uploads.services.audit import audit
from uploads.services.delivery import (
    notify_problem,
    publish_poll,
    publish_submit,
    upload_poll,
    upload_submit,
    upload_sweep,
)
from uploads.services.drafts import (
    FormAlreadySent,
    check_later,
    drafts_expire,
    upload_check,
    upload_check_by_id,
    upload_confirm,
    upload_create,
    upload_create_from_form,
    upload_receive,
    upload_reject,
)
from uploads.services.errors import ServiceError
from uploads.services.review import upload_cancel, upload_resolve, upload_retry
from uploads.services.revisions import upload_exclude_invalid, upload_revise

__all__ = [
    "FormAlreadySent",
    "ServiceError",
    "audit",
    "check_later",
    "drafts_expire",
    "notify_problem",
    "publish_poll",
    "publish_submit",
    "upload_cancel",
    "upload_check",
    "upload_check_by_id",
    "upload_confirm",
    "upload_create",
    "upload_create_from_form",
    "upload_exclude_invalid",
    "upload_poll",
    "upload_receive",
    "upload_reject",
    "upload_resolve",
    "upload_retry",
    "upload_revise",
    "upload_submit",
    "upload_sweep",
]
